"""Helpers shared by the element-wise processes (math, comparison, logic, text, dates).

An operand is either a scalar (Python/numpy scalar, ``None`` = no-data) or an array
(``xarray.DataArray`` or ``numpy.ndarray``, possibly dask-backed) when the process runs
vectorised inside a callback over a cube or an array.  Inside arrays NaN is no-data.

Booleans that may be no-data inside arrays ("tri-state"; numpy has no nullable boolean
dtype) are represented depending on the data:

* lazy (dask-backed) or large data, i.e. cubes: float arrays of 1.0 / 0.0 / NaN, which
  stay lazy and fast; logical processes read non-zero as true and NaN as no-data;
* small in-memory data, i.e. arrays from JSON or small test cubes: ``bool`` arrays when
  no element is no-data, else object arrays of True / False / None, so that the values
  come out as JSON booleans and null.

Arrays that cannot hold no-data (bool, integer) give ``bool`` results.  Object arrays
(mixed JSON arrays) hold Python values with ``None`` as no-data and are handled element
by element through the scalar implementation (numpy has no faster path for Python
objects).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr

from xcube_openeo.errors import OpenEOError, ProcessParameterInvalid
from xcube_openeo.jsonio import INT64_MAX, INT64_MIN
from xcube_openeo.util.identity_cache import IdentityCache
from xcube_openeo.util.rfc3339 import format_rfc3339

Array = xr.DataArray | np.ndarray


def is_array(value: Any) -> bool:
    """Whether ``value`` is a vectorised operand (not an openEO scalar)."""
    return isinstance(value, (xr.DataArray, np.ndarray)) or _is_dask_array(value)


def _is_dask_array(value: Any) -> bool:
    return type(value).__module__.startswith("dask.array")


def is_number(value: Any) -> bool:
    """An openEO number: int or float, but not a boolean."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def bounded(value: Any) -> Any:
    """A Python integer outside the int64 range as an IEEE 754 double (infinite beyond
    the double range); anything else unchanged.

    openEO numbers are doubles or bounded integers: exact Python integers of any size
    would make arithmetic unbounded in time and memory (and unprintable as JSON).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            try:
                return float(value)
            except OverflowError:
                return math.inf if value > 0 else -math.inf
    return value


def is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def to_python(value: Any) -> Any:
    """numpy scalars (and 0-d arrays) as Python scalars; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return value.item() if isinstance(value, np.generic) else value


def kind(value: Any) -> str:
    """numpy dtype kind of an array operand ('f', 'i', 'u', 'b', 'O', 'U', 'M', ...)."""
    return np.dtype(value.dtype).kind


def can_be_nodata(value: Any) -> bool:
    """Whether an operand may hold no-data (None, or NaN inside a float/object array)."""
    if is_array(value):
        return kind(value) in "fcOMm"
    return value is None


def isnull(value: Array) -> Array:
    """No-data mask of an array operand (NaN for floats, NaT for dates, None for objects)."""
    if isinstance(value, xr.DataArray):
        return value.isnull()
    if kind(value) in "fc":
        return np.isnan(value)
    if kind(value) == "O":
        return _object_isnull(value)
    if kind(value) in "Mm":
        return np.isnat(value)
    return np.zeros_like(value, dtype=bool)


def _is_null_scalar(v: Any) -> bool:
    return v is None or (isinstance(v, (float, np.floating)) and np.isnan(v))


_object_isnull = np.frompyfunc(_is_null_scalar, 1, 1)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``np.where`` that keeps xarray coordinates (and laziness) when any operand has them."""
    if any(isinstance(v, xr.DataArray) for v in (cond, a, b)):
        return xr.where(cond, a, b)
    return np.where(cond, a, b)


def nodata_like(*operands: Any) -> Any:
    """An all-no-data float array shaped like the broadcast array operands, or None."""
    if not any(is_array(v) for v in operands):
        return None
    return full_like(np.nan, float, *operands)


def full_like(value: Any, dtype: Any, *operands: Any) -> Any:
    """An array filled with ``value``, shaped like the broadcast array operands."""
    template: Any = None
    for arr in operands:
        if is_array(arr):
            zeros = (
                xr.zeros_like(arr, dtype=float)
                if isinstance(arr, xr.DataArray)
                else (np.zeros(np.shape(arr)))
            )
            template = zeros if template is None else template + zeros  # broadcasts
    if isinstance(template, xr.DataArray):
        return xr.full_like(template, value, dtype=dtype)  # lazy for dask
    return np.full(np.shape(template), value, dtype=dtype)


def dispatch(
    scalar: Callable[..., Any], vectorised: Callable[..., Any] | None, *operands: Any
) -> Any:
    """Run the scalar or the vectorised implementation of an element-wise process.

    Object and string arrays go element by element through the scalar implementation
    (``vectorised`` may be None where the caller passes only those).
    """
    if any(is_generic_array(v) for v in operands):
        return object_elementwise(scalar, *operands)
    if any(is_array(v) for v in operands):
        assert vectorised is not None, "an array of numbers needs a vectorised implementation"
        return vectorised(*operands)
    return scalar(*operands)


#: Tri-state booleans of lazy data: float32 (half the memory traffic of float64).
TRI_TRUE, TRI_FALSE, TRI_NULL = np.float32(1.0), np.float32(0.0), np.float32(np.nan)
#: The DataArrays made here that hold canonical tri-state values (1/0/NaN only), so that
#: logical processes may take faster paths than for "non-zero is true" data.  Identity,
#: not an attribute: xarray copies attributes into derived arrays (``x * 5``).
_TRI_STATES: IdentityCache[bool] = IdentityCache(weak=True)


def is_tri_state(value: Any) -> bool:
    return isinstance(value, xr.DataArray) and _TRI_STATES.get(value) is not None


def with_nodata(result: Any, *operands: Any) -> Any:
    """A boolean ``result`` set to no-data wherever any array operand is no-data.

    The no-data-capable boolean takes the representation described in the module doc.
    """
    masks = [isnull(v) for v in operands if is_array(v) and can_be_nodata(v)]
    if not masks:
        return result
    mask = masks[0]
    for m in masks[1:]:
        mask = mask | m
    return boolean_result(where(mask, TRI_NULL, result))


def is_lazy(value: Any) -> bool:
    if isinstance(value, xr.DataArray):
        return value.chunks is not None
    return _is_dask_array(value)


#: Largest in-memory array given JSON-like booleans (object arrays are slow; arrays
#: from JSON are small, cubes are not).
SMALL_ARRAY_SIZE = 100_000


def _small_in_memory(value: Any) -> bool:
    if is_lazy(value) or value.size > SMALL_ARRAY_SIZE:
        return False
    # lazily indexed backend data (not dask) is not in memory either; xarray's flag
    return bool(getattr(value, "_in_memory", True))


def boolean_result(tri_state: Any) -> Any:
    """A new float 1.0/0.0/NaN array in the boolean representation for its kind of data.

    For small in-memory data this looks at the values (cheap: they are in memory).
    """
    if not is_array(tri_state) or kind(tri_state) != "f":
        return tri_state
    if not _small_in_memory(tri_state):
        if isinstance(tri_state, xr.DataArray):
            _TRI_STATES.put(tri_state, True)
        return tri_state
    null = isnull(tri_state)
    truth = tri_state.astype(bool)
    if not bool(null.any()):
        return truth
    return where(null, None, truth.astype(object))


def object_elementwise(func: Callable[..., Any], *operands: Any) -> Any:
    """Apply a scalar implementation to every element (for object/string arrays).

    numpy cannot vectorise Python objects, so this is a loop in Python by necessity;
    for DataArrays it runs block-wise through ``xr.apply_ufunc``, lazily for dask.
    """
    ufunc = np.frompyfunc(lambda *vs: func(*[_element(v) for v in vs]), len(operands), 1)
    if any(isinstance(v, xr.DataArray) for v in operands):
        return xr.apply_ufunc(ufunc, *operands, dask="parallelized", output_dtypes=[object])
    if any(_is_dask_array(v) for v in operands):
        return da.map_blocks(ufunc, *operands, dtype=object)
    return ufunc(*operands)


def _element(value: Any) -> Any:
    # In object arrays None is no-data and NaN a number (as JSON gives them).
    return to_python(value)


def is_generic_array(value: Any) -> bool:
    """An array whose elements numpy cannot compute on natively (objects, strings)."""
    return is_array(value) and kind(value) in "OUS"


def invalid(process_id: str, parameter: str, value: Any, expected: str) -> OpenEOError:
    return ProcessParameterInvalid(
        f"The value passed for parameter '{parameter}' in process '{process_id}' is "
        f"invalid: expected {expected}, got {type(value).__name__} {_short(value)}.",
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int_scalar(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def fit_integer_scalars(values: list[Any], scalars: tuple[Any, ...] = ()) -> list[Any]:
    """Cast integer arrays so that the integer scalars among the operands (and
    ``scalars``) fit their dtype: numpy 2 refuses ``uint8_array + 1000``."""
    ints = [int(v) for v in (*values, *scalars) if _is_int_scalar(v)]
    if not ints:
        return values
    fitted = []
    for value in values:
        if is_array(value) and kind(value) in "iu":
            dtype = value.dtype
            for number in ints:
                dtype = np.promote_types(dtype, np.min_scalar_type(number))
            if dtype != value.dtype:
                value = value.astype(dtype)  # lazy for dask
        fitted.append(value)
    return fitted


#: Integer dtypes that sums/differences and products of integer data are computed in,
#: so that they cannot wrap around (uint16 reflectance: 5 - 7 must be -2, not 65534).
_SUM_DTYPES = {1: np.int32, 2: np.int32, 4: np.int64}
_PRODUCT_DTYPES = {1: np.int32, 2: np.int64, 4: np.int64}


def widen_integers(values: list[Any], operation: str) -> list[Any]:
    """Integer arrays in a dtype wide enough for ``operation`` ('sum' or 'product').

    Widening is skipped when another operand is float: numpy then computes in float.
    """
    if any(isinstance(v, float) or (is_array(v) and kind(v) in "fc") for v in values):
        return values  # the result is float anyway: no integer pass needed
    table = _SUM_DTYPES if operation == "sum" else _PRODUCT_DTYPES
    widened = []
    for value in values:
        if is_array(value) and kind(value) in "iu" and np.dtype(value.dtype).itemsize in table:
            value = value.astype(table[np.dtype(value.dtype).itemsize])
        widened.append(value)
    return widened


def datetimes_as_text(value: Any) -> Any:
    """A ``datetime64`` array or a datetime scalar (temporal labels) as RFC 3339
    strings; anything else unchanged.

    openEO labels of temporal dimensions are strings, and comparison and text processes
    treat them as such.
    """
    if isinstance(value, (np.datetime64, datetime.datetime)):
        return _datetime_text(value)
    if not (is_array(value) and kind(value) == "M"):
        return value

    def to_text(block: np.ndarray) -> np.ndarray:
        text = np.datetime_as_string(block, unit="s", timezone="UTC").astype(object)
        text[np.isnat(block)] = None
        return text

    if isinstance(value, xr.DataArray):
        return xr.apply_ufunc(to_text, value, dask="parallelized", output_dtypes=[object])
    if _is_dask_array(value):
        return value.map_blocks(to_text, dtype=object)
    return to_text(value)


def as_float(value: Any) -> Any:
    """Integer/boolean arrays as float64 (for formulas whose result is float anyway and
    whose intermediate integer results could wrap around); anything else unchanged."""
    if is_array(value) and kind(value) in "iub":
        return value.astype(np.float64)
    return value


def _datetime_text(value: np.datetime64 | datetime.datetime) -> str | None:
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return str(np.datetime_as_string(value, unit="s", timezone="UTC"))
    if value.tzinfo is None or value.utcoffset() == datetime.timedelta(0):
        return format_rfc3339(value)  # naive datetimes are UTC
    return value.isoformat()
