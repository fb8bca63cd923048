"""The common shape of numeric reducers, and the type-7 quantile kernel."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from ...engine.values import ArrayValue
from ..arrays._common import as_array, keeps_dataarray, nodata_result, numeric, reduced

#: reduce(values, dim, skipna) -> values reduced along dim
Reduction = Callable[[xr.DataArray, str, bool], xr.DataArray]


def reduce_numbers(data: Any, ignore_nodata: bool, process_id: str, reduce: Reduction) -> Any:
    """Apply ``reduce`` with openEO's no-data rules.

    Results are no-data for empty arrays, for arrays of only no-data, and (with
    ``ignore_nodata`` false) for arrays with any no-data.  A NaN that is no no-data
    (object arrays from JSON) makes the result NaN.
    """
    arr = as_array(data)
    if arr.size == 0:
        return nodata_result(arr)
    values, mask = numeric(arr, process_id)
    if mask is None and keeps_dataarray(arr):
        # Cube data: NaN is no-data, so xarray's skipna is exactly ignore_nodata.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
            return reduce(values, arr.dim, ignore_nodata)
    if mask is None and values.dtype.kind == "f":
        mask = values.isnull()
    return _reduce_masked(arr, values, mask, ignore_nodata, reduce)


def _reduce_masked(
    arr: ArrayValue,
    values: xr.DataArray,
    mask: xr.DataArray | None,
    ignore_nodata: bool,
    reduce: Reduction,
) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = reduce(values, arr.dim, ignore_nodata)
    out_nodata = None
    if mask is not None:
        if ignore_nodata:
            real_nan = (values.isnull() & ~mask).any(arr.dim)
            result = result.where(~real_nan)
            out_nodata = mask.all(arr.dim)
        else:
            out_nodata = mask.any(arr.dim)
    return reduced(result, out_nodata, keeps_dataarray(arr))


def quantiles_of_sorted(
    ordered: np.ndarray, count: np.ndarray, probabilities: np.ndarray
) -> np.ndarray:
    """Type-7 sample quantiles (Hyndman & Fan) along the last axis.

    ``ordered`` is sorted ascending with the ``count`` valid values first (NaN after);
    returns an array with a last axis of ``len(probabilities)``; NaN where count is 0.
    Infinite values win over finite neighbours instead of turning into NaN.
    """
    count = count[..., np.newaxis]
    h = (np.maximum(count, 1) - 1) * probabilities
    lower = np.floor(h).astype(np.int64)
    upper = np.minimum(lower + 1, np.maximum(count - 1, 0))
    fraction = h - lower
    y0 = np.take_along_axis(ordered, lower, axis=-1)
    y1 = np.take_along_axis(ordered, upper, axis=-1)
    with np.errstate(invalid="ignore"):
        result = np.where(fraction == 0, y0, y0 + (y1 - y0) * fraction)
    inf0, inf1 = np.isinf(y0), np.isinf(y1)
    result = np.where(inf0 & ~inf1, y0, np.where(inf1 & ~inf0, y1, result))
    return np.where(count > 0, result, np.nan)


def quantiles_along(
    values: xr.DataArray, dim: str, probabilities: list[float], skipna: bool, out_dim: str
) -> xr.DataArray:
    """Quantiles of float ``values`` along ``dim`` as a new last dimension ``out_dim``;
    with ``skipna`` false any NaN makes all quantiles of its slice NaN."""
    probs = np.asarray(probabilities, dtype=float)

    def kernel(x: np.ndarray) -> np.ndarray:
        x = x.astype(float)
        valid = ~np.isnan(x)
        count = valid.sum(axis=-1)
        result = quantiles_of_sorted(np.sort(x, axis=-1), count, probs)
        if not skipna:
            result = np.where(valid.all(axis=-1)[..., np.newaxis], result, np.nan)
        return result

    if values.chunks is not None:
        values = values.chunk({dim: -1})
    return xr.apply_ufunc(
        kernel,
        values,
        input_core_dims=[[dim]],
        output_core_dims=[[out_dim]],
        dask="parallelized",
        output_dtypes=[float],
        dask_gufunc_kwargs={"output_sizes": {out_dim: len(probs)}},
    )
