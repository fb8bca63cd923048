"""array_interpolate_linear: fill inner gaps (NaN and no-data) linearly."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from ...engine.values import ArrayValue
from ._common import as_array, is_number, numeric, single_chunk, temporal_instants


@process("array_interpolate_linear")
def array_interpolate_linear(data: Any) -> ArrayValue:
    arr = as_array(data)
    values, _ = numeric(arr, "array_interpolate_linear")  # NaN and no-data alike are gaps
    values = single_chunk(values.astype(float), arr.dim)
    positions = _positions(arr)
    filled = xr.apply_ufunc(
        _interpolate_gaps,
        values,
        kwargs={"positions": positions},
        input_core_dims=[[arr.dim]],
        output_core_dims=[[arr.dim]],
        dask="parallelized",
        output_dtypes=[float],
    ).transpose(*arr.data.dims)
    if arr.dim in arr.data.coords:
        filled = filled.assign_coords({arr.dim: arr.data[arr.dim]})
    return ArrayValue(filled, arr.dim, arr.labeled)


def _positions(arr: ArrayValue) -> np.ndarray:
    """The x axis: numeric or temporal labels where the array has them, else indices."""
    if arr.labeled and arr.size:
        labels = arr.data[arr.dim].values
        if labels.dtype.kind == "M":
            return labels.astype("datetime64[ns]").astype(np.int64).astype(float)
        if labels.dtype.kind in "iuf":
            return labels.astype(float)
        if all(is_number(v) for v in labels):
            return np.asarray(labels, dtype=float)
        instants = temporal_instants(list(labels))
        if instants is not None:
            return np.array([t.value for t in instants], dtype=float)
        # Other labels have no inherent numeric order: interpolate by position.
    return np.arange(arr.size, dtype=float)


def _interpolate_gaps(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Along the last axis: gaps between two numbers become the linear interpolant;
    leading and trailing gaps stay.  Vectorised over all slices at once."""
    n = values.shape[-1]
    if n == 0:
        return values
    known = ~np.isnan(values)
    index = np.arange(n)
    # For every element the nearest known element before (at) and after (at) it.
    before = np.maximum.accumulate(np.where(known, index, -1), axis=-1)
    after = np.flip(np.minimum.accumulate(np.flip(np.where(known, index, n), -1), axis=-1), -1)
    inner = ~known & (before >= 0) & (after < n)
    before, after = np.clip(before, 0, n - 1), np.clip(after, 0, n - 1)
    y0 = np.take_along_axis(values, before, axis=-1)
    y1 = np.take_along_axis(values, after, axis=-1)
    x0, x1 = positions[before], positions[after]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (positions - x0) / (x1 - x0)
        interpolated = y0 + (y1 - y0) * t
    # An infinite end wins over a finite one (-inf ... 1 interpolates to -inf).
    inf0, inf1 = np.isinf(y0), np.isinf(y1)
    interpolated = np.where(inf0 & ~inf1, y0, np.where(inf1 & ~inf0, y1, interpolated))
    return np.where(inner, interpolated, values)
