"""Numbers stay bounded: no exact integer grows without bound, on a real server.

openEO numbers are IEEE 754 doubles or bounded integers.  Integers out of the int64
range are refused where JSON is read (400 ``NumberOutOfRange``); integer results that
would leave it become doubles (infinite beyond the double range, JSON null), and no
computation builds a huge exact integer (power(99999999, 99999999) once froze the
server for 16 minutes).
"""

from __future__ import annotations

import json
import time

import pytest
import requests

TIMEOUT = 20  # seconds; each of these requests answers in well under one


def post_result(server, headers, process_id: str, **arguments) -> requests.Response:
    graph = {"n": {"process_id": process_id, "arguments": arguments, "result": True}}
    return requests.post(
        server.url + "/openeo/1.2/result",
        json={"process": {"process_graph": graph}},
        headers=headers,
        timeout=TIMEOUT,
    )


def assert_still_answering(server) -> None:
    started = time.monotonic()
    response = requests.get(server.url + "/openeo/1.2/", timeout=5)
    assert response.status_code == 200
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("process_id", "arguments", "expected"),
    [
        # exact within int64
        ("power", {"base": 3, "p": 39}, 3**39),
        ("power", {"base": -2, "p": 63}, -(2**63)),
        ("power", {"base": -1, "p": 99999999}, -1),
        ("power", {"base": 1, "p": 9223372036854775807}, 1),
        ("multiply", {"x": 3037000499, "y": 3037000499}, 3037000499**2),
        ("add", {"x": 9223372036854775806, "y": 1}, 9223372036854775807),
        # beyond int64: doubles, not exact integers
        ("multiply", {"x": 4294967296, "y": 4294967296}, float(2**64)),
        ("add", {"x": 9223372036854775807, "y": 1}, float(2**63)),
        ("subtract", {"x": -9223372036854775808, "y": 1}, -float(2**63)),
        ("absolute", {"x": -9223372036854775808}, float(2**63)),
        ("power", {"base": 2, "p": 64}, float(2**64)),
        ("power", {"base": 10, "p": 300}, 1e300),
        ("round", {"x": 9223372036854775807, "p": -19}, 1e19),
        ("round", {"x": 5, "p": -9223372036854775808}, 0),
        ("round", {"x": 1.5, "p": 9223372036854775807}, 1.5),
        ("ceil", {"x": 1e300}, 1e300),
        ("sum", {"data": [9223372036854775807, 9223372036854775807]}, float(2**64)),
        ("product", {"data": [4294967296, 4294967296]}, float(2**64)),
        ("product", {"data": [3037000499, 3037000499]}, 3037000499**2),
    ],
)
def test_integer_results(server, auth_headers, process_id, arguments, expected):
    response = post_result(server, auth_headers, process_id, **arguments)
    assert response.status_code == 200, response.text
    value = response.json()
    assert value == expected and type(value) is type(expected), (value, expected)


@pytest.mark.parametrize(
    ("process_id", "arguments"),
    [
        ("power", {"base": 99999999, "p": 99999999}),  # froze the server for 16 minutes
        ("power", {"base": 10, "p": 100000}),  # was 500: integer too long to print
        ("power", {"base": -99999999, "p": 9223372036854775807}),
        ("multiply", {"x": 9223372036854775807, "y": 9223372036854775807}),
        ("exp", {"p": 9223372036854775807}),
        ("product", {"data": [99999999] * 5000}),
    ],
)
def test_huge_results_are_quick_doubles(server, auth_headers, process_id, arguments):
    started = time.monotonic()
    response = post_result(server, auth_headers, process_id, **arguments)
    assert time.monotonic() - started < 5
    assert response.status_code == 200, response.text
    value = response.json()
    # infinite (JSON has no infinity: null) or a finite double, never an exact integer
    assert value is None or isinstance(value, float), value
    assert_still_answering(server)


def test_cumulative_integers_do_not_wrap(server, auth_headers):
    response = post_result(server, auth_headers, "cumproduct", data=[4294967296, 4294967296, 2])
    assert response.status_code == 200, response.text
    assert response.json() == [4294967296.0, float(2**64), float(2**65)]
    response = post_result(server, auth_headers, "cumsum", data=[1, 2, 3])
    assert response.json() == [1, 3, 6]


@pytest.mark.parametrize(
    "literal",
    [
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999999999",
        "1" * 5000,
        "1e400",
        "-1e400",
    ],
)
@pytest.mark.parametrize("process_id", ["power", "multiply"])
def test_numbers_out_of_range_are_refused(server, auth_headers, literal, process_id):
    names = ("base", "p") if process_id == "power" else ("x", "y")
    # json.dumps cannot write these numbers: the literal goes into the text directly
    graph = {
        "n": {
            "process_id": process_id,
            "arguments": {names[0]: "LITERAL", names[1]: 2},
            "result": True,
        }
    }
    body = json.dumps({"process": {"process_graph": graph}}).replace('"LITERAL"', literal)
    started = time.monotonic()
    response = requests.post(
        server.url + "/openeo/1.2/result",
        data=body,
        timeout=TIMEOUT,
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert time.monotonic() - started < 5
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "NumberOutOfRange"
    assert_still_answering(server)


def test_int64_bounds_are_accepted(server, auth_headers):
    for x, expected in (
        (9223372036854775807, 9223372036854775807),
        (-9223372036854775808, float(2**63)),
    ):
        response = post_result(server, auth_headers, "absolute", x=x)
        assert response.status_code == 200, response.text
        assert response.json() == expected


@pytest.mark.parametrize(
    "unit", ["millisecond", "second", "minute", "hour", "day", "week", "month", "year"]
)
@pytest.mark.parametrize("value", [9223372036854775807, -9223372036854775808, 99999999])
def test_date_shifts_beyond_the_calendar_are_refused(server, auth_headers, unit, value):
    """A shift by int64's bounds in days gave 500 (OverflowError in Python's timedelta)."""
    response = post_result(
        server, auth_headers, "date_shift", date="2022-01-01T00:00:00Z", value=value, unit=unit
    )
    within = {
        "millisecond": "2022-01-02T03:46:39.999Z",
        "second": "2025-03-03T09:46:39Z",
        "minute": "2212-02-19T10:39:00Z",
    }
    if value == 99999999 and unit in within:
        assert response.status_code == 200 and response.json() == within[unit]
        return
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "ProcessParameterInvalid"


def test_date_shifts_of_time_labels_do_not_wrap_around(server, auth_headers):
    """Shifting nanosecond time labels by 100,000 days wrapped around silently (to 1711)."""
    import numpy as np

    from xcube_openeo.errors import OpenEOError
    from xcube_openeo.processes.dates import date_shift

    labels = np.array(["2022-01-01", "NaT"], dtype="datetime64[ns]")
    assert str(date_shift(labels, 3, "day")[0]).startswith("2022-01-04")
    with pytest.raises(OpenEOError) as error:
        date_shift(labels, 100_000, "day")
    assert error.value.code == "ProcessParameterInvalid"


def test_normalized_difference_of_opposite_extremes_is_ieee(server, auth_headers):
    """x + y == 0 in doubles gave 500 (ZeroDivisionError): IEEE division gives infinity,
    which JSON writes as null."""
    response = post_result(
        server, auth_headers, "normalized_difference", x=9223372036854775807, y=-9223372036854775808
    )
    assert response.status_code == 200 and response.json() is None
    response = post_result(server, auth_headers, "normalized_difference", x=3, y=1)
    assert response.json() == 0.5


LOAD = {
    "process_id": "load_collection",
    "arguments": {
        "id": "S2_SMALL",
        "bands": ["B04"],
        "temporal_extent": ["2022-01-01", "2022-01-06"],
        "spatial_extent": {
            "west": 675000,
            "east": 675100,
            "south": 5155900,
            "north": 5156000,
            "crs": 32632,
        },
    },
}  # 10 x 10 pixels, one date


def cube_result(server, headers, process_id: str, **arguments) -> requests.Response:
    graph = {
        "load": LOAD,
        "n": {"process_id": process_id, "arguments": {"data": {"from_node": "load"}, **arguments}},
        "s": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "n"}, "format": "JSON"},
            "result": True,
        },
    }
    return requests.post(
        server.url + "/openeo/1.2/result",
        json={"process": {"process_graph": graph}},
        headers=headers,
        timeout=60,
    )


def reducer(process_id: str) -> dict:
    return {
        "process_graph": {
            "r": {
                "process_id": process_id,
                "arguments": {"data": {"from_parameter": "data"}},
                "result": True,
            }
        }
    }


def test_windows_wider_than_the_cube(server, auth_headers):
    """aggregate_spatial_window with size [99999999, 2] padded to the window: it ran for
    minutes ([2**63 - 1] * 2: MemoryError, 500)."""
    started = time.monotonic()
    wide = cube_result(
        server,
        auth_headers,
        "aggregate_spatial_window",
        reducer=reducer("mean"),
        size=[99999999, 2],
    )
    assert time.monotonic() - started < 10
    assert wide.status_code == 200, wide.text
    exact = cube_result(
        server, auth_headers, "aggregate_spatial_window", reducer=reducer("mean"), size=[10, 2]
    )
    assert wide.json()["data"] == exact.json()["data"]  # the padding is no-data
    huge = cube_result(
        server,
        auth_headers,
        "aggregate_spatial_window",
        reducer=reducer("mean"),
        size=[9223372036854775807] * 2,
    )
    assert huge.status_code == 200, huge.text
    general = cube_result(
        server, auth_headers, "aggregate_spatial_window", reducer=reducer("sd"), size=[99999999, 2]
    )
    assert general.status_code == 400 and general.json()["code"] == "ProcessParameterInvalid"
    assert_still_answering(server)


def test_neighbourhood_overlaps_beyond_the_cube_are_refused(server, auth_headers):
    process = {
        "process_graph": {
            "a": {
                "process_id": "absolute",
                "arguments": {"x": {"from_parameter": "data"}},
                "result": True,
            }
        }
    }
    big = 9223372036854775807
    response = cube_result(
        server,
        auth_headers,
        "apply_neighborhood",
        process=process,
        size=[
            {"dimension": "x", "value": big, "unit": "px"},
            {"dimension": "y", "value": big, "unit": "px"},
        ],
        overlap=[{"dimension": "x", "value": big, "unit": "px"}],
    )
    assert response.status_code == 400, response.text  # was 500 (dask's ValueError)
    assert response.json()["code"] == "ProcessParameterInvalid"


def test_valid_within_of_any_size(server, auth_headers):
    response = cube_result(
        server,
        auth_headers,
        "resample_cube_temporal",
        target={"from_node": "load"},
        valid_within=1e308,
    )
    assert response.status_code == 200, response.text  # was 500 (OverflowError)


def test_array_create_repeats_are_one_step(server, auth_headers):
    """array_create(repeat=99999) inside apply_dimension concatenated 99999 parts: the
    request ran for minutes."""
    process = {
        "process_graph": {
            "c": {
                "process_id": "array_create",
                "arguments": {"data": {"from_parameter": "data"}, "repeat": 99999},
                "result": True,
            }
        }
    }
    started = time.monotonic()
    response = cube_result(server, auth_headers, "apply_dimension", process=process, dimension="t")
    assert time.monotonic() - started < 15
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "FormatUnsuitable"  # 10 x 10 x 99999: not as JSON
    process["process_graph"]["c"]["arguments"]["repeat"] = 3
    response = cube_result(server, auth_headers, "apply_dimension", process=process, dimension="t")
    assert response.status_code == 200, response.text
    t = next(d for d in response.json()["dimensions"] if d["name"] == "t")
    assert len(t["labels"]) == 3
