"""Collections are valid STAC 1.0.0 collections with the datacube extension.

Validated offline: with a local JSON schema of the STAC Collection core fields and the
datacube extension's dimension objects (written from the specifications' structure), and
by a round trip through pystac.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pystac
import pytest
import requests

SCHEMA = json.loads((Path(__file__).parent / "stac_collection_schema.json").read_text())


@pytest.fixture(scope="module")
def collections(server) -> dict[str, dict]:
    docs = requests.get(server.url + "/openeo/1.2/collections").json()["collections"]
    return {
        doc["id"]: requests.get(server.url + f"/openeo/1.2/collections/{doc['id']}").json()
        for doc in docs
    }


def test_schema_rejects_what_it_should():
    bad = {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": "x",
        "description": "d",
        "license": "l",
        "links": [],
        "extent": {"spatial": {"bbox": [[0, 0, 1]]}, "temporal": {"interval": [[None, None]]}},
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


@pytest.mark.parametrize("collection_id", ["S2_SMALL", "GLOBAL_SMALL"])
def test_collection_is_valid_stac(collections, collection_id):
    doc = collections[collection_id]
    jsonschema.validate(doc, SCHEMA)
    collection = pystac.Collection.from_dict(doc)
    assert collection.id == collection_id
    assert collection.extent.spatial.bboxes[0][0] < collection.extent.spatial.bboxes[0][2]


def test_s2_metadata_is_derived_from_the_dataset(collections):
    doc = collections["S2_SMALL"]
    dims = doc["cube:dimensions"]
    assert dims["x"] == {
        "type": "spatial",
        "axis": "x",
        "extent": [675000.0, 675400.0],
        "step": 10.0,
        "reference_system": 32632,
    }
    assert dims["y"]["extent"] == [5155700.0, 5156000.0]
    assert dims["t"]["extent"] == ["2022-01-01T00:00:00Z", "2022-01-26T00:00:00Z"]
    assert dims["t"]["step"] == "P5DT0H0M0S"
    assert dims["bands"]["values"] == ["B02", "B04", "B08"]
    eo_bands = doc["summaries"]["eo:bands"]
    assert eo_bands[1]["name"] == "B04" and eo_bands[1]["common_name"] == "red"
    assert eo_bands[1]["center_wavelength"] == pytest.approx(0.665)
    w, s, e, n = doc["extent"]["spatial"]["bbox"][0]
    assert 11.2 < w < e < 11.3 and 46.5 < s < n < 46.6  # UTM 32N near Bolzano
    assert doc["license"] == "CC-BY-4.0"
    assert doc["title"] == "Test dataset S2_SMALL"  # the server configuration wins


def test_global_metadata(collections):
    doc = collections["GLOBAL_SMALL"]
    assert doc["extent"]["spatial"]["bbox"] == [[-180.0, -90.0, 180.0, 90.0]]
    assert doc["cube:dimensions"]["x"]["reference_system"] == 4326
    assert doc["license"] == "proprietary"  # default when the dataset names none


@pytest.mark.parametrize("collection_id", ["S2_SMALL", "GLOBAL_SMALL"])
def test_loaded_cube_has_the_announced_dimensions(server, auth_headers, collections, collection_id):
    """What the metadata announces is what load_collection gives: names and band order."""
    dims = collections[collection_id]["cube:dimensions"]
    graph = {
        "load": {
            "process_id": "load_collection",
            "arguments": {"id": collection_id, "spatial_extent": None, "temporal_extent": None},
        },
        "labels": {
            "process_id": "dimension_labels",
            "arguments": {"data": {"from_node": "load"}, "dimension": "bands"},
            "result": True,
        },
    }
    response = requests.post(
        server.url + "/openeo/1.2/result",
        headers=auth_headers,
        json={"process": {"process_graph": graph}},
    )
    assert response.status_code == 200, response.text
    assert response.json() == dims["bands"]["values"]
    for name in ("x", "y", "t"):
        graph["labels"]["arguments"]["dimension"] = name
        response = requests.post(
            server.url + "/openeo/1.2/result",
            headers=auth_headers,
            json={"process": {"process_graph": graph}},
        )
        assert response.status_code == 200, (name, response.text)
        labels = response.json()
        if name == "t":
            assert (labels[0], labels[-1]) == tuple(dims["t"]["extent"])
        else:
            step = dims[name]["step"]
            low, high = dims[name]["extent"]
            assert min(labels) == pytest.approx(low + step / 2)
            assert max(labels) == pytest.approx(high - step / 2)
