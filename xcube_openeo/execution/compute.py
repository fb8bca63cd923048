"""Computing a lazily built process result on the dask cluster.

Evaluation builds lazy xarray/dask objects in the server; this module sends every dask
graph inside a result to the cluster at once, waits with a deadline (cancelling the
work on the cluster when it passes), and returns the same result with in-memory data.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from typing import Any

import xarray as xr

from xcube_openeo.errors import OpenEOError


def compute_result(value: Any, client: Any, timeout: float | None) -> Any:
    """``value`` with every dask-backed array computed by ``client``'s cluster."""
    lazy: list[xr.DataArray] = []
    _walk(value, lambda array: lazy.append(array) or array)
    if not lazy:
        return value
    futures = client.compute(lazy)
    deadline = None if timeout is None else time.monotonic() + timeout
    computed = []
    try:
        for future in futures:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            computed.append(future.result(timeout=remaining))
    except TimeoutError:
        client.cancel(futures)
        raise _timeout_error(timeout) from None
    results = iter(computed)
    return _walk(value, lambda array: next(results))


#: Threads that compute small synchronous results in the server process.
_LOCAL_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="openeo-local-compute")


def compute_locally(value: Any, timeout: float | None) -> Any:
    """``value`` computed in this process with dask's threaded scheduler.

    For small requests: a round trip through the distributed scheduler costs more than
    the computation (see benchmarks/processing_http.py).  A local computation cannot be
    cancelled; past the deadline the request fails and the (small) work finishes unseen.
    """
    import dask

    lazy: list[xr.DataArray] = []
    _walk(value, lambda array: lazy.append(array) or array)
    if not lazy:
        return value
    future = _LOCAL_POOL.submit(dask.compute, *lazy, scheduler="threads")
    try:
        computed = future.result(timeout=timeout)
    except FuturesTimeout:
        raise _timeout_error(timeout) from None
    results = iter(computed)
    return _walk(value, lambda array: next(results))


def _timeout_error(timeout: float | None) -> OpenEOError:
    return OpenEOError(
        "RequestTimeout",
        f"The computation did not finish within {timeout:g} seconds and was cancelled;"
        " run it as a batch job instead.",
    )


def _walk(value: Any, visit: Callable[[xr.DataArray], xr.DataArray]) -> Any:
    """Rebuild ``value`` with ``visit`` applied to each dask-backed DataArray inside it,
    in a fixed order (so that a second walk meets the arrays in the same order)."""
    from xcube_openeo.engine.cube import DataCube
    from xcube_openeo.processes.values import ArrayValue

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
