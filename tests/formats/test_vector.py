"""GeoJSON and CSV of vector cubes, read back with the standard library."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pyproj
import pytest
import shapely.geometry
import shapely.wkt

from tests.formats.cubes import raster_cube, vector_cube
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats import load_formats
from xcube_openeo.formats.writing import encode_response

FORMATS = load_formats()
GEOJSON = FORMATS.find_output("GeoJSON")
CSV = FORMATS.find_output("CSV")


def wgs84(cube):
    to_wgs84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True).transform
    return list(shapely.transform(cube.data.geometry.values, to_wgs84, interleaved=False))


def same(a, b):
    return (a is None and (b is None or math.isnan(b))) or a == pytest.approx(b)


def test_geojson_features_carry_values_per_date_and_band():
    cube = vector_cube()
    data, media_type, filename = encode_response(GEOJSON, cube, {})
    assert media_type == "application/geo+json" and filename == "result.geojson"
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection"
    assert doc["dimensions"] == [
        {
            "name": "t",
            "type": "temporal",
            "labels": ["2022-01-01T00:00:00Z", "2022-01-06T00:00:00Z"],
        },
        {"name": "bands", "type": "bands", "labels": ["B04", "B08"]},
    ]
    expected_geoms = wgs84(cube)
    assert len(doc["features"]) == 3
    for i, feature in enumerate(doc["features"]):
        assert feature["id"] == i
        geom = shapely.geometry.shape(feature["geometry"])
        assert geom.equals_exact(expected_geoms[i], 1e-9)
        assert 9 < geom.centroid.x < 10 and 50 < geom.centroid.y < 51  # lon/lat order
        for t, date in enumerate(["2022-01-01T00:00:00Z", "2022-01-06T00:00:00Z"]):
            for b, band in enumerate(["B04", "B08"]):
                assert same(feature["properties"][f"{date}|{band}"], cube.data.values[i, t, b])
    assert doc["features"][0]["properties"]["2022-01-06T00:00:00Z|B08"] is None  # no data


def test_geojson_bands_only_and_feature_properties(tmp_path):
    cube = vector_cube(crs=32632, with_time=False)
    cube = cube.with_data(cube.data.assign_coords(name=("geometry", ["a", "b", "c"])))
    (file,) = GEOJSON.write(cube, {"filename_prefix": "zonal"}, str(tmp_path), "ignored")
    assert file.name == "zonal.geojson"
    doc = json.loads((tmp_path / "zonal.geojson").read_text())
    props = [f["properties"] for f in doc["features"]]
    assert [p["name"] for p in props] == ["a", "b", "c"]
    assert set(props[1]) == {"name", "B04", "B08"}
    assert props[1]["B08"] is None  # no data
    assert props[2]["B04"] == cube.data.values[2, 0]


def test_csv_has_one_row_per_geometry_and_date():
    cube = vector_cube()
    data, media_type, _ = encode_response(CSV, cube, {})
    assert media_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert list(rows[0]) == ["id", "geometry", "t", "B04", "B08"]
    assert len(rows) == 6
    geoms = wgs84(cube)
    for row in rows:
        i = int(row["id"])
        t = ["2022-01-01T00:00:00Z", "2022-01-06T00:00:00Z"].index(row["t"])
        assert shapely.wkt.loads(row["geometry"]).equals_exact(geoms[i], 1e-6)
        for b, band in enumerate(["B04", "B08"]):
            expected = cube.data.values[i, t, b]
            if np.isnan(expected):
                assert row[band] == ""
            else:
                assert float(row[band]) == expected


def test_csv_without_bands_has_a_value_column():
    cube = vector_cube(with_time=True)
    cube = cube.with_data(
        cube.data.isel(bands=0, drop=True), [d for d in cube.dimensions if d.name != "bands"]
    )
    rows = list(csv.DictReader(io.StringIO(encode_response(CSV, cube, {})[0].decode())))
    assert list(rows[0]) == ["id", "geometry", "t", "value"]
    assert float(rows[1]["value"]) == cube.data.values[0, 1]


@pytest.mark.parametrize("fmt", [GEOJSON, CSV])
def test_raster_cubes_and_scalars_are_refused(fmt):
    for value in (raster_cube(times=None), 1.5):
        with pytest.raises(OpenEOError) as e:
            encode_response(fmt, value, {})
        assert e.value.code == "FormatUnsuitable"


@pytest.mark.parametrize("fmt_name", ["GTiff", "netCDF", "Zarr", "PNG"])
def test_raster_formats_refuse_vector_cubes(fmt_name, tmp_path):
    with pytest.raises(OpenEOError) as e:
        FORMATS.find_output(fmt_name).write(vector_cube(), {}, str(tmp_path), "out")
    assert e.value.code == "FormatUnsuitable" and "GeoJSON" in e.value.message


def test_bands_come_last_whatever_the_cube_order():
    cube = vector_cube()
    data = cube.data.transpose("geometry", "bands", "t")
    swapped = cube.with_data(data)
    doc = json.loads(encode_response(GEOJSON, swapped, {})[0])
    assert [d["name"] for d in doc["dimensions"]] == ["t", "bands"]
    assert doc["features"][2]["properties"]["2022-01-06T00:00:00Z|B04"] == data.values[2, 0, 1]
    rows = list(csv.DictReader(io.StringIO(encode_response(CSV, swapped, {})[0].decode())))
    assert list(rows[0]) == ["id", "geometry", "t", "B04", "B08"]
    assert float(rows[5]["B04"]) == data.values[2, 0, 1]


def test_input_feature_properties_become_columns():
    """aggregate_spatial keeps each feature's properties (a dict per geometry)."""
    cube = vector_cube(with_time=False)
    props = np.empty(3, dtype=object)
    props[:] = [{"field": "A", "crop": "maize"}, {"field": "B"}, {}]
    cube = cube.with_data(cube.data.assign_coords(properties=("geometry", props)))
    rows = list(csv.DictReader(io.StringIO(encode_response(CSV, cube, {})[0].decode())))
    assert list(rows[0]) == ["id", "geometry", "field", "crop", "B04", "B08"]
    assert [(r["field"], r["crop"]) for r in rows] == [("A", "maize"), ("B", ""), ("", "")]
    doc = json.loads(encode_response(GEOJSON, cube, {})[0])
    assert doc["features"][0]["properties"]["crop"] == "maize"
    assert "properties" not in doc["features"][0]["properties"]
