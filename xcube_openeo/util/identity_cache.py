"""Values cached by the identity of the object they were computed from.

For objects that cannot be hashed, or whose hash would cost more than the value
(datasets, schema dictionaries): the key is ``id(obj)``.  An ``id`` is reused once its
object is collected, so every entry holds its object too, and a lookup only answers for
that very object.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: Weak caches look for entries of collected objects once they have grown past this.
_FIRST_WEAK_PRUNE = 1024


class IdentityCache(Generic[V]):
    """Values by object identity, optionally with a hashable ``part`` (such as a level).

    By default an entry keeps its object alive, and a cache past ``max_entries`` is
    cleared before the next entry goes in (these caches rarely fill up, so clearing is
    as good as an eviction order and cheaper).  With ``weak=True`` an entry holds its
    object weakly and never keeps it alive: for marks on objects that come and go, such
    as lazy arrays; entries of collected objects are dropped now and then.

    ``None`` from :meth:`get` means "not cached": ``None`` is not a value to cache.
    """

    def __init__(self, max_entries: int | None = None, *, weak: bool = False):
        self._entries: dict[tuple[int, Hashable], tuple[Any, V]] = {}
        self._max_entries = max_entries
        self._weak = weak
        self._prune_at = _FIRST_WEAK_PRUNE
        self._lock = threading.Lock()

    def get(self, obj: Any, part: Hashable = None) -> V | None:
        with self._lock:
            entry = self._entries.get((id(obj), part))
        if entry is None:
            return None
        held, value = entry
        return value if (held() if self._weak else held) is obj else None

    def put(self, obj: Any, value: V, part: Hashable = None) -> None:
        # A weak reference without a callback: a callback could run inside any
        # allocation, even while this thread holds the lock.
        held = weakref.ref(obj) if self._weak else obj
        with self._lock:
            if self._max_entries is not None and len(self._entries) > self._max_entries:
                self._entries.clear()
            if self._weak and len(self._entries) > self._prune_at:
                self._entries = {k: e for k, e in self._entries.items() if e[0]() is not None}
                self._prune_at = max(_FIRST_WEAK_PRUNE, 2 * len(self._entries))
            self._entries[(id(obj), part)] = (held, value)

    def __len__(self) -> int:
        return len(self._entries)
