"""Deadlines of synchronous requests.

One :class:`Deadline` is created when a request arrives and goes with it through every
step: evaluation checks it between process nodes, estimation between graph layers, the
in-process computation before every dask task it starts, and the cluster computation
while waiting.  Past it each step raises ``RequestTimeout`` (408).  Within
:func:`deadline_scope` it is also the current deadline of the thread, which long loops
inside a single process check (:func:`check_deadline`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

from xcube_openeo.errors import OpenEOError


class Deadline:
    """A point in time (monotonic clock) after which a request's work stops.

    ``timeout`` None: no deadline (batch jobs, tests); every check passes.
    """

    def __init__(self, timeout: float | None):
        self.timeout = timeout
        self._at = None if timeout is None else time.monotonic() + float(timeout)

    @classmethod
    def of(cls, value: Deadline | float | None) -> Deadline:
        """``value`` if it is a deadline, else a deadline ``value`` seconds from now."""
        return value if isinstance(value, Deadline) else cls(value)

    def remaining(self) -> float | None:
        """Seconds left (0 when passed), None without a deadline."""
        return None if self._at is None else max(0.0, self._at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self._at is not None and time.monotonic() >= self._at

    def check(self) -> None:
        """Raises ``RequestTimeout`` once the deadline has passed."""
        if self.expired:
            raise self.error()

    def error(self) -> OpenEOError:
        seconds = f"{self.timeout:g} seconds" if self.timeout is not None else "its time limit"
        return OpenEOError(
            "RequestTimeout",
            f"The request did not finish within {seconds} and was cancelled;"
            " run it as a batch job instead.",
        )

    def __repr__(self) -> str:
        return f"Deadline(timeout={self.timeout!r}, remaining={self.remaining()!r})"


#: The deadline of the request the current thread works for (dask's threaded scheduler
#: passes context variables on to its threads).
_CURRENT: ContextVar[Deadline | None] = ContextVar("xcube_openeo_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    """Makes ``deadline`` the current one (see :func:`check_deadline`) within the block."""
    token = _CURRENT.set(deadline)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_deadline() -> Deadline | None:
    return _CURRENT.get()


def check_deadline() -> None:
    """Raises ``RequestTimeout`` if the current request's deadline has passed; for long
    loops inside one process (for example building a large graph)."""
    deadline = _CURRENT.get()
    if deadline is not None:
        deadline.check()
