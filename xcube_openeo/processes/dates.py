"""Date processes: date_between, date_shift, date_difference.

Dates are RFC 3339 strings: a date (``2020-01-31``, meaning midnight UTC) or a date-time
with a time zone offset.  Scalars use Python's ``datetime`` (years 1 to 9999) with
``dateutil``'s ``relativedelta`` for calendar arithmetic (month ends, leap years).
Vectorised, ``datetime64`` arrays (naive = UTC, as xarray stores time labels) use
numpy/pandas operations; string arrays go element by element.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from dateutil.relativedelta import relativedelta

from ..engine.registry import process
from .math.elementwise import (
    datetimes_as_text,
    dispatch,
    invalid,
    is_array,
    kind,
    to_python,
    with_nodata,
)

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?)?"
)
_UTC = dt.timezone.utc

#: Fixed-length units.
_FIXED_UNITS: dict[str, dt.timedelta] = {
    "millisecond": dt.timedelta(milliseconds=1),
    "second": dt.timedelta(seconds=1),
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "week": dt.timedelta(weeks=1),
}
_UNITS = (*_FIXED_UNITS, "month", "year")


@dataclass(frozen=True)
class ParsedDate:
    """A parsed RFC 3339 date or date-time (time zone aware)."""

    moment: dt.datetime
    date_only: bool

    def format(self, moment: dt.datetime | None = None) -> str:
        """RFC 3339 text in the same form (date, or date-time with this time zone)."""
        m = self.moment if moment is None else moment
        text = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
        if self.date_only:
            return text
        text += f"T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        if m.microsecond:
            text += "." + f"{m.microsecond:06d}".rstrip("0").ljust(3, "0")
        offset = m.utcoffset()
        if not offset:
            return text + "Z"
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_date(value: Any, process_id: str, parameter: str) -> ParsedDate:
    """Parse an RFC 3339 date or date-time; a leap second becomes the next second.

    A date-time without an offset is taken as UTC (RFC 3339 requires one; be lenient).
    """
    expected = "an RFC 3339 date or date-time"
    match = _RFC3339.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise invalid(process_id, parameter, value, expected)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        if hour is None:
            return ParsedDate(dt.datetime(int(year), int(month), int(day), tzinfo=_UTC), True)
        leap = second == "60"
        moment = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            59 if leap else int(second),
            int((fraction or "").ljust(6, "0")[:6]),
            tzinfo=_zone(zone),
        )
        return ParsedDate(moment + dt.timedelta(seconds=1) if leap else moment, False)
    except (ValueError, OverflowError) as error:
        raise invalid(process_id, parameter, value, expected) from error


def _zone(text: str | None) -> dt.tzinfo:
    if text is None or text in "Zz":
        return _UTC
    sign = -1 if text[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))


def _check_unit(process_id: str, unit: Any) -> None:
    if unit not in _UNITS:
        raise invalid(process_id, "unit", unit, f"one of {', '.join(_UNITS)}")


#: Days in 10,000 years, more than any shift that stays within years 1-9999.
_MAX_SHIFT_DAYS = 366 * 10_000


def _shift_may_fit(value: int, unit: str) -> bool:
    if unit == "year":
        return abs(value) <= _MAX_SHIFT_DAYS // 366
    if unit == "month":
        return abs(value) <= _MAX_SHIFT_DAYS // 366 * 12
    return abs(value) * (_FIXED_UNITS[unit] / dt.timedelta(days=1)) <= _MAX_SHIFT_DAYS


def _calendar_offset(value: int, unit: str) -> relativedelta | dt.timedelta:
    if unit == "month":
        return relativedelta(months=value)  # clamps to the month's last day
    if unit == "year":
        return relativedelta(years=value)
    return value * _FIXED_UNITS[unit]


def _to_datetime64(moment: dt.datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(_UTC).replace(tzinfo=None), "us")


def _from_datetime64(value: Any) -> dt.datetime:
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=_UTC)


def _lazy_map(func: Callable[[np.ndarray], np.ndarray], array: Any, dtype: Any) -> Any:
    """Apply a numpy-to-numpy function block-wise (lazy for dask-backed data)."""
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
    value = int(value)
    if not _shift_may_fit(value, unit):  # and would overflow date arithmetic
        raise invalid("date_shift", "value", value, "a shift within years 1-9999")
    offset = _calendar_offset(value, unit)

    def scalar(d: Any) -> Any:
        d = to_python(datetimes_as_text(d))
        if d is None:
            return None
        parsed = parse_date(d, "date_shift", "date")
        try:
            return parsed.format(parsed.moment + offset)
        except (OverflowError, ValueError) as error:
            raise invalid("date_shift", "value", value, "a shift within years 1-9999") from error

    def vectorised(d: Any) -> Any:
        if kind(d) != "M":
            raise invalid("date_shift", "date", d, "dates")

        def shifted(a: np.ndarray) -> np.ndarray:
            # pandas checks Timedelta additions for overflow where numpy's datetime64
            # arithmetic wraps around (a day shift of 100000 gave 1711 for 2022 in ns).
            try:
                shift = (
                    pd.Timedelta(offset)
                    if unit in _FIXED_UNITS
                    else pd.DateOffset(**{f"{unit}s": value})
                )
                return (pd.DatetimeIndex(a.ravel()) + shift).values.reshape(a.shape)
            except (OverflowError, ValueError) as error:
                raise invalid(
                    "date_shift", "value", value, "a shift within the range of the dates' type"
                ) from error

        return _lazy_map(shifted, d, d.dtype)

    return dispatch(scalar, vectorised, date)


# --------------------------------------------------------------------------- date_difference


def _calendar_months(start: dt.datetime, end: dt.datetime) -> float:
    """Months from start to end: whole calendar months plus the fraction of the next."""
    if end < start:
        return -_calendar_months(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and start + relativedelta(months=months) > end:
        months -= 1
    lower = start + relativedelta(months=months)
    upper = start + relativedelta(months=months + 1)
    return months + (end - lower) / (upper - lower)


def _difference(start: dt.datetime, end: dt.datetime, unit: str) -> float:
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
        t1 = parse_date(d1, "date_difference", "date1").moment
        t2 = parse_date(d2, "date_difference", "date2").moment
        return _number(_difference(t1, t2, unit))

    def vectorised(d1: Any, d2: Any) -> Any:
        d1, d2 = _as_datetime64(d1, "date1"), _as_datetime64(d2, "date2")
        if unit in _FIXED_UNITS:
            return (d2 - d1) / np.timedelta64(
                _FIXED_UNITS[unit] // dt.timedelta(microseconds=1), "us"
            )
        # Calendar months differ in length: element by element (Python datetimes).
        months = np.frompyfunc(
            lambda a, b: _difference(_from_datetime64(a), _from_datetime64(b), unit), 2, 1
        )
        if isinstance(d1, xr.DataArray) or isinstance(d2, xr.DataArray):
            return xr.apply_ufunc(
                lambda a, b: months(a, b).astype(float),
                d1,
                d2,
                dask="parallelized",
                output_dtypes=[float],
            )
        return months(d1, d2).astype(float)

    return dispatch(scalar, vectorised, date1, date2)


def _as_datetime64(value: Any, parameter: str) -> Any:
    if is_array(value):
        if kind(value) != "M":
            raise invalid("date_difference", parameter, value, "dates")
        return value
    return _to_datetime64(parse_date(datetimes_as_text(value), "date_difference", parameter).moment)


# --------------------------------------------------------------------------- date_between


@process("date_between")
def date_between(x: Any, min: Any, max: Any, exclude_max: bool = False) -> Any:
    low = parse_date(datetimes_as_text(min), "date_between", "min").moment
    high = parse_date(datetimes_as_text(max), "date_between", "max").moment

    def scalar(v: Any) -> Any:
        v = to_python(datetimes_as_text(v))
        if v is None:
            return None
        t = parse_date(v, "date_between", "x").moment
        return bool(low <= t and (t < high if exclude_max else t <= high))

    def vectorised(v: Any) -> Any:
        if kind(v) != "M":
            raise invalid("date_between", "x", v, "dates")
        lo, hi = _to_datetime64(low), _to_datetime64(high)
        inside = (v >= lo) & ((v < hi) if exclude_max else (v <= hi))
        return with_nodata(inside, v)

    return dispatch(scalar, vectorised, x)
