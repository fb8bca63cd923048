"""The discovery API against a real running server, validated against the openEO API."""

from __future__ import annotations

import logging

import pytest
import requests

from tests.openapi import validate_error_document, validate_response

DISCOVERY_PATHS = [
    "/",
    "/conformance",
    "/file_formats",
    "/udf_runtimes",
    "/service_types",
    "/collections",
    "/collections?limit=1",
    "/collections/S2_SMALL",
    "/collections/GLOBAL_SMALL",
    "/collections/S2_SMALL/queryables",
    "/processes",
    "/processes?limit=2",
]


@pytest.fixture(scope="module")
def base(server) -> str:
    return server.url + "/openeo/1.2"


@pytest.mark.parametrize("path", DISCOVERY_PATHS)
def test_responses_follow_the_openeo_api(base: str, path: str):
    response = requests.get(base + path)
    assert response.status_code == 200, response.text
    validate_response(base, response)
    assert response.headers["Content-Type"].startswith("application/")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/collections/NOPE", 404, "CollectionNotFound"),
        ("GET", "/collections/NOPE/queryables", 404, "CollectionNotFound"),
        ("GET", "/no/such/path", 404, "NotFound"),
        ("POST", "/no/such/path", 404, "NotFound"),
        ("PATCH", "/no/such/path", 404, "NotFound"),
        ("PATCH", "/collections", 405, "MethodNotAllowed"),
        ("DELETE", "/collections/S2_SMALL", 405, "MethodNotAllowed"),
        ("GET", "/processes?limit=0", 400, "BadRequest"),
        ("GET", "/collections?limit=x", 400, "BadRequest"),
        ("GET", "/collections?limit=1&next=%%%", 400, "BadRequest"),
    ],
)
def test_errors_are_openeo_errors(base: str, method: str, path: str, status: int, code: str):
    response = requests.request(method, base + path)
    assert response.status_code == status
    doc = response.json()
    assert doc["code"] == code
    assert doc["id"] and doc["message"]
    assert "Traceback" not in response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    validate_error_document(doc)
    if method == "GET" and path.startswith("/collections/"):
        validate_response(base, response)


def test_well_known_points_to_the_api(server, base: str):
    response = requests.get(server.url + "/.well-known/openeo")
    assert response.status_code == 200
    validate_response(server.url, response)
    from jsonschema import ValidationError

    with pytest.raises(ValidationError):  # the validation can fail
        validate_error_document({"message": "no code"})
    versions = response.json()["versions"]
    assert versions == [{"url": base + "/", "api_version": "1.2.0", "production": False}]


def test_capabilities_endpoints_are_the_registered_routes(base: str):
    from xcube_openeo.api import api

    caps = requests.get(base + "/").json()
    endpoints = {e["path"]: e["methods"] for e in caps["endpoints"]}
    assert endpoints["/collections/{collection_id}"] == ["GET"]
    assert endpoints["/validation"] == ["POST"]
    assert "/{path}" not in endpoints and "/.well-known/openeo" not in endpoints
    registered = {r.path.replace("{*", "{") for r in api.routes}
    for path in endpoints:
        assert "/openeo/1.2" + (path if path != "/" else "") in registered
    assert caps["api_version"] == "1.2.0"
    assert caps["conformsTo"] == requests.get(base + "/conformance").json()["conformsTo"]
    for link in caps["links"]:
        assert link["href"].startswith(base) or link["rel"] == "version-history"
        assert link["href"].startswith("http://127.0.0.1:")


def test_cors_and_options(base: str):
    response = requests.get(base + "/collections")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "OpenEO-Identifier", "OpenEO-Costs", "Link"} <= exposed
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    preflight = requests.options(
        base + "/validation",
        headers={"Origin": "https://editor.openeo.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert set(preflight.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert preflight.text == ""


def test_collections_pagination(base: str):
    first = requests.get(base + "/collections?limit=1").json()
    assert len(first["collections"]) == 1
    next_link = next(link for link in first["links"] if link["rel"] == "next")
    second = requests.get(next_link["href"]).json()
    assert len(second["collections"]) == 1
    assert second["collections"][0]["id"] != first["collections"][0]["id"]
    assert not any(link["rel"] == "next" for link in second["links"])
    everything = requests.get(base + "/collections").json()
    assert {c["id"] for c in everything["collections"]} == {"S2_SMALL", "GLOBAL_SMALL"}


def test_body_over_the_limit_is_refused(base: str):
    # The test configuration limits bodies to 64 KiB.
    response = requests.post(
        base + "/validation",
        data=b"{" + b" " * 70_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PayloadTooLarge"

    def chunks():
        for _ in range(20):
            yield b" " * 8192

    # Without Content-Length (chunked), the limit holds while streaming.
    response = requests.post(base + "/validation", data=chunks())
    assert response.status_code == 413


def test_invalid_json_is_a_bad_request(base: str):
    response = requests.post(base + "/validation", data=b"{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    response = requests.post(base + "/validation", data=b"[1, 2]")
    assert response.status_code == 200
    assert response.json()["errors"][0]["code"] == "ProcessGraphMissing"


def test_unexpected_errors_are_internal_with_logged_id(broken_server, caplog):
    base = broken_server.url + "/openeo/1.2"
    with caplog.at_level(logging.ERROR, logger="xcube.openeo"):
        response = requests.get(base + "/collections/BROKEN")
    assert response.status_code == 500
    doc = response.json()
    assert doc["code"] == "Internal"
    assert "Traceback" not in response.text and "Error" not in doc["message"].split()[0]
    assert any(doc["id"] in record.getMessage() for record in caplog.records)
    # The listing leaves the broken dataset out instead of failing.
    listing = requests.get(base + "/collections")
    assert listing.status_code == 200
    assert "BROKEN" not in {c["id"] for c in listing.json()["collections"]}


@pytest.mark.server
def test_internal_error_id_is_in_the_log_of_xcube_serve(tmp_path):
    """With the real `xcube serve`, whose logging setup is xcube's own."""
    import numpy as np
    import xarray as xr

    from tests.accounts.process_server import ServerProcess

    broken = tmp_path / "broken.zarr"
    xr.Dataset({"v": (("a", "b"), np.zeros((2, 2)))}).to_zarr(broken, mode="w")
    config = {
        "Datasets": [{"Identifier": "BROKEN", "Path": str(broken), "FileSystem": "file"}],
        "OpenEO": {"DataDir": str(tmp_path / "state"), "Dask": {"Processes": False}},
    }
    server = ServerProcess(config, tmp_path).start()
    try:
        response = requests.get(server.url + "/openeo/1.2/collections/BROKEN")
        assert response.status_code == 500
        error_id = response.json()["id"]
    finally:
        server.kill()
    log = server.log_path.read_text()
    assert f"Internal error {error_id}" in log
    assert "Traceback" not in response.text
