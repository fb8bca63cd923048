"""Computing a lazily built process result on the dask cluster.

Evaluation builds lazy xarray/dask objects in the server; this module sends every dask
graph inside a result to the cluster at once, waits with a deadline (cancelling the
work on the cluster when it passes), and returns the same result with in-memory data.
Small results are computed in the server process instead, also under the deadline.
"""

from __future__ import annotations

import contextvars
import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from typing import Any

import dask
import xarray as xr
from dask.threaded import CPU_COUNT

from xcube_openeo.engine.cube import DataCube
from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.execution.deadline import Deadline, current_deadline


def compute_result(value: Any, client: Any, deadline: Deadline | float | None) -> Any:
    """``value`` with every dask-backed array computed by ``client``'s cluster.

    Past the ``deadline`` (or ``timeout`` seconds) the work is cancelled on the cluster
    and ``RequestTimeout`` raised.
    """
    deadline = Deadline.of(deadline)
    lazy: list[xr.DataArray] = []

    def collect(array: xr.DataArray) -> xr.DataArray:
        lazy.append(array)
        return array

    _walk(value, collect)
    if not lazy:
        return value
    deadline.check()
    futures = client.compute(lazy)
    computed = []
    try:
        for future in futures:
            computed.append(future.result(timeout=deadline.remaining()))
    except TimeoutError:
        client.cancel(futures)
        raise deadline.error() from None
    except BaseException:
        client.cancel(futures)
        raise
    results = iter(computed)
    return _walk(value, lambda array: next(results))


#: Threads that compute small synchronous results in the server process.
_LOCAL_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="openeo-local-compute")


def local_threads() -> int:
    """Threads of dask's threaded scheduler computing one in-process request."""
    return max(1, int(CPU_COUNT))


def compute_locally(value: Any, deadline: Deadline | float | None) -> Any:
    """``value`` computed in this process with dask's threaded scheduler.

    For small requests: a round trip through the distributed scheduler costs more than
    the computation (see benchmarks/processing_http.py).  The computation stops at the
    ``deadline``: a callback of this computation only (not a global one) refuses to
    start any further task once it has passed, so that at most the tasks already
    running finish unseen; the caller gets ``RequestTimeout`` right at the deadline.
    """
    deadline = Deadline.of(deadline)
    lazy: list[xr.DataArray] = []

    def collect(array: xr.DataArray) -> xr.DataArray:
        lazy.append(array)
        return array

    _walk(value, collect)
    if not lazy:
        return value
    deadline.check()
    stopped = threading.Event()

    def before_task(key: Any, dsk: Any, state: Any) -> None:
        if stopped.is_set() or deadline.expired:
            raise deadline.error()

    # (start, start_state, pretask, posttask, finish): dask's callback tuple, passed to
    # this computation's scheduler call only.
    callbacks = [(None, None, before_task, None, None)]
    # In this thread's context: the request's current deadline holds in the tasks too.
    context = contextvars.copy_context()
    future = _LOCAL_POOL.submit(
        context.run,
        dask.compute,
        *lazy,
        scheduler="threads",
        num_workers=local_threads(),
        callbacks=callbacks,
    )
    try:
        computed = future.result(timeout=deadline.remaining())
    except FuturesTimeout:
        stopped.set()
        future.cancel()  # if it has not started yet
        raise deadline.error() from None
    results = iter(computed)
    return _walk(value, lambda array: next(results))


def compute_now(value: Any, deadline: Deadline | float | None = None) -> Any:
    """Like :func:`compute_locally`, for the few values a process needs while the graph
    is evaluated (checks that depend on data): bounded by ``deadline``, by default the
    current request's (see :func:`~xcube_openeo.execution.deadline.deadline_scope`)."""
    return compute_locally(value, deadline if deadline is not None else current_deadline())


def _walk(value: Any, visit: Callable[[xr.DataArray], xr.DataArray]) -> Any:
    """Rebuild ``value`` with ``visit`` applied to each dask-backed DataArray inside it,
    in a fixed order (so that a second walk meets the arrays in the same order)."""
    if isinstance(value, xr.DataArray):
        return visit(value) if value.chunks is not None else value
    if isinstance(value, DataCube):
        data = _walk(value.data, visit)
        return value if data is value.data else value.with_data(data)
    if isinstance(value, ArrayValue):
        data = _walk(value.data, visit)
        return value if data is value.data else dataclasses.replace(value, data=data)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), visit) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {k: _walk(v, visit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_walk(v, visit) for v in value)
    return value
