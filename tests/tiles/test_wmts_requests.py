"""WMTS KVP request parsing, exception reports and time formatting."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from xcube_openeo_tiles import (
    GetCapabilitiesRequest,
    GetTileRequest,
    InvalidParameter,
    MissingParameter,
    OperationNotSupported,
    TileOutsideGrid,
    TilesError,
    WebMercatorQuad,
    ZoomOutsideGrid,
    exception_report_xml,
    format_time,
    parse_kvp,
)
from xcube_openeo_tiles.wmts import OWS_NS

GET_TILE = {
    "SERVICE": "WMTS",
    "REQUEST": "GetTile",
    "VERSION": "1.0.0",
    "LAYER": "ndvi",
    "STYLE": "default",
    "FORMAT": "image/png",
    "TILEMATRIXSET": "WebMercatorQuad",
    "TILEMATRIX": "6",
    "TILEROW": "21",
    "TILECOL": "33",
}


def test_get_tile_with_any_parameter_case_and_list_values():
    query = {key.lower(): [value] for key, value in GET_TILE.items()}
    query["time"] = ["2024-01-11"]
    request = parse_kvp(query)
    assert isinstance(request, GetTileRequest)
    assert (request.layer, request.style, request.format) == ("ndvi", "default", "image/png")
    assert (request.tile_matrix_set, request.zoom, request.row, request.col) == (
        "WebMercatorQuad",
        6,
        21,
        33,
    )
    assert request.time == "2024-01-11"
    assert request.dimensions == {"time": "2024-01-11"}


def test_get_tile_without_time():
    request = parse_kvp(GET_TILE)
    assert request.time is None and request.dimensions == {}


def test_get_capabilities():
    request = parse_kvp(
        {"service": "wmts", "request": "GetCapabilities", "AcceptVersions": "1.0.0, 2.0.0"}
    )
    assert request == GetCapabilitiesRequest(("1.0.0", "2.0.0"))


@pytest.mark.parametrize(
    "missing",
    [
        "SERVICE",
        "REQUEST",
        "VERSION",
        "LAYER",
        "STYLE",
        "FORMAT",
        "TILEMATRIXSET",
        "TILEMATRIX",
        "TILEROW",
        "TILECOL",
    ],
)
def test_missing_parameters(missing):
    query = {k: v for k, v in GET_TILE.items() if k != missing}
    with pytest.raises(MissingParameter) as info:
        parse_kvp(query)
    assert info.value.locator.lower() == missing.lower()
    assert info.value.ows_code == "MissingParameterValue" and info.value.http_status == 400


@pytest.mark.parametrize(
    "name, value, error, code",
    [
        ("SERVICE", "WMS", InvalidParameter, "InvalidParameterValue"),
        ("VERSION", "2.0.0", InvalidParameter, "InvalidParameterValue"),
        ("TILEROW", "x", InvalidParameter, "InvalidParameterValue"),
        ("TILECOL", "-1", TileOutsideGrid, "TileOutOfRange"),
        ("REQUEST", "GetFeatureInfo", OperationNotSupported, "OperationNotSupported"),
    ],
)
def test_invalid_parameters(name, value, error, code):
    with pytest.raises(error) as info:
        parse_kvp({**GET_TILE, name: value})
    assert info.value.ows_code == code


def test_tile_matrix_that_is_not_a_zoom():
    request = parse_kvp({**GET_TILE, "TILEMATRIX": "EPSG:3857:6"})
    with pytest.raises(InvalidParameter):
        _ = request.zoom


def test_exception_report_for_a_tile_out_of_range():
    with pytest.raises(TileOutsideGrid) as info:
        WebMercatorQuad().check((0, 64, 6))
    error = info.value
    assert (error.ows_code, error.http_status, error.locator) == ("TileOutOfRange", 400, "TileRow")
    root = ET.fromstring(exception_report_xml(error))
    assert root.tag == f"{{{OWS_NS}}}ExceptionReport"
    exception = root.find(f"{{{OWS_NS}}}Exception")
    assert exception.get("exceptionCode") == "TileOutOfRange"
    assert exception.get("locator") == "TileRow"
    assert "64" in exception.find(f"{{{OWS_NS}}}ExceptionText").text


def test_unknown_zoom_is_an_invalid_tile_matrix():
    with pytest.raises(ZoomOutsideGrid) as info:
        WebMercatorQuad(max_zoom=18).check((0, 0, 19))
    assert info.value.ows_code == "InvalidParameterValue"
    assert info.value.locator == "TileMatrix"
    assert isinstance(info.value, TileOutsideGrid)


def test_exception_report_without_locator():
    root = ET.fromstring(exception_report_xml(TilesError("boom")))
    exception = root.find(f"{{{OWS_NS}}}Exception")
    assert exception.get("exceptionCode") == "NoApplicableCode"
    assert exception.get("locator") is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-01-01", "2024-01-01"),
        (np.datetime64("2024-01-11T10:30:00.000000000"), "2024-01-11T10:30:00Z"),
        (datetime(2024, 1, 21, 12), "2024-01-21T12:00:00Z"),
        (datetime(2024, 1, 21, 12, tzinfo=timezone(timedelta(hours=2))), "2024-01-21T10:00:00Z"),
        (date(2024, 2, 1), "2024-02-01"),
    ],
)
def test_format_time(value, expected):
    assert format_time(value) == expected


def test_format_time_rejects_other_values():
    with pytest.raises(TilesError):
        format_time(20240101)
