"""Values cached by object identity: lifetimes, bounds, and id reuse."""

from __future__ import annotations

import gc
import weakref

from xcube_openeo.util.identity_cache import IdentityCache


class Thing:
    """Equal to every other Thing: the cache must go by identity, not equality."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Thing)

    __hash__ = None  # type: ignore[assignment]  # unhashable, like datasets


def test_answers_for_the_same_object_and_part_only():
    cache: IdentityCache[str] = IdentityCache(max_entries=8)
    a, b = Thing(), Thing()
    cache.put(a, "a")
    cache.put(a, "a at 2", part=2)
    assert cache.get(a) == "a"
    assert cache.get(a, 2) == "a at 2"
    assert cache.get(a, 3) is None
    assert cache.get(b) is None


def test_an_entry_keeps_its_object_so_that_its_id_is_not_reused():
    cache: IdentityCache[str] = IdentityCache(max_entries=8)
    thing = Thing()
    ref = weakref.ref(thing)
    cache.put(thing, "value")
    del thing
    gc.collect()
    assert ref() is not None
    assert cache.get(ref()) == "value"


def test_cleared_once_past_max_entries():
    cache: IdentityCache[int] = IdentityCache(max_entries=2)
    things = [Thing() for _ in range(4)]
    for i, thing in enumerate(things[:3]):
        cache.put(thing, i)
    assert [cache.get(t) for t in things[:3]] == [0, 1, 2]  # up to max_entries + 1
    cache.put(things[3], 3)
    assert [cache.get(t) for t in things] == [None, None, None, 3]


def test_weak_entries_do_not_keep_their_objects():
    cache: IdentityCache[bool] = IdentityCache(weak=True)
    thing = Thing()
    ref = weakref.ref(thing)
    cache.put(thing, True)
    assert cache.get(thing) is True
    del thing
    gc.collect()
    assert ref() is None


def test_a_weak_entry_does_not_answer_for_a_new_object_under_a_reused_id():
    cache: IdentityCache[bool] = IdentityCache(weak=True)
    thing = Thing()
    cache.put(thing, True)
    stale_key = (id(thing), None)
    del thing
    gc.collect()
    newcomer = Thing()
    # Whether or not CPython gave the newcomer the old id, the answer is the same.
    cache._entries[(id(newcomer), None)] = cache._entries.pop(stale_key)
    assert cache.get(newcomer) is None


def test_weak_entries_of_collected_objects_are_dropped():
    cache: IdentityCache[bool] = IdentityCache(weak=True)
    for _ in range(10_000):
        cache.put(Thing(), True)
    assert len(cache) <= 2048
    keep = [Thing() for _ in range(3000)]
    for thing in keep:
        cache.put(thing, True)
    assert all(cache.get(thing) for thing in keep)
