"""Array processes with a child process: array_apply, array_filter and count.

The child process runs once on the whole array (``x`` is the DataArray, ``index`` and
``label`` are DataArrays along the array dimension), never once per element.

Limitation: on vectorised arrays (data cubes) ``array_filter`` only supports conditions
that depend on ``index``/``label`` alone, since a value-dependent condition would keep
different numbers of elements per pixel; it raises ``FeatureUnsupported`` otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import FeatureUnsupported, ProcessParameterInvalid
from ._common import (
    as_array,
    broadcast_result,
    call_callback,
    is_number,
    keeps_dataarray,
    slice_template,
    truthy,
)


@process("array_apply")
def array_apply(data: Any, process: Any, context: Any = None) -> ArrayValue:
    arr = as_array(data)
    result = broadcast_result(call_callback(process, arr, context, "process"), arr.data)
    if arr.dim in arr.data.coords:
        result = result.assign_coords({arr.dim: arr.data[arr.dim]})
    return ArrayValue(result, arr.dim, arr.labeled)


@process("array_filter")
def array_filter(data: Any, condition: Any, context: Any = None) -> ArrayValue:
    arr = as_array(data)
    raw = call_callback(condition, arr, context, "condition")
    if arr.is_vectorised and not _depends_only_on(raw, arr.dim):
        # The number of elements kept may differ from slice to slice, which a
        # rectangular array cannot hold: refuse rather than pad or compute eagerly.
        raise FeatureUnsupported(
            "array_filter: on a data cube, the condition may only depend on 'index' and "
            "'label' (the same elements must be kept for every pixel).",
        )
    one_slice = arr.data.isel({d: 0 for d in arr.data.dims if d != arr.dim})
    keep = truthy(broadcast_result(raw, one_slice))
    # Eager by necessity: the result's length depends on the mask (it is tiny: one
    # value per element; only value conditions on a 1-D dask array compute data).
    positions = np.flatnonzero(np.asarray(keep.values, dtype=bool))
    return ArrayValue(arr.data.isel({arr.dim: positions}), arr.dim, arr.labeled)


def _depends_only_on(result: Any, dim: str) -> bool:
    if isinstance(result, ArrayValue):
        result = result.data
    if isinstance(result, xr.DataArray):
        return set(result.dims) <= {dim}
    return np.ndim(result) <= 1


@process("count")
def count(data: Any, condition: Any = None, context: Any = None) -> Any:
    arr = as_array(data)
    if condition is True:
        if keeps_dataarray(arr):
            return xr.full_like(slice_template(arr), arr.size, dtype=int)
        return arr.size
    if condition is None:
        matches = valid_elements(arr.data)
    elif condition is False:
        raise ProcessParameterInvalid("count: 'condition' must not be false.")
    else:
        raw = call_callback(condition, arr, context, "condition", positions=False)
        matches = truthy(broadcast_result(raw, arr.data))
    total = matches.sum(arr.dim)
    return total if keeps_dataarray(arr) else int(total)


def valid_elements(data: xr.DataArray) -> xr.DataArray:
    """Where elements are valid per ``is_valid``: not no-data, and finite if numbers."""
    kind = data.dtype.kind
    if kind in "fc":
        return np.isfinite(data)  # type: ignore[return-value]  # numpy's stubs: a DataArray in, a DataArray out
    if kind == "O":
        return xr.apply_ufunc(
            np.frompyfunc(_is_valid_value, 1, 1),
            data,
            dask="parallelized",
            output_dtypes=[object],
        ).astype(bool)
    return xr.ones_like(data, dtype=bool)


def _is_valid_value(value: Any) -> bool:
    if value is None:
        return False
    return not is_number(value) or bool(np.isfinite(value))
