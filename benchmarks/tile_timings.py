"""Where a server's tile time goes, measured by wrapping the tile functions in place.

``install()`` replaces, in this process, the functions a tile passes through with
timed versions (the server must run in this process): the whole tile (a service's
``compute_tile``, a result layer's ``render_tile``), computing the values (chunk
reads timed apart by a dask callback) and sampling/encoding (``render_window``).
Building is what remains of the whole.  Production code carries no timing.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dask

STAGES = ("build", "read", "compute", "encode")


@dataclass
class TileTimings:
    """Seconds spent per stage, summed over tiles."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    tiles: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **seconds: float) -> None:
        with self._lock:
            for name, value in seconds.items():
                self.seconds[name] += value
            self.tiles += 1

    def reset(self) -> None:
        with self._lock:
            self.seconds = dict.fromkeys(STAGES, 0.0)
            self.tiles = 0

    def shares(self) -> str:
        total = sum(self.seconds.values())
        if not total:
            return "-"
        return "  ".join(f"{name} {self.seconds[name] / total:4.0%}" for name in STAGES)


class _ReadTimer(dask.callbacks.Callback):
    """Sums the time of the tasks that read chunks (synchronous scheduler only)."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0.0
        self._started: dict[Any, float] = {}

    def _pretask(self, key: Any, dsk: Any, state: Any) -> None:
        self._started[key] = time.perf_counter()

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        name = key[0] if isinstance(key, tuple) else key
        if isinstance(name, str) and ("open_dataset" in name or name.startswith("original-")):
            self.read += time.perf_counter() - self._started.pop(key, time.perf_counter())


_TILE = threading.local()  # the stages of the tile being computed in this thread


def _stage(name: str, func: Callable[..., Any], dask_reads: bool = False) -> Callable[..., Any]:
    @functools.wraps(func)
    def timed(*args: Any, **kwargs: Any) -> Any:
        stages = getattr(_TILE, "stages", None)
        if stages is None:
            return func(*args, **kwargs)
        started = time.perf_counter()
        if dask_reads:
            timer = _ReadTimer()
            with timer:
                result = func(*args, **kwargs)
            stages["read"] += timer.read
            stages[name] += time.perf_counter() - started - timer.read
        else:
            result = func(*args, **kwargs)
            stages[name] += time.perf_counter() - started
        return result

    return timed


def _whole_tile(timings: TileTimings, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def timed(*args: Any, **kwargs: Any) -> Any:
        _TILE.stages = stages = dict.fromkeys(STAGES, 0.0)
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            _TILE.stages = None
            total = time.perf_counter() - started
            if stages["encode"]:  # a tile with data (empty tiles are not timed)
                stages["build"] = total - stages["read"] - stages["compute"] - stages["encode"]
                timings.add(**stages)

    return timed


def install() -> TileTimings:
    """Time every tile computed in this process from now on."""
    from xcube_openeo.layers import controllers as layer_controllers
    from xcube_openeo.layers import render
    from xcube_openeo.services import sampling, tiling

    timings = TileTimings()
    tiling.compute_tile = _whole_tile(timings, tiling.compute_tile)
    layer_controllers.render_tile = _whole_tile(timings, layer_controllers.render_tile)
    tiling.tile_values = _stage("compute", tiling.tile_values, dask_reads=True)
    # A result layer reads and decodes in one step (no process graph): counted as reading.
    render.window_values = _stage("read", render.window_values)
    sampling.render_window = _stage("encode", sampling.render_window)
    return timings
