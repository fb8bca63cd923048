"""Numeric reducers: max, min, sum, product, mean, median, sd, variance, extrema and
quantiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from ..arrays._common import (
    as_array,
    as_list,
    is_number,
    keeps_dataarray,
    make_array,
    numeric,
    slice_template,
)
from ..math.elementwise import INT64_MAX, INT64_MIN, bounded
from ._numeric import quantiles_along, reduce_numbers

_QUANTILE_DIM = "__quantile"
#: Most q-quantile intervals (a guard against absurd numbers of results).
MAX_INTERVALS = 100_000


@process("max")
def max_(data: Any, ignore_nodata: bool = True) -> Any:
    return reduce_numbers(data, ignore_nodata, "max", lambda v, d, s: v.max(d, skipna=s))


@process("min")
def min_(data: Any, ignore_nodata: bool = True) -> Any:
    return reduce_numbers(data, ignore_nodata, "min", lambda v, d, s: v.min(d, skipna=s))


@process("sum")
def sum_(data: Any, ignore_nodata: bool = True) -> Any:
    exact = _exact_integer_result(data, sum)
    if exact is not None:
        return exact
    return reduce_numbers(
        data, ignore_nodata, "sum", lambda v, d, s: v.sum(d, skipna=s, min_count=_min_count(v))
    )


@process("product")
def product(data: Any, ignore_nodata: bool = True) -> Any:
    exact = _exact_integer_result(data, _int64_product)
    if exact is not None:
        return exact
    return reduce_numbers(
        data, ignore_nodata, "product", lambda v, d, s: v.prod(d, skipna=s, min_count=_min_count(v))
    )


def _exact_integer_result(data: Any, reduce: Callable[[list[int]], int | float]) -> Any:
    """Sums and products of 1-D integer arrays (from JSON) exactly, since int64 would
    overflow silently; results beyond int64 as doubles.  None for any other data."""
    if not isinstance(data, ArrayValue) or keeps_dataarray(data) or data.size == 0:
        return None
    if data.data.dtype.kind not in "iu":
        return None
    # A sum of n int64 values is below n * 2 ** 63: cheap to compute exactly.
    return bounded(reduce([int(v) for v in data.data.values]))


def _int64_product(values: list[int]) -> int | float:
    """The exact product while it stays in the int64 range, else the IEEE 754 double
    product: an exact product of many large integers grows without bound."""
    if 0 in values:
        return 0
    result = 1
    for value in values:
        result *= value
        if not INT64_MIN <= result <= INT64_MAX:
            with np.errstate(over="ignore"):
                return float(np.prod(np.array(values, dtype=np.float64)))
    return result


def _min_count(values: xr.DataArray) -> int | None:
    # All no-data gives no-data, not 0 (or 1); integer data has no no-data and stays
    # integer without min_count.
    return 1 if values.dtype.kind == "f" else None


@process("mean")
def mean(data: Any, ignore_nodata: bool = True) -> Any:
    return reduce_numbers(data, ignore_nodata, "mean", lambda v, d, s: v.mean(d, skipna=s))


@process("variance")
def variance(data: Any, ignore_nodata: bool = True) -> Any:
    return reduce_numbers(
        data, ignore_nodata, "variance", lambda v, d, s: v.var(d, skipna=s, ddof=1)
    )


@process("sd")
def sd(data: Any, ignore_nodata: bool = True) -> Any:
    return reduce_numbers(data, ignore_nodata, "sd", lambda v, d, s: v.std(d, skipna=s, ddof=1))


@process("median")
def median(data: Any, ignore_nodata: bool = True) -> Any:
    def reduce(values: xr.DataArray, dim: str, skipna: bool) -> xr.DataArray:
        # Our type-7 quantile at 0.5 (the median) keeps infinities: median of
        # [-inf, 3, 3, 5, inf] is 3, not NaN.
        return quantiles_along(values, dim, [0.5], skipna, _QUANTILE_DIM).squeeze(
            _QUANTILE_DIM, drop=True
        )

    return reduce_numbers(data, ignore_nodata, "median", reduce)


@process("extrema")
def extrema(data: Any, ignore_nodata: bool = True) -> ArrayValue:
    arr = as_array(data)
    lowest = min_(arr, ignore_nodata)
    highest = max_(arr, ignore_nodata)
    if not keeps_dataarray(arr):
        return make_array([lowest, highest], dim=arr.dim)
    both = xr.concat([lowest, highest], dim=arr.dim, coords="minimal", compat="override")
    return ArrayValue(both.transpose(arr.dim, ...), arr.dim, False)


@process("quantiles")
def quantiles(
    data: Any, probabilities: Any = None, q: Any = None, ignore_nodata: bool = True
) -> ArrayValue:
    arr = as_array(data)
    probs = _probabilities(probabilities, q)
    if arr.size == 0:
        if keeps_dataarray(arr):
            template = xr.full_like(slice_template(arr), np.nan, dtype=float)
            stacked = xr.concat([template] * len(probs), dim=arr.dim)
            return ArrayValue(stacked.transpose(arr.dim, ...), arr.dim, False)
        return make_array([None] * len(probs), dim=arr.dim)
    values, mask = numeric(arr, "quantiles")
    if mask is not None and not ignore_nodata and bool(mask.any()):
        return make_array([None] * len(probs), dim=arr.dim)  # object data is 1-D
    real_nan = mask is not None and bool((values.isnull() & ~mask).any())
    result = quantiles_along(values, arr.dim, probs, ignore_nodata, _QUANTILE_DIM)
    result = result.rename({_QUANTILE_DIM: arr.dim}).transpose(arr.dim, ...)
    if real_nan:
        result = xr.full_like(result, np.nan)  # a NaN value (not no-data) spoils all
    return ArrayValue(result, arr.dim, False)


def _probabilities(probabilities: Any, q: Any) -> list[float]:
    if probabilities is not None and q is not None:
        raise OpenEOError(
            "QuantilesParameterConflict", "quantiles: give only one of 'probabilities' and 'q'."
        )
    if probabilities is None and q is None:
        raise OpenEOError(
            "QuantilesParameterMissing", "quantiles: give either 'probabilities' or 'q'."
        )
    intervals = q if probabilities is None else probabilities
    if is_number(intervals):
        if intervals != int(intervals) or not 2 <= intervals <= MAX_INTERVALS:
            raise ProcessParameterInvalid(
                f"quantiles: the number of intervals must be between 2 and {MAX_INTERVALS}.",
            )
        n = int(intervals)
        return [k / n for k in range(1, n)]
    if isinstance(intervals, ArrayValue):
        intervals = as_list(intervals, "probabilities")
    if not isinstance(intervals, (list, tuple)) or not all(is_number(p) for p in intervals):
        raise ProcessParameterInvalid("quantiles: 'probabilities' must be numbers or a number.")
    probs = [float(p) for p in intervals]
    if any(not 0 <= p <= 1 for p in probs):
        raise ProcessParameterInvalid("quantiles: probabilities must be between 0 and 1.")
    if any(b < a for a, b in zip(probs, probs[1:], strict=False)):
        raise OpenEOError(
            "AscendingProbabilitiesRequired", "quantiles: probabilities must be ascending."
        )
    return probs
