"""Processes that look into arrays: elements, labels, searching, first and last."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from ._common import (
    as_array,
    elements,
    find_label,
    is_number,
    keeps_dataarray,
    labels_of,
    make_array,
    nodata_mask,
    nodata_result,
    slice_template,
)


@process("array_element")
def array_element(
    data: Any, index: Any = None, label: Any = None, return_nodata: bool = False
) -> Any:
    arr = as_array(data)
    if index is None and label is None:
        raise OpenEOError(
            "ArrayElementParameterMissing", "array_element: give either 'index' or 'label'."
        )
    if index is not None and label is not None:
        raise OpenEOError(
            "ArrayElementParameterConflict", "array_element: give only one of 'index' and 'label'."
        )
    if label is not None:
        if not arr.labeled:
            raise OpenEOError("ArrayNotLabeled", "array_element: the array is not labeled.")
        position = find_label(arr, label)
        what = f"label {label!r}"
    else:
        if not (is_number(index) and float(index).is_integer()):
            raise ProcessParameterInvalid(f"array_element: 'index' must be an integer: {index!r}")
        position = int(index) if 0 <= index < arr.size else None
        what = f"index {index}"
    if position is None:
        if return_nodata:
            return nodata_result(arr)
        raise OpenEOError("ArrayElementNotAvailable", f"array_element: no element at {what}.")
    if keeps_dataarray(arr):
        return arr.data.isel({arr.dim: position}, drop=True)
    return elements(arr)[position]


@process("array_labels")
def array_labels(data: Any) -> ArrayValue:
    arr = as_array(data)
    labels = labels_of(arr) if arr.labeled else list(range(arr.size))
    return make_array(labels, dim=arr.dim)


@process("array_find_label")
def array_find_label(data: Any, label: Any) -> Any:
    arr = as_array(data)
    position = find_label(arr, label)
    if keeps_dataarray(arr):
        fill = np.nan if position is None else position
        return xr.full_like(slice_template(arr), fill, dtype=float)
    return position


@process("array_contains")
def array_contains(data: Any, value: Any) -> Any:
    arr = as_array(data)
    matches = equal_elements(arr.data, value)
    if matches is None:
        found: Any = xr.zeros_like(slice_template(arr), dtype=bool)
    else:
        found = matches.any(arr.dim)
    return found if keeps_dataarray(arr) else bool(found)


@process("array_find")
def array_find(data: Any, value: Any, reverse: bool = False) -> Any:
    arr = as_array(data)
    matches = equal_elements(arr.data, value)
    if matches is None:
        return nodata_result(arr)
    if not keeps_dataarray(arr):
        positions = np.flatnonzero(matches.values)
        if positions.size == 0:
            return None
        return int(positions[-1] if reverse else positions[0])
    if arr.size == 0:
        return nodata_result(arr)
    if reverse:
        flipped = matches.isel({arr.dim: slice(None, None, -1)})
        position = arr.size - 1 - flipped.argmax(arr.dim)
    else:
        position = matches.argmax(arr.dim)
    return position.where(matches.any(arr.dim))


def equal_elements(data: xr.DataArray, value: Any) -> xr.DataArray | None:
    """Where elements equal ``value`` per ``eq`` with strict types; None if ``value``
    can never match (null, arrays and objects)."""
    if value is None or isinstance(value, (list, tuple, dict, ArrayValue, xr.DataArray)):
        return None
    kind = data.dtype.kind
    if isinstance(value, (bool, np.bool_)):
        if kind == "b":
            return data == bool(value)
        if kind == "O":
            return _elementwise(data, lambda v: isinstance(v, (bool, np.bool_)) and v == value)
    elif is_number(value):
        if kind in "iuf":
            return data == value
        if kind == "O":
            return _elementwise(data, lambda v: is_number(v) and v == value)
    elif isinstance(value, str):
        if kind in "OU":
            return _elementwise(data, lambda v: isinstance(v, str) and v == value)
    return xr.zeros_like(data, dtype=bool)


def _elementwise(data: xr.DataArray, test: Any) -> xr.DataArray:
    # Object arrays hold JSON values (small); numpy calls ``test`` per element.
    return xr.apply_ufunc(
        np.frompyfunc(lambda v: bool(test(v)), 1, 1),
        data,
        dask="parallelized",
        output_dtypes=[object],
    ).astype(bool)


@process("first")
def first(data: Any, ignore_nodata: bool = True) -> Any:
    return _first_or_last(as_array(data), ignore_nodata, last=False)


@process("last")
def last(data: Any, ignore_nodata: bool = True) -> Any:
    return _first_or_last(as_array(data), ignore_nodata, last=True)


def _first_or_last(arr: ArrayValue, ignore_nodata: bool, last: bool) -> Any:
    if arr.size == 0:
        return nodata_result(arr)
    if not keeps_dataarray(arr):
        values = elements(arr)
        if ignore_nodata:
            values = [v for v in values if v is not None]
        if not values:
            return None
        return values[-1] if last else values[0]
    dim = arr.dim
    if not ignore_nodata:
        return arr.data.isel({dim: -1 if last else 0}, drop=True)
    valid = ~nodata_mask(arr.data)
    if arr.data.dtype.kind in "iub":
        return arr.data.isel({dim: -1 if last else 0}, drop=True)  # no no-data possible
    if last:
        valid = valid.isel({dim: slice(None, None, -1)})
        data = arr.data.isel({dim: slice(None, None, -1)})
    else:
        data = arr.data
    if data.dtype.kind == "f":
        # The element where the running count of valid elements first reaches 1: a
        # sum over a one-hot mask, which stays lazy and chunk-friendly.
        first_valid = valid & (valid.cumsum(dim) == 1)
        return data.where(first_valid).sum(dim, min_count=1).drop_vars(dim, errors="ignore")
    position = valid.argmax(dim)
    picked = data.drop_vars(dim, errors="ignore").isel({dim: position})
    return picked.where(valid.any(dim), None)
