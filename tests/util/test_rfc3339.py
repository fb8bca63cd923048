"""The one RFC 3339 formatter and the forms its callers need."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from xcube_openeo.util.rfc3339 import format_rfc3339

UTC = dt.timezone.utc
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2022, 6, 1, 10, 30, 5, tzinfo=UTC),
        dt.datetime(2022, 6, 1, 10, 30, 5),  # naive: UTC
        dt.datetime(2022, 6, 1, 12, 30, 5, tzinfo=PLUS_TWO),
        np.datetime64("2022-06-01T10:30:05", "ns"),
        pd.Timestamp("2022-06-01T10:30:05Z"),
        "2022-06-01T12:30:05+02:00",
    ],
)
def test_whole_seconds_in_utc(value):
    assert format_rfc3339(value) == "2022-06-01T10:30:05Z"


def test_fraction_cut_off_unless_asked_for():
    value = np.datetime64("2022-06-01T10:30:05.250", "ns")
    assert format_rfc3339(value) == "2022-06-01T10:30:05Z"
    assert format_rfc3339(value, fraction=True) == "2022-06-01T10:30:05.250000Z"
    assert format_rfc3339(np.datetime64("2022-06-01T10:30:05.000000001", "ns"), fraction=True) == (
        "2022-06-01T10:30:05.000000001Z"
    )
    assert format_rfc3339(np.datetime64("2022-06-01T10:30:05", "s"), fraction=True) == (
        "2022-06-01T10:30:05Z"
    )


def test_dates_are_midnight_utc():
    assert format_rfc3339(dt.date(2022, 6, 1)) == "2022-06-01T00:00:00Z"
    assert format_rfc3339(np.datetime64("2022-06-01", "D")) == "2022-06-01T00:00:00Z"


def test_midnight_as_date():
    assert format_rfc3339(np.datetime64("2022-06-01", "ns"), midnight_as_date=True) == "2022-06-01"
    assert format_rfc3339("2022-06-01T02:00:00+02:00", midnight_as_date=True) == "2022-06-01"
    assert (
        format_rfc3339(np.datetime64("2022-06-01T00:00:01"), midnight_as_date=True)
        == "2022-06-01T00:00:01Z"
    )
