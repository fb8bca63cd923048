"""Synchronous processing: results, deadline, admission."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import requests

from tests.conftest import login
from tests.openapi import validate_response
from tests.server import RunningServer
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processing.sync import sync_slot

LOAD_S2 = {
    "load": {
        "process_id": "load_collection",
        "arguments": {
            "id": "S2_SMALL",
            "bands": ["B04"],
            "temporal_extent": ["2022-01-01", "2022-01-06"],
            "spatial_extent": {
                "west": 675000,
                "east": 675020,
                "south": 5155980,
                "north": 5156000,
                "crs": 32632,
            },
        },
    },
}


def post_result(base: str, graph: dict, headers: dict | None = None) -> requests.Response:
    return requests.post(
        base + "/result", json={"process": {"process_graph": graph}}, headers=headers
    )


def test_result_requires_authentication(server):
    base = server.url + "/openeo/1.2"
    graph = {"a": {"process_id": "add", "arguments": {"x": 1, "y": 1}, "result": True}}
    response = post_result(base, graph)
    assert response.status_code == 401
    assert response.json()["code"] == "AuthenticationRequired"


def test_scalar_result_is_json(server, auth_headers):
    base = server.url + "/openeo/1.2"
    response = post_result(
        base,
        {"a": {"process_id": "multiply", "arguments": {"x": 6, "y": 7}, "result": True}},
        auth_headers,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == 42
    validate_response(base, response)


@pytest.fixture(scope="module")
def cluster_server(server_config):
    """A server computing even the smallest synchronous request on its dask cluster."""
    config = {**server_config, "OpenEO": {**server_config["OpenEO"], "SyncLocalMaxInputValues": 0}}
    running = RunningServer(config).start()
    yield running
    running.stop()


@pytest.mark.parametrize("where", ["server process", "cluster"])
def test_cube_result_values(where, server, cluster_server, fixture_datasets):
    import xarray as xr

    running = server if where == "server process" else cluster_server
    base = running.url + "/openeo/1.2"
    auth_headers = login(running.url)
    graph = {
        **LOAD_S2,
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": "JSON"},
            "result": True,
        },
    }
    response = post_result(base, graph, auth_headers)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert [d["name"] for d in doc["dimensions"]] == ["t", "bands", "y", "x"] or {
        d["name"] for d in doc["dimensions"]
    } == {"t", "bands", "y", "x"}
    source = xr.open_zarr(fixture_datasets["S2_SMALL"])["B04"]
    expected = source.isel(time=0, y=slice(0, 2), x=slice(0, 2)).values * 0.0001
    order = [d["name"] for d in doc["dimensions"]]
    values = doc["data"]
    for name in order:  # walk down to the (y, x) block of the first date and band
        if name in ("t", "bands"):
            values = values[0]
    np.testing.assert_allclose(np.array(values, dtype=float), expected)


def test_invalid_graph_is_refused(server, auth_headers):
    base = server.url + "/openeo/1.2"
    response = post_result(
        base, {"a": {"process_id": "add", "arguments": {"x": 1}, "result": True}}, auth_headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "ProcessParameterRequired"
    response = requests.post(base + "/result", json={"process": {}}, headers=auth_headers)
    assert response.status_code == 400
    assert response.json()["code"] == "ProcessGraphMissing"
    validate_response(base, response)


def test_unknown_format_is_refused(server, auth_headers):
    base = server.url + "/openeo/1.2"
    graph = {
        **LOAD_S2,
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": "NOPE"},
            "result": True,
        },
    }
    response = post_result(base, graph, auth_headers)
    assert response.status_code == 400
    assert response.json()["code"] == "FormatUnsupported"


def test_admission_is_bounded(server, auth_headers):
    base = server.url + "/openeo/1.2"
    graph = {"a": {"process_id": "add", "arguments": {"x": 1, "y": 1}, "result": True}}
    with contextlib.ExitStack() as held:
        for _ in range(8):  # the test server allows the default, 8
            held.enter_context(sync_slot(8))
        response = post_result(base, graph, auth_headers)
        assert response.status_code == 503
        assert response.json()["code"] == "InfrastructureBusy"
        assert int(response.headers["Retry-After"]) > 0
        with pytest.raises(OpenEOError) as info:
            with sync_slot(8):
                pass
        assert info.value.code == "InfrastructureBusy"
    assert post_result(base, graph, auth_headers).status_code == 200


SAVE_S2_JSON = {
    **LOAD_S2,
    "save": {
        "process_id": "save_result",
        "arguments": {"data": {"from_node": "load"}, "format": "JSON"},
        "result": True,
    },
}


@contextlib.contextmanager
def server_with(server_config: dict, **openeo: object):
    """A server whose OpenEO configuration differs in ``openeo``: (base URL, headers)."""
    config = {**server_config, "OpenEO": {**server_config["OpenEO"], **openeo}}
    running = RunningServer(config).start()
    try:
        yield running.url + "/openeo/1.2", login(running.url)
    finally:
        running.stop()


@pytest.mark.server
@pytest.mark.parametrize("local_max", [0, 10**9], ids=["cluster", "server process"])
def test_deadline_cancels_the_computation(server_config, local_max):
    with server_with(server_config, SyncTimeout=0.001, SyncLocalMaxInputValues=local_max) as (
        base,
        auth_headers,
    ):
        response = post_result(base, SAVE_S2_JSON, auth_headers)
        assert response.status_code == 408, response.text
        assert response.json()["code"] == "RequestTimeout"
        # Results without anything to compute are not affected.
        scalar = post_result(
            base,
            {"a": {"process_id": "add", "arguments": {"x": 1, "y": 1}, "result": True}},
            auth_headers,
        )
        assert scalar.json() == 2


@pytest.mark.server
def test_size_budget_is_checked_before_computing(server_config):
    with server_with(server_config, SyncMaxInputValues=100) as (base, auth_headers):
        response = post_result(base, SAVE_S2_JSON, auth_headers)
        assert response.status_code == 400, response.text
        doc = response.json()
        assert doc["code"] == "ProcessGraphComplexity"
        assert "reads about" in doc["message"] and "values" in doc["message"]


@pytest.mark.server
def test_estimate_counts_the_chunks_read(fixture_datasets):
    import xarray as xr

    from xcube_openeo.execution.estimate import estimate

    ds = xr.open_zarr(fixture_datasets["S2_SMALL"]).chunk({"time": 1, "y": 10, "x": 10})
    for variable in ds.variables.values():
        variable.encoding.pop("chunks", None)
        variable.encoding.pop("preferred_chunks", None)
    ds.to_zarr(fixture_datasets["S2_SMALL"].parent / "rechunked.zarr", mode="w")
    ds = xr.open_zarr(fixture_datasets["S2_SMALL"].parent / "rechunked.zarr")
    subset = ds.B04.isel(time=slice(0, 2), y=slice(0, 15), x=slice(0, 5)) + ds.B08.isel(time=0)
    size = estimate(subset)
    # B04: 2 dates x 2 y-chunks x 1 x-chunk; B08: 1 date x 2 x 1; chunks of 10 x 10.
    assert size.input_values == (4 + 2) * 100
    assert size.input_bytes == size.input_values * 2
    assert size.output_values == 2 * 15 * 5
