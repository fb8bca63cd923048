"""Admission of synchronous requests: a bounded number run at once.

The slots belong to the server process (xcube recreates contexts on configuration
reloads, which must not reset how many requests are running).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from xcube_openeo.errors import OpenEOError

_LOCK = threading.Lock()
_RUNNING = 0


@contextlib.contextmanager
def sync_slot(limit: int, retry_after: int = 10) -> Iterator[None]:
    """Holds one of ``limit`` slots, or refuses at once with ``InfrastructureBusy``."""
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
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING -= 1
