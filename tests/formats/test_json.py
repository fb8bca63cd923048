"""JSON: raster and vector cubes, arrays and scalars in the documented structure."""

from __future__ import annotations

import json

import numpy as np
import shapely.geometry

from tests.formats.cubes import encoded_cube, vector_cube
from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.formats import load_formats
from xcube_openeo.formats.writing import encode_response

JSON = load_formats().find_output("JSON")


def test_vector_cube_with_geojson_labels():
    cube = vector_cube()
    data, media_type, filename = encode_response(JSON, cube, {})
    assert media_type == "application/json" and filename == "result.json"
    doc = json.loads(data)
    assert doc["type"] == "datacube"
    geometry, time, bands = doc["dimensions"]
    assert geometry["type"] == "geometry" and geometry["reference_system"] == 32632
    for label, geom in zip(geometry["labels"], cube.data.geometry.values, strict=True):
        assert shapely.geometry.shape(label).equals(geom)
    assert time["labels"] == ["2022-01-01T00:00:00Z", "2022-01-06T00:00:00Z"]
    assert bands == {"name": "bands", "type": "bands", "labels": ["B04", "B08"]}
    expected = cube.data.values
    assert doc["data"][0][1][1] is None
    flat = np.array(doc["data"], dtype=float)
    np.testing.assert_array_equal(flat, expected)


def test_encoded_raster_cube_in_physical_values(tmp_path):
    cube = encoded_cube(times=1)
    (file,) = JSON.write(cube, {}, str(tmp_path), "cube")
    doc = json.loads((tmp_path / file.name).read_text())
    assert [d["name"] for d in doc["dimensions"]] == ["t", "bands", "y", "x"]
    assert doc["dimensions"][2]["reference_system"] == 32632
    values = np.array(doc["data"], dtype=float)
    np.testing.assert_allclose(values, cube.masked_float().values, atol=1e-7)
    assert file.size == (tmp_path / file.name).stat().st_size


def test_scalars_and_arrays():
    assert json.loads(encode_response(JSON, 42, {})[0]) == 42
    labeled = ArrayValue.from_list([1.0, None], labels=["a", "b"])
    assert json.loads(encode_response(JSON, labeled, {})[0]) == {
        "type": "labeled-array",
        "labels": ["a", "b"],
        "values": [1.0, None],
    }
