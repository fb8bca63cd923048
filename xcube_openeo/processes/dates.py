"""Date processes: date_between, date_shift, date_difference.

Dates are RFC 3339 strings: a date (``2020-01-31``, meaning midnight UTC) or a date-time
with a time zone offset.  pandas does the calendar arithmetic (month ends, leap years).
Vectorised, ``datetime64`` arrays (naive = UTC, as xarray stores time labels) use numpy
/pandas operations; string arrays go element by element.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .math.elementwise import (
    datetimes_as_text,
    dispatch,
    invalid,
    is_array,
    kind,
    to_python,
    with_nodata,
)
from .registry import process

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60")

#: Fixed-length units as pandas/numpy timedeltas.
_FIXED_UNITS: dict[str, pd.Timedelta] = {
    "millisecond": pd.Timedelta(milliseconds=1),
    "second": pd.Timedelta(seconds=1),
    "minute": pd.Timedelta(minutes=1),
    "hour": pd.Timedelta(hours=1),
    "day": pd.Timedelta(days=1),
    "week": pd.Timedelta(weeks=1),
}
_UNITS = (*_FIXED_UNITS, "month", "year")


@dataclass(frozen=True)
class ParsedDate:
    """A parsed RFC 3339 date or date-time (time zone aware)."""

    timestamp: pd.Timestamp
    date_only: bool

    def format(self, timestamp: pd.Timestamp | None = None) -> str:
        """RFC 3339 text in the same form (date, or date-time with this time zone)."""
        ts = self.timestamp if timestamp is None else timestamp
        if self.date_only:
            return ts.strftime("%Y-%m-%d")
        text = ts.strftime("%Y-%m-%dT%H:%M:%S")
        if ts.microsecond or ts.nanosecond:
            fraction = f"{ts.microsecond:06d}{ts.nanosecond:03d}".rstrip("0")
            text += "." + fraction.ljust(3, "0")
        offset = ts.utcoffset()
        if not offset:
            return text + "Z"
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_date(value: Any, process_id: str, parameter: str) -> ParsedDate:
    """Parse an RFC 3339 date or date-time; a leap second becomes the next second."""
    if not isinstance(value, str):
        raise invalid(process_id, parameter, value, "an RFC 3339 date or date-time string")
    text, leap = _LEAP_SECOND.subn(r"\g<1>59", value.strip())
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError) as error:
        raise invalid(process_id, parameter, value, "an RFC 3339 date or date-time") from error
    if ts is pd.NaT:
        raise invalid(process_id, parameter, value, "an RFC 3339 date or date-time")
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")  # dates (and times lacking an offset) are UTC
    if leap:
        ts += pd.Timedelta(seconds=1)
    return ParsedDate(ts, bool(_DATE_ONLY.match(value.strip())))


def _check_unit(process_id: str, unit: Any) -> None:
    if unit not in _UNITS:
        raise invalid(process_id, "unit", unit, f"one of {', '.join(_UNITS)}")


def _offset(value: int, unit: str) -> pd.Timedelta | pd.DateOffset:
    if unit == "month":
        return pd.DateOffset(months=value)  # clamps to the month's last day
    if unit == "year":
        return pd.DateOffset(years=value)
    return value * _FIXED_UNITS[unit]


def _lazy_map(func: Callable[[np.ndarray], np.ndarray], array: Any, dtype: Any) -> Any:
    """Apply a numpy-to-numpy function block-wise (lazy for dask-backed DataArrays)."""
    if isinstance(array, xr.DataArray):
        return xr.apply_ufunc(func, array, dask="parallelized", output_dtypes=[dtype])
    if isinstance(array, np.ndarray):
        return func(array)
    return array.map_blocks(func, dtype=dtype)  # a dask array


# --------------------------------------------------------------------------- date_shift


@process("date_shift")
def date_shift(date: Any, value: Any, unit: Any) -> Any:
    _check_unit("date_shift", unit)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise invalid("date_shift", "value", value, "an integer")
    offset = _offset(int(value), unit)

    def scalar(d: Any) -> Any:
        d = to_python(datetimes_as_text(d))
        if d is None:
            return None
        parsed = parse_date(d, "date_shift", "date")
        return parsed.format(parsed.timestamp + offset)

    def vectorised(d: Any) -> Any:
        if kind(d) != "M":
            raise invalid("date_shift", "date", d, "dates")
        if isinstance(offset, pd.Timedelta):
            return d + offset.to_timedelta64()
        return _lazy_map(
            lambda a: (pd.DatetimeIndex(a.ravel()) + offset).values.reshape(a.shape),
            d,
            d.dtype,
        )

    return dispatch(scalar, vectorised, date)


# --------------------------------------------------------------------------- date_difference


def _calendar_months(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Months from start to end: whole calendar months plus the fraction of the next."""
    if end < start:
        return -_calendar_months(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and start + pd.DateOffset(months=months) > end:
        months -= 1
    lower = start + pd.DateOffset(months=months)
    upper = start + pd.DateOffset(months=months + 1)
    return months + (end - lower) / (upper - lower)


def _difference(start: pd.Timestamp, end: pd.Timestamp, unit: str) -> float:
    if unit == "month":
        return _calendar_months(start, end)
    if unit == "year":
        return _calendar_months(start, end) / 12
    return (end - start) / _FIXED_UNITS[unit]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


@process("date_difference")
def date_difference(date1: Any, date2: Any, unit: Any = "second") -> Any:
    _check_unit("date_difference", unit)

    def scalar(d1: Any, d2: Any) -> Any:
        d1, d2 = to_python(datetimes_as_text(d1)), to_python(datetimes_as_text(d2))
        if d1 is None or d2 is None:
            return None
        t1 = parse_date(d1, "date_difference", "date1").timestamp
        t2 = parse_date(d2, "date_difference", "date2").timestamp
        return _number(_difference(t1, t2, unit))

    def vectorised(d1: Any, d2: Any) -> Any:
        d1, d2 = _as_datetime64(d1, "date1"), _as_datetime64(d2, "date2")
        if unit in _FIXED_UNITS:
            return (d2 - d1) / _FIXED_UNITS[unit].to_timedelta64()
        to_object = np.frompyfunc(
            lambda a, b: _difference(pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC"), unit),
            2,
            1,
        )
        return to_object(d1, d2).astype(float)

    return dispatch(scalar, vectorised, date1, date2)


def _as_datetime64(value: Any, parameter: str) -> Any:
    if is_array(value):
        if kind(value) != "M":
            raise invalid("date_difference", parameter, value, "dates")
        return value
    ts = parse_date(datetimes_as_text(value), "date_difference", parameter).timestamp
    return ts.tz_convert("UTC").tz_localize(None).to_datetime64()


# --------------------------------------------------------------------------- date_between


@process("date_between")
def date_between(x: Any, min: Any, max: Any, exclude_max: bool = False) -> Any:
    low = parse_date(datetimes_as_text(min), "date_between", "min").timestamp
    high = parse_date(datetimes_as_text(max), "date_between", "max").timestamp

    def scalar(v: Any) -> Any:
        v = to_python(datetimes_as_text(v))
        if v is None:
            return None
        t = parse_date(v, "date_between", "x").timestamp
        return bool(low <= t and (t < high if exclude_max else t <= high))

    def vectorised(v: Any) -> Any:
        if kind(v) != "M":
            raise invalid("date_between", "x", v, "dates")
        lo = low.tz_convert("UTC").tz_localize(None).to_datetime64()
        hi = high.tz_convert("UTC").tz_localize(None).to_datetime64()
        inside = (v >= lo) & ((v < hi) if exclude_max else (v <= hi))
        return with_nodata(inside, v)

    return dispatch(scalar, vectorised, x)
