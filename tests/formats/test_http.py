"""Formats through ``POST /result`` of a real server, downloaded with the openeo client."""

from __future__ import annotations

import io
import json
import tarfile

import numpy as np
import openeo
import pytest
import rasterio
import requests
import xarray as xr

S2_EXTENT = {"west": 675000, "east": 675200, "south": 5155800, "north": 5156000, "crs": 32632}


@pytest.fixture(scope="module")
def connection(server):
    from tests.conftest import TEST_PASSWORD, TEST_USER

    return openeo.connect(server.url, auto_validate=False).authenticate_basic(
        TEST_USER, TEST_PASSWORD
    )


@pytest.fixture(scope="module")
def source(fixture_datasets):
    """The fixture dataset's raw values in the requested extent (20 x 20 pixels)."""
    ds = xr.open_zarr(fixture_datasets["S2_SMALL"])
    return ds.sel(x=slice(675000, 675200), y=slice(5156000, 5155800))


def load(connection, dates=("2022-01-01", "2022-01-06")):
    return connection.load_collection(
        "S2_SMALL", spatial_extent=S2_EXTENT, temporal_extent=list(dates), bands=["B04", "B08"]
    )


def test_gtiff_download_is_a_cog_with_the_source_values(connection, source, tmp_path):
    path = tmp_path / "result.tif"
    load(connection).download(path, format="GTiff")
    with rasterio.open(path) as ds:
        assert ds.descriptions == ("B04", "B08")
        assert ds.dtypes == ("uint16", "uint16") and ds.nodata == 0
        assert ds.scales == (0.0001, 0.0001)
        assert ds.crs.to_epsg() == 32632
        assert tuple(ds.transform)[:6] == (10.0, 0.0, 675000.0, 0.0, -10.0, 5156000.0)
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        for i, band in enumerate(["B04", "B08"], start=1):
            np.testing.assert_array_equal(ds.read(i), source[band].isel(time=0).values)


def test_netcdf_download_has_time_and_bands(connection, source, tmp_path):
    path = tmp_path / "result.nc"
    load(connection, ("2022-01-01", "2022-01-11")).download(path, format="netCDF")
    with xr.open_dataset(path) as ds:
        assert ds.t.size == 2 and str(ds.t.values[1])[:10] == "2022-01-06"
        expected = source["B08"].isel(time=slice(0, 2)).values * 0.0001
        np.testing.assert_allclose(ds["B08"].values, expected, rtol=1e-6)
        assert ds["B08"].attrs["grid_mapping"] == "crs"


def test_several_time_steps_as_a_tar_of_cogs(server, auth_headers, source):
    graph = {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": "S2_SMALL",
                "spatial_extent": S2_EXTENT,
                "bands": ["B04"],
                "temporal_extent": ["2022-01-01", "2022-01-16"],
            },
        },
        "save": {
            "process_id": "save_result",
            "arguments": {
                "data": {"from_node": "load"},
                "format": "gtiff",
                "options": {"blocksize": 256},
            },
            "result": True,
        },
    }
    response = requests.post(
        server.url + "/openeo/1.2/result",
        headers=auth_headers,
        json={"process": {"process_graph": graph}},
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(response.content)) as tar:
        names = tar.getnames()
        assert names == [f"result_2022-01-{d}.tif" for d in ("01", "06", "11")]
        raw = tar.extractfile(names[1]).read()
    with rasterio.MemoryFile(raw) as mem, mem.open() as ds:
        np.testing.assert_array_equal(ds.read(1), source["B04"].isel(time=1).values)


def test_bad_format_option_is_a_client_error(server, auth_headers):
    graph = {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": "S2_SMALL",
                "spatial_extent": S2_EXTENT,
                "bands": ["B04"],
                "temporal_extent": ["2022-01-01", "2022-01-06"],
            },
        },
        "save": {
            "process_id": "save_result",
            "arguments": {
                "data": {"from_node": "load"},
                "format": "GTiff",
                "options": {"compression": "magic"},
            },
            "result": True,
        },
    }
    response = requests.post(
        server.url + "/openeo/1.2/result",
        headers=auth_headers,
        json={"process": {"process_graph": graph}},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "FormatArgumentInvalid"


def test_aggregate_spatial_as_geojson(connection, source):
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [
                [675000, 5155900],
                [675100, 5155900],
                [675100, 5156000],
                [675000, 5156000],
                [675000, 5155900],
            ]
        ],
    }
    geometries = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": polygon}],
    }
    # Geometries in GeoJSON are WGS 84: convert the UTM square.
    import pyproj
    import shapely.geometry

    to_wgs84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True).transform
    shape = shapely.transform(shapely.geometry.shape(polygon), to_wgs84, interleaved=False)
    geometries["features"][0]["geometry"] = shapely.geometry.mapping(shape)
    cube = load(connection).aggregate_spatial(json.loads(json.dumps(geometries)), "mean")
    doc = json.loads(cube.download(format="GeoJSON"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    props = doc["features"][0]["properties"]
    # The 10 x 10 pixels of the square (centres inside it), first date, scaled.
    block = source.isel(time=0, y=slice(0, 10), x=slice(0, 10))
    for band in ("B04", "B08"):
        assert props[f"2022-01-01T00:00:00Z|{band}"] == pytest.approx(
            float(block[band].mean()) * 0.0001
        )
    rows = cube.download(format="CSV").decode().splitlines()
    assert rows[0] == "id,geometry,t,B04,B08" and len(rows) == 2
    assert float(rows[1].split(",")[-2]) == pytest.approx(float(block["B04"].mean()) * 0.0001)


def test_file_formats_lists_exactly_the_writers(server):
    doc = requests.get(server.url + "/openeo/1.2/file_formats").json()
    assert set(doc["output"]) == {"GTiff", "netCDF", "Zarr", "JSON", "PNG", "CSV", "GeoJSON"}
    assert doc["output"]["PNG"]["parameters"]["colormap"]["default"] == "viridis"


def test_png_and_zarr_results(connection, source, tmp_path):
    cube = load(connection).filter_bands(["B08"])
    png = cube.download(format="PNG", options={"colormap": "gray", "min": 0, "max": 0.5})
    from PIL import Image

    from xcube_openeo_tiles.colormaps import get_colormap

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (20, 20)
    values = source["B08"].isel(time=0).values * 0.0001
    indices = np.rint(np.clip(values / 0.5, 0, 1) * 254).astype(int) + 1
    expected = get_colormap("gray").palette[indices]
    np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), expected)
    tar = cube.download(format="Zarr")
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(tmp_path, filter="data")
    ds = xr.open_zarr(tmp_path / "result.zarr")
    np.testing.assert_allclose(
        ds["B08"].isel(t=0).values, source["B08"].isel(time=0).values * 0.0001, rtol=1e-6
    )
