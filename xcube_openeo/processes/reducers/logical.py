"""Logical reducers: all and any.

Booleans arrive as bool data (no no-data possible), as float 1/0/NaN (cube data with
no-data) or as object data with ``None`` (JSON arrays).  With ``ignore_nodata`` false
the definitions' truth tables apply pairwise: no-data wins unless a deciding value
(``false`` for all, ``true`` for any) is present.  A lone no-data element has no pair
and gives the neutral result (``true`` for all, ``false`` for any), as the official
examples specify.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ..arrays._common import as_array, keeps_dataarray, nodata_mask, reduced


@process("all")
def all_(data: Any, ignore_nodata: bool = True) -> Any:
    arr = as_array(data)
    truth, mask = _truth_and_mask(arr)
    falsy = ~truth if mask is None else ~truth & ~mask
    value = ~falsy.any(arr.dim)
    return _result(arr, value, None if ignore_nodata else _undecided(arr, value, mask))


@process("any")
def any_(data: Any, ignore_nodata: bool = True) -> Any:
    arr = as_array(data)
    truth, mask = _truth_and_mask(arr)
    value = truth.any(arr.dim)
    return _result(arr, value, None if ignore_nodata else _undecided(arr, ~value, mask))


def _undecided(
    arr: ArrayValue, no_decider: xr.DataArray, mask: xr.DataArray | None
) -> xr.DataArray | None:
    """Where the result is no-data: no deciding value but no-data, among >= 2 elements."""
    if mask is None or arr.size < 2:
        return None
    return no_decider & mask.any(arr.dim)


def _truth_and_mask(arr: ArrayValue) -> tuple[xr.DataArray, xr.DataArray | None]:
    """Elements as booleans (no-data as false) and the no-data mask (None if the
    data cannot hold no-data)."""
    data = arr.data
    if data.dtype.kind == "b":
        return data, None
    mask = nodata_mask(data)
    if data.dtype == object:
        truth = xr.apply_ufunc(
            np.frompyfunc(lambda v: v is not None and bool(v), 1, 1),
            data,
            dask="parallelized",
            output_dtypes=[object],
        ).astype(bool)
    else:
        truth = (data != 0) & ~mask
    return truth, mask


def _result(arr: ArrayValue, value: xr.DataArray, nodata: xr.DataArray | None) -> Any:
    if not keeps_dataarray(arr):
        result = reduced(value, nodata, False)
        return None if result is None else bool(result)
    if nodata is None:
        return value
    # Booleans with no-data in a cube: float 1/0/NaN.
    return value.astype(float).where(~nodata)
