"""Times as RFC 3339 text in UTC: the one formatter for every time a client sees."""

from __future__ import annotations

from typing import Any

import pandas as pd


def format_rfc3339(value: Any, *, fraction: bool = False, midnight_as_date: bool = False) -> str:
    """``value`` (a datetime64, datetime, date, pandas Timestamp or time string) as
    RFC 3339 text in UTC, such as ``2022-06-01T10:30:00Z``; naive times are UTC.

    ``fraction``: sub-second digits where the time has any (``...T10:30:00.25Z``);
    without, they are cut off.  ``midnight_as_date``: a time at midnight as its date
    alone (``2022-06-01``), as map layers name the steps of daily data.
    """
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if midnight_as_date and stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    if fraction:
        return stamp.isoformat() + "Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
