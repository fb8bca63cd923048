"""Helpers shared by the array and reducer processes.

No-data in an :class:`ArrayValue`: NaN in float data, ``None`` in object data (arrays
with strings or mixed elements).  In object data a float NaN is a value, not no-data,
so that 1-D arrays from JSON can tell NaN and null apart where the examples do.
Integer and boolean data cannot hold no-data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ...engine.values import ARRAY_DIM, ArrayValue
from ...errors import ProcessParameterInvalid
from ...util.rfc3339 import format_rfc3339


def as_array(value: Any, name: str = "data") -> ArrayValue:
    """``value`` as an ArrayValue (plain lists are accepted too)."""
    if isinstance(value, ArrayValue):
        return value
    if isinstance(value, (list, tuple)):
        return ArrayValue.from_list(list(value))
    raise ProcessParameterInvalid(f"Parameter {name!r} must be an array, got {_kind(value)}.")


def as_list(value: Any, name: str) -> list[Any]:
    """A 1-D array argument (ArrayValue or list) as a Python list of JSON values."""
    if isinstance(value, ArrayValue):
        if value.is_vectorised:
            raise ProcessParameterInvalid(f"Parameter {name!r} must be a plain array here.")
        return elements(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ProcessParameterInvalid(f"Parameter {name!r} must be an array, got {_kind(value)}.")


def as_count(value: Any, name: str, process_id: str) -> int:
    """A non-negative integer argument (index, length, ...)."""
    integral = is_number(value) and float(value).is_integer()
    if not integral or value < 0:
        raise ProcessParameterInvalid(
            f"{process_id}: {name!r} must be a non-negative integer, got {value!r}.",
        )
    return int(value)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def nodata_mask(data: xr.DataArray) -> xr.DataArray:
    """True where an element is no-data (see the module docstring)."""
    if data.dtype.kind in "fc":
        return data.isnull()
    if data.dtype == object:
        return xr.apply_ufunc(
            _nodata_mask_of_objects, data, dask="parallelized", output_dtypes=[bool]
        )
    return xr.zeros_like(data, dtype=bool)


_is_none = np.frompyfunc(lambda v: v is None, 1, 1)


def _nodata_mask_of_objects(values: np.ndarray) -> np.ndarray:
    return _is_none(values).astype(bool) if values.size else np.zeros(values.shape, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def numeric(arr: ArrayValue, process_id: str) -> tuple[xr.DataArray, xr.DataArray | None]:
    """Numbers of ``arr`` and, for object data, the explicit no-data mask.

    Float and integer data come back unchanged with mask ``None`` (NaN is no-data);
    object data is converted to float with NaN at no-data, and its mask returned, so
    that NaN values stay distinguishable from no-data.  Booleans count as 0/1.
    """
    data = arr.data
    if data.dtype.kind in "fiu":
        return data, None
    if data.dtype.kind == "b":
        return data.astype(np.int64), None
    if data.dtype == object:
        # Object arrays come from JSON or are booleans with no-data: in memory.
        values = data.values
        mask = _nodata_mask_of_objects(values)
        # Booleans count as 0/1 (e.g. summing a mask), as in bool data.
        if not all(is_number(v) or isinstance(v, (bool, np.bool_)) for v in values[~mask].ravel()):
            raise ProcessParameterInvalid(f"{process_id}: the array must contain only numbers.")
        floats = np.where(mask, np.nan, values).astype(float)
        return data.copy(data=floats), data.copy(data=mask)
    raise ProcessParameterInvalid(f"{process_id}: the array must contain only numbers.")


def to_python(value: Any) -> Any:
    """A numpy scalar (or 0-d array) as a Python value; NaN stays NaN."""
    if isinstance(value, xr.DataArray):
        value = value.values
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.datetime64):
        return format_rfc3339(value, fraction=True)
    if isinstance(value, np.generic):
        return value.item()
    return value


def elements(arr: ArrayValue) -> list[Any]:
    """The elements of a 1-D array as Python values, ``None`` for no-data.

    Unlike :meth:`ArrayValue.to_list`, a NaN in object data stays NaN.
    """
    values = arr.data.values
    if values.dtype.kind in "fc":
        return [None if math.isnan(v) else v for v in values.tolist()]
    return [to_python(v) for v in values]


def labels_of(arr: ArrayValue) -> list[Any]:
    """The labels of a labeled array as JSON values (datetimes as RFC 3339 strings)."""
    return [to_python(v) for v in arr.data[arr.dim].values]


def label_dataarray(arr: ArrayValue) -> xr.DataArray | None:
    """The labels aligned with the array dimension, for callbacks (None if unlabeled)."""
    if not arr.labeled:
        return None
    labels = np.empty(arr.size, dtype=object)
    labels[:] = labels_of(arr)
    return xr.DataArray(labels, dims=[arr.dim], coords={arr.dim: arr.data[arr.dim]})


def index_dataarray(arr: ArrayValue) -> xr.DataArray:
    """The zero-based indices aligned with the array dimension, for callbacks."""
    coords = {arr.dim: arr.data[arr.dim]} if arr.dim in arr.data.coords else {}
    return xr.DataArray(np.arange(arr.size), dims=[arr.dim], coords=coords)


def same_label(a: Any, b: Any) -> bool:
    """Label equality: strict types (the string "1" is not the number 1)."""
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return type(a) is type(b) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def find_label(arr: ArrayValue, label: Any) -> int | None:
    """Position of ``label`` in a labeled array; labels are few, so a plain search."""
    if not arr.labeled or label is None:
        return None
    for position, candidate in enumerate(labels_of(arr)):
        if same_label(candidate, label) or _same_temporal_label(candidate, label):
            return position
    return None


def _same_temporal_label(candidate: Any, label: Any) -> bool:
    # Temporal labels are compared as instants, as openEO dimension labels are.
    if not (isinstance(candidate, str) and isinstance(label, str) and "-" in label):
        return False
    instants = temporal_instants([candidate, label])
    return instants is not None and instants[0] == instants[1]


def temporal_instants(values: list[Any]) -> list[pd.Timestamp] | None:
    """Instants for temporal strings (which must not be compared as text), else None."""
    if not values or not all(isinstance(v, str) and v[:4].isdigit() for v in values):
        return None
    try:
        stamps = [pd.Timestamp(v) for v in values]
    except ValueError:
        return None
    return [t.tz_localize("UTC") if t.tzinfo is None else t for t in stamps]


def make_array(
    values: Sequence[Any], labels: Sequence[Any] | None = None, dim: str = ARRAY_DIM
) -> ArrayValue:
    """A 1-D ArrayValue from Python values, with the dimension named ``dim``."""
    arr = ArrayValue.from_list(list(values), labels)
    if dim == ARRAY_DIM:
        return arr
    return ArrayValue(arr.data.rename({ARRAY_DIM: dim}), dim, arr.labeled)


def keeps_dataarray(arr: ArrayValue) -> bool:
    """Whether results stay DataArrays: for vectorised arrays, and for dask-backed
    1-D arrays (a cube with one dimension), which must not be computed here."""
    return arr.is_vectorised or arr.data.chunks is not None


def slice_template(arr: ArrayValue) -> xr.DataArray:
    """A DataArray shaped like one element of every slice (the array dim removed)."""
    if arr.size:
        return arr.data.isel({arr.dim: 0}, drop=True)
    return arr.data.count(arr.dim)  # works for empty arrays too


def nodata_result(arr: ArrayValue) -> Any:
    """No-data as a reducer result: None for 1-D, an all-NaN DataArray if vectorised."""
    if not keeps_dataarray(arr):
        return None
    return xr.full_like(slice_template(arr), np.nan, dtype=float)


def reduced(values: xr.DataArray, nodata: xr.DataArray | None, vectorised: bool) -> Any:
    """A reducer's result: a Python scalar for 1-D input, else a DataArray.

    ``nodata`` marks results that are no-data; for 1-D input they become ``None`` (a
    NaN that is no no-data stays NaN), for vectorised input NaN.
    """
    if vectorised:
        if nodata is not None:
            values = values.where(~nodata)
        return values
    if nodata is not None and bool(nodata.values):
        return None
    return to_python(values)


def broadcast_result(result: Any, like: xr.DataArray) -> xr.DataArray:
    """A callback's result over all elements of ``like`` (scalars are broadcast)."""
    if isinstance(result, ArrayValue):
        result = result.data
    if result is None:
        result = np.nan
    if isinstance(result, xr.DataArray):
        return result.broadcast_like(like).transpose(*like.dims, ...)
    if isinstance(result, np.ndarray) and result.shape == like.shape:
        return like.copy(data=result)
    if isinstance(result, np.ndarray) and result.ndim > 0:
        raise ProcessParameterInvalid(
            f"The child process returned an array of shape {result.shape}, "
            f"expected one value per element {like.shape}.",
        )
    dtype = object if isinstance(result, str) else np.asarray(result).dtype
    return xr.full_like(like, result, dtype=dtype)  # lazy (dask) where ``like`` is


def call_callback(
    callback: Callable[..., Any], arr: ArrayValue, context: Any, name: str, positions: bool = True
) -> Any:
    """Evaluate an element callback on all elements at once (never per element).

    The callback gets ``x`` (all elements), ``context`` and, if ``positions``, ``index``
    and ``label`` aligned with the array dimension.  Returns its raw result; see
    :func:`broadcast_result`.
    """
    if not callable(callback):
        raise ProcessParameterInvalid(f"Parameter {name!r} must be a child process graph.")
    kwargs: dict[str, Any] = {"x": arr.data, "context": context}
    if positions:
        kwargs.update(index=index_dataarray(arr), label=label_dataarray(arr))
    return callback(**kwargs)


def truthy(result: xr.DataArray) -> xr.DataArray:
    """Where a condition's result is ``true`` (no-data and non-booleans count as false)."""
    if result.dtype.kind == "b":
        return result
    if result.dtype == object:
        return xr.apply_ufunc(
            np.frompyfunc(lambda v: v is True or isinstance(v, np.bool_) and bool(v), 1, 1),
            result,
            dask="parallelized",
            output_dtypes=[bool],
        ).astype(bool)
    # Numeric results: 1/0 booleans as carried in float cubes with no-data.
    return result == 1


def single_chunk(data: xr.DataArray, dim: str) -> xr.DataArray:
    """``data`` with ``dim`` in one dask chunk (per-slice numpy code needs the whole
    slice); numpy-backed data is returned as is."""
    if data.chunks is not None and len(data.chunks[data.get_axis_num(dim)]) > 1:
        return data.chunk({dim: -1})
    return data
