"""The persistent store: one SQL database (SQLite by default, PostgreSQL by URL).

Every piece of state the API accepts (tokens, user-defined processes, later jobs and
services) lives here.  :func:`get_store` caches one :class:`Store` per database URL
for the whole process, so that xcube's re-creation of the API context on a
configuration reload neither loses nor duplicates connection pools.

Adding tables: write ``xcube_openeo/store/migrations/vNNNN_<name>.py`` with an
``upgrade(conn)`` function (see :mod:`xcube_openeo.store.migrate`) and define the
tables for queries in the owning package (like :mod:`xcube_openeo.store.tables`).
"""

from __future__ import annotations

import threading

from xcube_openeo.store.connect import create_store
from xcube_openeo.store.engine import Store

_STORES: dict[str, Store] = {}
_LOCK = threading.Lock()


def get_store(url: str) -> Store:
    """The process-wide store for ``url``, created and migrated on first use."""
    with _LOCK:
        store = _STORES.get(url)
        if store is None:
            store = _STORES[url] = create_store(url)
        return store


def dispose_stores() -> None:
    """Closes every cached store (tests, shutdown)."""
    with _LOCK:
        for store in _STORES.values():
            store.engine.dispose()
        _STORES.clear()


__all__ = ["Store", "create_store", "dispose_stores", "get_store"]
