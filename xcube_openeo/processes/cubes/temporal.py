"""Temporal aggregation: aggregate_temporal, aggregate_temporal_period, climatological_normal,
anomaly, resample_cube_temporal.

Groups are found from the (small, in-memory) time coordinate; each group is reduced
lazily with :func:`.apply.reduce_data`, so the reducer runs vectorised per group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ...engine.cube import DataCube, parse_datetime
from ...engine.registry import process
from ...errors import OpenEOError, ProcessParameterInvalid
from ._util import as_list
from .apply import as_result_array, reduce_data


def temporal_dimension(data: DataCube, dimension: str | None) -> str:
    if dimension is not None:
        if data.dimension(dimension).type != "temporal":
            raise OpenEOError("DimensionNotAvailable", f"Dimension {dimension!r} is not temporal.")
        return dimension
    names = data.names_of_type("temporal")
    if not names:
        raise OpenEOError("DimensionNotAvailable", "The data cube has no temporal dimension.")
    if len(names) > 1:
        raise OpenEOError(
            "TooManyDimensions", f"The data cube has several temporal dimensions: {names}."
        )
    return names[0]


def _reduce_groups(
    data: DataCube,
    dim: str,
    groups: list[np.ndarray],
    labels: list[Any],
    reducer: Any,
    context: Any,
) -> DataCube:
    values = data.masked_float()
    template = values.isel({dim: 0}, drop=True)
    parts = []
    for positions in groups:
        reduced = reduce_data(values.isel({dim: positions}), dim, reducer, context)
        parts.append(as_result_array(reduced, template))
    if parts:
        result = xr.concat(parts, dim=dim)
    else:
        result = values.isel({dim: []})
    result = result.assign_coords({dim: np.array(labels, dtype=object)})
    result = result.transpose(*values.dims).assign_coords(
        {k: v for k, v in template.coords.items() if k in result.dims}
    )
    return data.with_data(result, encoded=False)


@process("aggregate_temporal")
def aggregate_temporal(
    data: DataCube, intervals: Any, reducer: Any, labels: Any, dimension: str | None, context: Any
) -> DataCube:
    dim = temporal_dimension(data, dimension)
    interval_list: list[Any] = [as_list(i) for i in as_list(intervals) or []]
    if not interval_list or any(i is None or len(i) != 2 for i in interval_list):
        raise ProcessParameterInvalid("Intervals must be pairs [start, end].")
    times = data.data[dim].values
    groups = []
    for start, end in interval_list:
        if _is_time_of_day(start) or _is_time_of_day(end):
            groups.append(_time_of_day_positions(times, start, end))
            continue
        lo = None if start is None else parse_datetime(start)
        hi = None if end is None else parse_datetime(end)
        if lo is not None and hi is not None and hi <= lo:
            raise OpenEOError("TemporalExtentEmpty", f"Interval [{start}, {end}] is empty.")
        keep = np.ones(times.shape, bool)
        if lo is not None:
            keep &= times >= lo
        if hi is not None:
            keep &= times < hi
        groups.append(np.nonzero(keep)[0])
    label_list = as_list(labels) or [start for start, _ in interval_list]
    if len(set(map(str, label_list))) != len(label_list) or len(label_list) != len(groups):
        raise OpenEOError(
            "DistinctDimensionLabelsRequired",
            "The interval labels are not distinct (one per interval).",
        )
    return _reduce_groups(data, dim, groups, label_list, reducer, context)


def _time_of_day_positions(times: np.ndarray, start: Any, end: Any) -> np.ndarray:
    """Positions of times within a time-of-day interval (which may wrap midnight)."""
    seconds = (times - times.astype("datetime64[D]")) // np.timedelta64(1, "s")
    lo = 0 if start is None else _seconds(start)
    hi = 86400 if end is None else _seconds(end)
    keep = (seconds >= lo) & (seconds < hi) if lo <= hi else (seconds >= lo) | (seconds < hi)
    return np.nonzero(keep)[0]


def _seconds(value: str) -> int:
    h, m, s = (int(v) for v in value.split(":"))
    return h * 3600 + m * 60 + s


def _is_time_of_day(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 8 and value.count(":") == 2


_SEASONS = {m: n for n, months in {
    "djf": (12, 1, 2), "mam": (3, 4, 5), "jja": (6, 7, 8), "son": (9, 10, 11)}.items()
    for m in months}  # fmt: skip
_TROPICAL = {m: ("ndjfma" if m in (11, 12, 1, 2, 3, 4) else "mjjaso") for m in range(1, 13)}


def _period_label(period: str) -> Callable[[pd.Timestamp], str]:
    def season(ts: pd.Timestamp) -> str:
        year = ts.year - 1 if ts.month in (1, 2) else ts.year
        return f"{year}-{_SEASONS[ts.month]}"

    def tropical(ts: pd.Timestamp) -> str:
        year = ts.year - 1 if ts.month <= 4 else ts.year
        return f"{year}-{_TROPICAL[ts.month]}"

    def dekad(ts: pd.Timestamp) -> str:
        return f"{ts.year}-{(ts.month - 1) * 3 + min((ts.day - 1) // 10, 2) + 1:02d}"

    def week(ts: pd.Timestamp) -> str:
        iso = ts.isocalendar()
        return f"{iso[0]}-{iso[1]:02d}"

    labels: dict[str, Callable[[pd.Timestamp], str]] = {
        "hour": lambda ts: ts.strftime("%Y-%m-%d-%H"),
        "day": lambda ts: f"{ts.year}-{ts.dayofyear:03d}",
        "week": week,
        "dekad": dekad,
        "month": lambda ts: ts.strftime("%Y-%m"),
        "season": season,
        "tropical-season": tropical,
        "year": lambda ts: f"{ts.year}",
        "decade": lambda ts: f"{ts.year // 10 * 10}",
        "decade-ad": lambda ts: f"{(ts.year - 1) // 10 * 10 + 1}",
    }
    if period not in labels:
        raise ProcessParameterInvalid(f"Unknown period {period!r}.")
    return labels[period]


@process("aggregate_temporal_period")
def aggregate_temporal_period(
    data: DataCube, period: str, reducer: Any, dimension: str | None, context: Any
) -> DataCube:
    dim = temporal_dimension(data, dimension)
    label_of = _period_label(period)
    times = pd.DatetimeIndex(data.data[dim].values)
    keys = [label_of(ts) for ts in times]
    if len(times):
        # Every period between the first and the last is present, empty ones too.
        step = "h" if period == "hour" else "D"
        span = pd.date_range(times.min().floor(step), times.max(), freq=step)
        all_keys = list(dict.fromkeys([*(label_of(ts) for ts in span), *keys]))
        all_keys.sort()
    else:
        all_keys = []
    pid = getattr(reducer, "single_process_id", None)
    if (
        pid in _GROUPBY_REDUCERS
        and reducer.single_process_arguments.get("ignore_nodata", True) is not False
    ):
        return _groupby_reduce(data, dim, keys, all_keys, _GROUPBY_REDUCERS[pid])
    key_array = np.array(keys, dtype=object)
    groups = [np.nonzero(key_array == key)[0] for key in all_keys]
    return _reduce_groups(data, dim, groups, all_keys, reducer, context)


#: Reducers that map onto one xarray groupby reduction (many periods, one operation).
_GROUPBY_REDUCERS = {"mean": "mean", "median": "median", "min": "min", "max": "max", "sum": "sum"}


def _groupby_reduce(
    data: DataCube, dim: str, keys: list[str], all_keys: list[str], method: str
) -> DataCube:
    values = data.masked_float()
    grouped = getattr(values.assign_coords(_period=(dim, keys)).groupby("_period"), method)(dim)
    # Periods without data are there too, as no-data.
    grouped = grouped.reindex(_period=all_keys).rename({"_period": dim})
    grouped = grouped.assign_coords({dim: np.array(all_keys, dtype=object)})
    return data.with_data(grouped.transpose(*values.dims), encoded=False)


@process("climatological_normal")
def climatological_normal(data: DataCube, period: str, climatology_period: Any) -> DataCube:
    dim = temporal_dimension(data, None)
    years = as_list(climatology_period) or []
    if len(years) != 2:
        raise ProcessParameterInvalid("climatology_period needs a first and last year.")
    first, last = (int(str(y)[:4]) for y in years)
    if period not in ("day", "month", "season", "tropical-season", "climatology-period"):
        raise ProcessParameterInvalid(f"Unsupported period {period!r}.")
    times = pd.DatetimeIndex(data.data[dim].values)
    within = np.nonzero((times.year >= first) & (times.year <= last))[0]
    values = data.masked_float().isel({dim: within})
    keys = [_normal_key(t, period) for t in pd.DatetimeIndex(values[dim].values)]
    grouped = values.assign_coords(_key=(dim, keys)).groupby("_key").mean(dim)
    labels = sorted(set(keys))
    grouped = grouped.reindex(_key=labels).rename({"_key": dim})
    grouped = grouped.assign_coords({dim: np.array(labels, dtype=object)})
    return data.with_data(grouped.transpose(*values.dims), encoded=False)


def _normal_key(ts: pd.Timestamp, period: str) -> str:
    """The label of the normal a time stamp belongs to (see ``anomaly``'s normals)."""
    keys: dict[str, Callable[[pd.Timestamp], str]] = {
        "hour": lambda t: f"{t.hour:02d}",
        "day": lambda t: f"{t.dayofyear:03d}",
        "week": lambda t: f"{t.isocalendar()[1]:02d}",
        "dekad": lambda t: f"{(t.month - 1) * 3 + min((t.day - 1) // 10, 2) + 1:02d}",
        "month": lambda t: f"{t.month:02d}",
        "season": lambda t: _SEASONS[t.month],
        "tropical-season": lambda t: _TROPICAL[t.month],
        "year": lambda t: f"{t.year}",
        "decade": lambda t: f"{t.year // 10 * 10}",
        "decade-ad": lambda t: f"{(t.year - 1) // 10 * 10 + 1}",
        "climatology-period": lambda t: "climatology-period",
    }
    if period not in keys:
        raise ProcessParameterInvalid(f"Unknown period {period!r}.")
    return keys[period](ts)


@process("anomaly")
def anomaly(data: DataCube, normals: DataCube, period: str) -> DataCube:
    dim = temporal_dimension(data, None)
    normal_dim = temporal_dimension(normals, None)
    normal_values = normals.masked_float()
    available = [str(v) for v in normals.labels(normal_dim)]
    times = pd.DatetimeIndex(data.data[dim].values)
    if period in ("single-period", "climatology-period"):
        if len(available) != 1:
            raise ProcessParameterInvalid("Normals for a single period need one label.")
        keys = available * len(times)
    else:
        keys = [_normal_key(t, period) for t in times]
    missing = sorted(set(keys) - set(available))
    if missing:
        raise ProcessParameterInvalid(f"The normals lack the periods {missing}.")
    matched = normal_values.isel({normal_dim: [available.index(k) for k in keys]})
    matched = matched.rename({normal_dim: dim}).assign_coords({dim: data.data[dim].values})
    values = data.masked_float()
    result = values - matched.transpose(*[d for d in values.dims if d in matched.dims])
    return data.with_data(result.transpose(*values.dims), encoded=False)


@process("resample_cube_temporal")
def resample_cube_temporal(
    data: DataCube, target: DataCube, dimension: str | None, valid_within: Any
) -> DataCube:
    dims = [dimension] if dimension else data.names_of_type("temporal")
    if dimension is not None:
        data.dimension(dimension)
        if not target.has_dimension(dimension):
            raise OpenEOError("DimensionMismatch", f"The target has no dimension {dimension!r}.")
    if valid_within is not None and not (
        isinstance(valid_within, int | float) and valid_within >= 0
    ):
        raise ProcessParameterInvalid("valid_within must be a non-negative number of days.")
    if valid_within is not None and valid_within * 86400e9 >= 2**63:
        valid_within = None  # more days than nanosecond times span (1e308 gave 500): any
    out = data.data
    for dim in dims:
        source_times = out[dim].values.astype("datetime64[ns]")
        target_times = target.data[dim].values.astype("datetime64[ns]")
        positions, valid = [], []
        for t in target_times:
            distance = np.abs(source_times - t)
            best = int(np.argmin(distance)) if len(source_times) else 0
            positions.append(best)
            ok = len(source_times) > 0 and (
                valid_within is None
                or distance[best] <= np.timedelta64(int(valid_within * 86400e9), "ns")
            )
            valid.append(ok)
        out = out.isel({dim: positions}).assign_coords({dim: target_times})
        if not all(valid):
            mask = xr.DataArray(np.array(valid), dims=[dim], coords={dim: target_times})
            out = out.where(mask)
    return data.with_data(out, encoded=out.dtype.kind in "iu")
