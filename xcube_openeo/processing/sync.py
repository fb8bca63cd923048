"""Admission of synchronous requests: a bounded number run at once.

The slots belong to the server process (xcube recreates contexts on configuration
reloads, which must not reset how many requests are running).  A slot is released
when the request's work has ended, not when it was answered: a request answered with
``RequestTimeout`` while a step of it still runs keeps its slot until that step is over.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from xcube_openeo.errors import OpenEOError

_LOCK = threading.Lock()
_RUNNING = 0


def acquire_slot(limit: int, retry_after: int = 10) -> Callable[[], None]:
    """Takes one of ``limit`` slots, or refuses at once with ``InfrastructureBusy``.

    Returns the function that gives the slot back (calling it more than once is
    harmless).
    """
    global _RUNNING
    with _LOCK:
        if _RUNNING >= limit:
            raise OpenEOError(
                "InfrastructureBusy",
                f"{limit} synchronous requests are already running; try again shortly"
                " or use a batch job.",
                headers={"Retry-After": str(retry_after)},
            )
        _RUNNING += 1
    released = threading.Event()

    def release() -> None:
        global _RUNNING
        with _LOCK:
            if not released.is_set():
                released.set()
                _RUNNING -= 1

    return release


@contextlib.contextmanager
def sync_slot(limit: int, retry_after: int = 10) -> Iterator[None]:
    """Holds one of ``limit`` slots, or refuses at once with ``InfrastructureBusy``."""
    release = acquire_slot(limit, retry_after)
    try:
        yield
    finally:
        release()
