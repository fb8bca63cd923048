"""Processes that create arrays or put arrays together.

1-D arrays are combined through their Python elements, so the element type rules of
:meth:`ArrayValue.from_list` apply (e.g. booleans plus null give an object array).
Vectorised arrays (with extra dimensions) are combined with ``xr.concat`` along the
array dimension, after broadcasting every part over the other dimensions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ARRAY_DIM, ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from ._common import (
    as_array,
    as_count,
    as_list,
    elements,
    keeps_dataarray,
    labels_of,
    make_array,
    same_label,
)

#: Most elements array_create may create (a guard against huge ``repeat`` values).
MAX_CREATED_ELEMENTS = 10_000_000


@process("array_create")
def array_create(data: Any = None, repeat: int = 1) -> ArrayValue:
    if data is None:
        data = []
    if not isinstance(data, (ArrayValue, list, tuple)):
        raise ProcessParameterInvalid("array_create: 'data' must be an array.")
    if not isinstance(repeat, (int, np.integer)) or isinstance(repeat, bool) or repeat < 1:
        raise ProcessParameterInvalid("array_create: 'repeat' must be an integer >= 1.")
    size = data.size if isinstance(data, ArrayValue) else len(data)
    if size * int(repeat) > MAX_CREATED_ELEMENTS:
        raise ProcessParameterInvalid(
            f"array_create: the array would have more than {MAX_CREATED_ELEMENTS} elements.",
        )
    if isinstance(data, ArrayValue):
        if data.is_vectorised:
            return _repeated(_unlabeled(data), int(repeat))
        data = elements(data)
    values = list(data)
    if any(isinstance(v, xr.DataArray) for v in values):
        return _repeated(stack_elements(values), int(repeat))
    return make_array(values * int(repeat))


def _repeated(arr: ArrayValue, repeat: int) -> ArrayValue:
    """``arr`` ``repeat`` times along its dimension, block by block: a concat of
    ``repeat`` parts grows the graph (and the time to build it) with ``repeat``."""
    if not keeps_dataarray(arr):
        return _concat_parts([arr] * repeat, arr.dim, labels=None)  # Python elements
    data = arr.data.drop_vars(arr.dim, errors="ignore")
    if data.chunks is not None:
        data = data.chunk({arr.dim: -1})  # whole slices per block: a tile per block

    def tile(block: np.ndarray) -> np.ndarray:  # the array dimension is the last here
        return np.tile(block, (1,) * (block.ndim - 1) + (repeat,))

    repeated = xr.apply_ufunc(
        tile,
        data,
        input_core_dims=[[arr.dim]],
        output_core_dims=[[arr.dim]],
        exclude_dims={arr.dim},
        dask="parallelized",
        output_dtypes=[data.dtype],
        dask_gufunc_kwargs={"output_sizes": {arr.dim: arr.size * repeat}},
    )
    return ArrayValue(repeated.transpose(*data.dims), arr.dim, False)


@process("array_create_labeled")
def array_create_labeled(data: Any, labels: Any) -> ArrayValue:
    label_list = as_list(labels, "labels")
    if isinstance(data, ArrayValue) and data.is_vectorised:
        if data.size != len(label_list):
            raise _length_mismatch(data.size, len(label_list))
        _check_unique_labels(label_list)
        coords = np.empty(len(label_list), dtype=object)
        coords[:] = label_list
        return ArrayValue(data.data.assign_coords({data.dim: coords}), data.dim, True)
    values = stack_elements(list(data)) if isinstance(data, list) else as_array(data)
    if values.size != len(label_list):
        raise _length_mismatch(values.size, len(label_list))
    _check_unique_labels(label_list)
    if values.is_vectorised:
        return array_create_labeled(values, label_list)
    return make_array(elements(values), label_list, values.dim)


def _length_mismatch(n_values: int, n_labels: int) -> OpenEOError:
    return OpenEOError(
        "ArrayLengthMismatch",
        f"array_create_labeled: {n_values} values but {n_labels} labels.",
    )


def _check_unique_labels(labels: list[Any]) -> None:
    for i, label in enumerate(labels):
        if any(same_label(label, other) for other in labels[:i]):
            raise ProcessParameterInvalid(f"Label {label!r} is given twice.")


@process("array_append")
def array_append(data: Any, value: Any, label: Any = None) -> ArrayValue:
    arr = as_array(data)
    if not arr.labeled:
        if label is not None:
            raise OpenEOError(
                "ArrayNotLabeled", "array_append: a label is given but the array is not labeled."
            )
        return _concat_parts([arr, _single(value, arr)], arr.dim, labels=None)
    existing = labels_of(arr)
    if label is None:
        label = arr.size  # the natural next index
    if any(same_label(label, other) for other in existing):
        raise OpenEOError("LabelExists", f"array_append: label {label!r} exists already.")
    return _concat_parts([arr, _single(value, arr)], arr.dim, labels=[*existing, label])


def _single(value: Any, like: ArrayValue) -> ArrayValue:
    """A one-element array holding ``value`` (vectorised if ``value`` is a DataArray)."""
    if isinstance(value, xr.DataArray):
        return ArrayValue(value.expand_dims(like.dim), like.dim)
    return make_array([value], dim=like.dim)


@process("array_concat")
def array_concat(array1: Any, array2: Any) -> ArrayValue:
    first, second = as_array(array1, "array1"), as_array(array2, "array2")
    labels = None
    if first.labeled and second.labeled:
        labels = labels_of(first) + labels_of(second)
        _check_no_conflict(labels_of(first), labels_of(second))
    return _concat_parts([first, second], first.dim, labels)


@process("array_modify")
def array_modify(data: Any, values: Any, index: int, length: int = 0) -> ArrayValue:
    arr, new = as_array(data), as_array(values, "values")
    index = as_count(index, "index", "array_modify")
    length = as_count(length, "length", "array_modify")
    if index > arr.size:
        raise OpenEOError(
            "ArrayElementNotAvailable",
            f"array_modify: index {index} is beyond the array's {arr.size} elements.",
        )
    head = _slice(arr, 0, index)
    tail = _slice(arr, min(index + length, arr.size), arr.size)
    labels = None
    # Labels are kept if both arrays are labeled or one of them is empty.  Conflicts
    # are checked against the elements that remain, so that replacing an element by
    # one with the same label works.
    if (arr.labeled or arr.size == 0) and (new.labeled or new.size == 0):
        kept = (labels_of(head) if head.labeled else []) + (labels_of(tail) if tail.labeled else [])
        added = labels_of(new) if new.labeled else []
        _check_no_conflict(kept, added)
        labels = (labels_of(head) if head.labeled else []) + added
        labels += labels_of(tail) if tail.labeled else []
    return _concat_parts([head, new, tail], arr.dim, labels)


def _slice(arr: ArrayValue, start: int, stop: int) -> ArrayValue:
    return ArrayValue(arr.data.isel({arr.dim: slice(start, stop)}), arr.dim, arr.labeled)


def _check_no_conflict(labels1: list[Any], labels2: list[Any]) -> None:
    for label in labels2:
        if any(same_label(label, other) for other in labels1):
            raise OpenEOError("ArrayLabelConflict", f"Label {label!r} is present in both arrays.")


def _unlabeled(arr: ArrayValue) -> ArrayValue:
    data = arr.data.drop_vars(arr.dim) if arr.dim in arr.data.coords else arr.data
    return ArrayValue(data, arr.dim, False)


def _concat_parts(parts: list[ArrayValue], dim: str, labels: list[Any] | None) -> ArrayValue:
    """``parts`` one after the other along ``dim``, labeled with ``labels`` if given."""
    if not any(keeps_dataarray(part) for part in parts):
        values = [v for part in parts for v in elements(part)]
        return make_array(values, labels, dim)
    datas = [_unlabeled(part).data.rename({part.dim: dim}) for part in parts]
    # Keep the dimension order of the part with the most dimensions (the cube's).
    order = max(datas, key=lambda d: d.ndim).dims
    datas = list(xr.broadcast(*datas, exclude=[dim]))
    order = (*order, *(d for d in datas[0].dims if d not in order))
    datas = [d.transpose(*order) for d in datas]
    combined = xr.concat([d for d in datas if d.sizes[dim] > 0] or datas[:1], dim=dim)
    combined = combined.transpose(*order)
    if labels is None:
        return ArrayValue(combined, dim, False)
    coords = np.empty(len(labels), dtype=object)
    coords[:] = labels
    return ArrayValue(combined.assign_coords({dim: coords}), dim, True)


def stack_elements(values: list[Any]) -> ArrayValue:
    """An array from elements some of which are DataArrays (one value per position in
    their dimensions), e.g. ``array_create`` inside ``apply_dimension``."""
    if not any(isinstance(v, xr.DataArray) for v in values):
        return make_array(values)
    arrays = [v for v in values if isinstance(v, xr.DataArray)]
    template = xr.broadcast(*arrays)[0]
    parts = [
        v.broadcast_like(template) if isinstance(v, xr.DataArray) else _filled(template, v)
        for v in values
    ]
    return ArrayValue(xr.concat(parts, dim=ARRAY_DIM).transpose(ARRAY_DIM, ...), ARRAY_DIM)


def _filled(template: xr.DataArray, value: Any) -> xr.DataArray:
    if value is None:
        value = np.nan
    if isinstance(value, ArrayValue):
        raise ProcessParameterInvalid("Arrays cannot be mixed with per-pixel values here.")
    return xr.full_like(template, value, dtype=None if not isinstance(value, str) else object)
