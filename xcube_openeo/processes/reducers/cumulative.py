"""Cumulative processes: cumsum, cumproduct, cummax and cummin (proposals).

No-data elements stay no-data in the result; with ``ignore_nodata`` true they are
skipped in the accumulation, with false they make all later elements no-data.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ..arrays._common import as_array, keeps_dataarray, numeric, single_chunk
from ..math.elementwise import INT64_MAX, INT64_MIN

Accumulate = Callable[[xr.DataArray, str], xr.DataArray]


@process("cumsum")
def cumsum(data: Any, ignore_nodata: bool = True) -> ArrayValue:
    return _cumulative(
        data,
        ignore_nodata,
        "cumsum",
        0.0,
        lambda v, d: v.cumsum(d, skipna=False),
        exact=operator.add,
    )


@process("cumproduct")
def cumproduct(data: Any, ignore_nodata: bool = True) -> ArrayValue:
    return _cumulative(
        data,
        ignore_nodata,
        "cumproduct",
        1.0,
        lambda v, d: v.cumprod(d, skipna=False),
        exact=operator.mul,
    )


@process("cummax")
def cummax(data: Any, ignore_nodata: bool = True) -> ArrayValue:
    return _cumulative(data, ignore_nodata, "cummax", -np.inf, _accumulate(np.maximum))


@process("cummin")
def cummin(data: Any, ignore_nodata: bool = True) -> ArrayValue:
    return _cumulative(data, ignore_nodata, "cummin", np.inf, _accumulate(np.minimum))


def _accumulate(ufunc: np.ufunc) -> Accumulate:
    def accumulate(values: xr.DataArray, dim: str) -> xr.DataArray:
        return xr.apply_ufunc(
            ufunc.accumulate,
            single_chunk(values, dim),
            kwargs={"axis": -1},
            input_core_dims=[[dim]],
            output_core_dims=[[dim]],
            dask="parallelized",
            output_dtypes=[values.dtype],
        ).transpose(*values.dims)

    return accumulate


def _integer_accumulation(values: xr.DataArray, op: Callable[[int, int], int]) -> xr.DataArray:
    """Sums or products of in-memory 1-D integer data (from JSON), exact while they stay
    in the int64 range (numpy's int64 wraps around silently), else all as doubles."""
    exact = list(itertools.accumulate((int(v) for v in values.values), op))
    if all(INT64_MIN <= v <= INT64_MAX for v in exact):
        return values.copy(data=np.array(exact, dtype=np.int64))
    with np.errstate(over="ignore", invalid="ignore"):
        floats = np.cumsum if op is operator.add else np.cumprod
        return values.copy(data=floats(values.values.astype(np.float64)))


def _cumulative(
    data: Any,
    ignore_nodata: bool,
    process_id: str,
    neutral: float,
    accumulate: Accumulate,
    exact: Callable[[int, int], int] | None = None,
) -> ArrayValue:
    arr = as_array(data)
    values, mask = numeric(arr, process_id)
    if mask is None and values.dtype.kind == "f":
        mask = values.isnull()
    if exact is not None and values.dtype.kind in "iu" and arr.size:
        if not keeps_dataarray(arr):
            result = _integer_accumulation(values, exact)
            return ArrayValue(result, arr.dim, arr.labeled)
        if exact is operator.mul:
            # Products of integer cube data leave int64 after a few steps: IEEE doubles.
            values = values.astype(np.float64)
    if mask is None or arr.size == 0:  # integers: no no-data to care about
        result = accumulate(values, arr.dim)
    else:
        result = accumulate(values.where(~mask, neutral), arr.dim)
        if ignore_nodata:
            result = result.where(~mask)
        else:
            result = result.where(mask.cumsum(arr.dim) == 0)
    if arr.dim in arr.data.coords:
        result = result.assign_coords({arr.dim: arr.data[arr.dim]})
    return ArrayValue(result, arr.dim, arr.labeled)
