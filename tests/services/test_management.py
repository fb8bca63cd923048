"""Service management through the HTTP API: create, list, get, update, delete, logs."""

from __future__ import annotations

import pytest

from tests.openapi import validate_response
from tests.services.conftest import ServiceClient, ndvi_process


def test_service_types(services: ServiceClient):
    response = services.request("GET", "/service_types")
    validate_response(services.base, response)
    types = response.json()
    assert set(types) == {"XYZ", "WMTS"}
    wmts = types["WMTS"]
    assert {
        "colormap",
        "value_range",
        "tile_size",
        "format",
        "resampling",
        "tile_matrix_sets",
        "public",
    } <= set(wmts["configuration"])
    assert [p["name"] for p in wmts["process_parameters"]] == ["spatial_extent", "time"]
    assert [p["name"] for p in types["XYZ"]["process_parameters"]] == ["spatial_extent"]


def test_lifecycle(services: ServiceClient):
    config = {"colormap": "RdYlGn", "value_range": [-1, 1]}
    created = services.request(
        "POST",
        "/services",
        json={"type": "wmts", "process": ndvi_process(), "configuration": config, "title": "NDVI"},
    )
    validate_response(services.base, created)
    assert created.status_code == 201
    service_id = created.headers["OpenEO-Identifier"]
    assert created.headers["Location"].endswith(f"/services/{service_id}")

    response = services.request("GET", f"/services/{service_id}")
    validate_response(services.base, response)
    doc = response.json()
    assert doc["type"] == "WMTS" and doc["enabled"] is True and doc["title"] == "NDVI"
    assert doc["configuration"] == config and doc["process"] == ndvi_process()
    assert doc["attributes"]["layers"] == [service_id]
    assert len(doc["attributes"]["times"]) == 6 and doc["attributes"]["times"][0] == "2022-01-01"
    url = doc["url"]

    listing = services.request("GET", "/services")
    validate_response(services.base, listing)
    assert service_id in [s["id"] for s in listing.json()["services"]]

    patched = services.request(
        "PATCH",
        f"/services/{service_id}",
        json={"title": "NDVI 2", "enabled": False, "configuration": {"colormap": "viridis"}},
    )
    validate_response(services.base, patched)
    assert patched.status_code == 204
    doc = services.get(service_id)
    assert doc["title"] == "NDVI 2" and doc["enabled"] is False
    assert doc["configuration"] == {"colormap": "viridis"}
    assert doc["url"] == url  # the URL stays the same

    logs = services.request("GET", f"/services/{service_id}/logs")
    validate_response(services.base, logs)
    messages = [entry["message"] for entry in logs.json()["logs"]]
    assert messages[0].startswith("WMTS service created") and "updated" in messages[-1]

    deleted = services.request("DELETE", f"/services/{service_id}")
    validate_response(services.base, deleted)
    assert deleted.status_code == 204
    missing = services.request("GET", f"/services/{service_id}")
    validate_response(services.base, missing)
    assert missing.status_code == 404 and missing.json()["code"] == "ServiceNotFound"
    # Its map is gone too.
    import requests

    capabilities = requests.get(url, params={"SERVICE": "WMTS", "REQUEST": "GetCapabilities"})
    assert capabilities.status_code == 404 and b"ServiceNotFound" in capabilities.content


@pytest.mark.parametrize(
    "body, code",
    [
        ({"type": "WMS", "process": ndvi_process()}, "ServiceUnsupported"),
        (
            {"type": "XYZ", "process": ndvi_process(), "configuration": {"colormap": "nope"}},
            "ServiceConfigInvalid",
        ),
        (
            {"type": "XYZ", "process": ndvi_process(), "configuration": {"tile_size": 300}},
            "ServiceConfigInvalid",
        ),
        (
            {"type": "XYZ", "process": ndvi_process(), "configuration": {"version": "1.3.0"}},
            "ServiceConfigUnsupported",
        ),
        (
            {
                "type": "WMTS",
                "process": ndvi_process(),
                "configuration": {"tile_matrix_sets": ["UTM32"]},
            },
            "ServiceConfigInvalid",
        ),
        (
            {
                "type": "XYZ",
                "process": {
                    "process_graph": {
                        "a": {"process_id": "no_such_process", "arguments": {}, "result": True}
                    }
                },
            },
            "ProcessUnsupported",
        ),
        ({"type": "XYZ"}, "ProcessGraphMissing"),
        # Graphs that give no map: two bands, a number.
        (
            {
                "type": "XYZ",
                "process": {
                    "process_graph": {
                        "load": {
                            "process_id": "load_collection",
                            "arguments": {
                                "id": "SENTINEL2_L2A_DEMO",
                                "spatial_extent": None,
                                "temporal_extent": None,
                                "bands": ["B04", "B08"],
                            },
                            "result": True,
                        }
                    }
                },
            },
            "ProcessGraphInvalid",
        ),
        (
            {
                "type": "XYZ",
                "process": {
                    "process_graph": {
                        "a": {"process_id": "absolute", "arguments": {"x": -1}, "result": True}
                    }
                },
            },
            "ProcessGraphInvalid",
        ),
    ],
)
def test_invalid_services_are_refused(services: ServiceClient, body, code):
    response = services.request("POST", "/services", json=body)
    validate_response(services.base, response)
    assert response.status_code == 400 and response.json()["code"] == code, response.text


def test_patch_is_validated(services: ServiceClient):
    service_id = services.create("XYZ", ndvi_process())
    response = services.request(
        "PATCH", f"/services/{service_id}", json={"configuration": {"format": "gif"}}
    )
    validate_response(services.base, response)
    assert response.json()["code"] == "ServiceConfigInvalid"
    assert services.get(service_id)["configuration"] == {}


def test_anonymous_callers_are_refused(services: ServiceClient):
    import requests

    response = requests.get(services.base + "/services")
    validate_response(services.base, response)
    assert response.status_code == 401


def test_graphs_may_use_the_tile_extent_parameter(services: ServiceClient):
    import mercantile
    import requests

    from tests.services.conftest import S2_POINT

    process = ndvi_process()
    process["process_graph"]["load"]["arguments"]["spatial_extent"] = {
        "from_parameter": "spatial_extent"
    }
    service_id = services.create("XYZ", process, configuration={"value_range": [-1, 1]})
    tile = mercantile.tile(*S2_POINT, 14)
    url = services.get(service_id)["url"].format(z=tile.z, x=tile.x, y=tile.y)
    response = requests.get(url)
    assert response.status_code == 200, response.text
    undeclared = ndvi_process()
    undeclared["process_graph"]["load"]["arguments"]["spatial_extent"] = {
        "from_parameter": "no_such_parameter"
    }
    refused = services.request("POST", "/services", json={"type": "XYZ", "process": undeclared})
    assert refused.status_code == 400
