"""A bounded in-memory cache of encoded tiles, computing each missing tile once.

Concurrent requests for the same missing tile wait for the one computation that is
under way (single flight) instead of computing it again.  Keys start with the
service id, so that a service's tiles can be dropped when it changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor


class TileCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._pending: dict[tuple, Future[bytes]] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: tuple[Hashable, ...], compute: Callable[[], bytes]) -> bytes:
        with self._lock:
            body = self._tiles.get(key)
            if body is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
                return body
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = Future()
                self.misses += 1
        assert pending is not None
        if not owner:
            return pending.result()
        try:
            body = compute()
        except BaseException as e:
            with self._lock:
                del self._pending[key]
            pending.set_exception(e)
            raise
        with self._lock:
            del self._pending[key]
            self._store(key, body)
        pending.set_result(body)
        return body

    def _store(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        old = self._tiles.pop(key, None)
        if old is not None:
            self._size -= len(old)
        self._tiles[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, evicted = self._tiles.popitem(last=False)
            self._size -= len(evicted)

    def invalidate(self, owner_key: Hashable) -> None:
        """Drops every tile whose key starts with ``owner_key``."""
        with self._lock:
            for key in [k for k in self._tiles if k[0] == owner_key]:
                self._size -= len(self._tiles.pop(key))

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._tiles)


_CACHES: dict[int, TileCache] = {}
_CACHES_LOCK = threading.Lock()


def get_tile_cache(max_bytes: int) -> TileCache:
    """One cache per size for the whole process: it outlives configuration reloads."""
    with _CACHES_LOCK:
        cache = _CACHES.get(max_bytes)
        if cache is None:
            cache = _CACHES[max_bytes] = TileCache(max_bytes)
        return cache


_EXECUTORS: dict[int, ThreadPoolExecutor] = {}


def get_tile_executor(threads: int) -> ThreadPoolExecutor:
    """One pool of tile threads per size for the whole process."""
    with _CACHES_LOCK:
        executor = _EXECUTORS.get(threads)
        if executor is None:
            executor = _EXECUTORS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="tiles")
        return executor
