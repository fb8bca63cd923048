"""Sorting: sort, order and rearrange.

Ties keep their original order (stable sorting).  On vectorised arrays the sort runs
in numpy along the array dimension (one dask chunk along it); removing no-data
(``nodata`` null) would leave slices of different lengths, so it is refused for data
that can hold no-data.  Descending vectorised sorts negate the keys as float64, so
integers beyond 2**53 may tie.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import FeatureUnsupported, ProcessParameterInvalid
from ._common import as_array, elements, make_array, single_chunk, temporal_instants

_ORDER_DIM = "__order"


@process("sort")
def sort(data: Any, asc: bool = True, nodata: bool | None = None) -> ArrayValue:
    arr = as_array(data)
    if not arr.is_vectorised:
        values = elements(arr)
        positions = _order_list(values, asc, nodata)
        return make_array([values[i] for i in positions], dim=arr.dim)
    indices = _order_vectorised(arr, asc, nodata, "sort")
    sorted_data = xr.apply_ufunc(
        lambda x, idx: np.take_along_axis(x, idx, axis=-1),
        _core(arr),
        indices,
        input_core_dims=[[arr.dim], [arr.dim]],
        output_core_dims=[[arr.dim]],
        dask="parallelized",
        output_dtypes=[arr.data.dtype],
    )
    return ArrayValue(sorted_data.transpose(*arr.data.dims), arr.dim, False)


@process("order")
def order(data: Any, asc: bool = True, nodata: bool | None = None) -> ArrayValue:
    arr = as_array(data)
    if not arr.is_vectorised:
        return make_array(_order_list(elements(arr), asc, nodata), dim=arr.dim)
    positions = _order_vectorised(arr, asc, nodata, "order")
    return ArrayValue(positions.transpose(*arr.data.dims), arr.dim, False)


def _order_list(values: list[Any], asc: bool, nodata: bool | None) -> list[int]:
    """The permutation sorting 1-D ``values`` (None and NaN are no-data)."""
    missing = [i for i, v in enumerate(values) if v is None or v != v]
    present = [i for i, v in enumerate(values) if not (v is None or v != v)]
    keys = temporal_instants([values[i] for i in present]) or [values[i] for i in present]
    if any(isinstance(k, (list, dict, ArrayValue)) for k in keys):
        raise ProcessParameterInvalid("Cannot sort arrays or objects.")
    key_of = dict(zip(present, keys, strict=True))
    try:
        # sorted() is stable also with reverse=True: ties keep their original order.
        present = sorted(present, key=key_of.__getitem__, reverse=not asc)
    except TypeError:
        raise ProcessParameterInvalid("Cannot sort an array with mixed data types.") from None
    if nodata is None:
        return present
    return present + missing if nodata else missing + present


def _core(arr: ArrayValue) -> xr.DataArray:
    data = arr.data
    if data.dtype.kind not in "biuf":
        raise FeatureUnsupported("Sorting per pixel is supported for numbers only.")
    return single_chunk(data, arr.dim)


def _order_vectorised(
    arr: ArrayValue, asc: bool, nodata: bool | None, process_id: str
) -> xr.DataArray:
    data = _core(arr)
    if nodata is None and data.dtype.kind in "fc":
        raise FeatureUnsupported(
            f"{process_id}: removing no-data (nodata = null) would give pixels arrays of "
            "different lengths; set 'nodata' to true or false on data cubes.",
        )
    return xr.apply_ufunc(
        _argsort,
        data,
        kwargs={"asc": asc, "nodata_last": nodata is not False},
        input_core_dims=[[arr.dim]],
        output_core_dims=[[arr.dim]],
        dask="parallelized",
        output_dtypes=[np.int64],
    )


def _argsort(x: np.ndarray, asc: bool, nodata_last: bool) -> np.ndarray:
    """Stable argsort along the last axis with no-data (NaN) first or last."""
    keys = x.astype(np.float64)
    missing = np.isnan(keys)
    if not asc:
        keys = -keys
    group = missing if nodata_last else ~missing
    # lexsort: the last key is the primary one; ties keep their original order.
    return np.lexsort((keys, group), axis=-1).astype(np.int64)


@process("rearrange")
def rearrange(data: Any, order: Any) -> ArrayValue:
    arr = as_array(data)
    if isinstance(order, ArrayValue) and order.is_vectorised:
        return _rearrange_vectorised(arr, order)
    if not isinstance(order, (ArrayValue, list, tuple)):
        raise ProcessParameterInvalid("rearrange: 'order' must be an array.")
    positions = elements(order) if isinstance(order, ArrayValue) else list(order)
    if not all(isinstance(p, (int, np.integer)) and 0 <= p < arr.size for p in positions):
        raise ProcessParameterInvalid(
            f"rearrange: 'order' must hold positions between 0 and {arr.size - 1}.",
        )
    return ArrayValue(arr.data.isel({arr.dim: positions}), arr.dim, arr.labeled)


def _rearrange_vectorised(arr: ArrayValue, order: ArrayValue) -> ArrayValue:
    """Per-pixel permutations, e.g. from ``order`` in the same child process."""
    if not set(order.data.dims) - {order.dim} <= set(arr.data.dims) - {arr.dim}:
        raise ProcessParameterInvalid("rearrange: 'order' has dimensions that 'data' lacks.")
    positions = single_chunk(order.data, order.dim).rename({order.dim: _ORDER_DIM})
    result = xr.apply_ufunc(
        lambda x, idx: np.take_along_axis(x, idx.astype(np.int64), axis=-1),
        single_chunk(arr.data, arr.dim),
        positions,
        input_core_dims=[[arr.dim], [_ORDER_DIM]],
        output_core_dims=[[_ORDER_DIM]],
        dask="parallelized",
        output_dtypes=[arr.data.dtype],
    )
    result = result.rename({_ORDER_DIM: arr.dim})
    return ArrayValue(result.transpose(arr.dim, ...), arr.dim, False)
