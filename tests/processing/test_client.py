"""The openeo Python client downloads results and runs batch jobs."""

from __future__ import annotations

import json

import numpy as np
import openeo
import pytest
import rasterio
import xarray as xr

from tests.conftest import TEST_PASSWORD, TEST_USER

EXTENT = {"west": 675000, "east": 675100, "south": 5155900, "north": 5156000, "crs": "EPSG:32632"}


@pytest.fixture(scope="module")
def connection(server) -> openeo.Connection:
    connection = openeo.connect(server.url, auto_validate=False)
    connection.authenticate_basic(TEST_USER, TEST_PASSWORD)
    return connection


def _expected_ndvi(fixture_datasets, dates: slice) -> xr.DataArray:
    ds = (
        xr.open_zarr(fixture_datasets["S2_SMALL"])
        .sel(time=dates)
        .isel(y=slice(0, 10), x=slice(0, 10))
    )
    red, nir = ds.B04 * 0.0001, ds.B08 * 0.0001
    return (nir - red) / (nir + red)


def _ndvi_cube(connection: openeo.Connection, dates: list[str]):
    cube = connection.load_collection(
        "S2_SMALL", spatial_extent=EXTENT, temporal_extent=dates, bands=["B04", "B08"]
    )
    return cube.ndvi(red="B04", nir="B08")


def test_download_gtiff(connection, fixture_datasets, tmp_path):
    cube = _ndvi_cube(connection, ["2022-01-01", "2022-01-02"])
    path = tmp_path / "ndvi.tif"
    cube.download(path, format="GTiff")
    expected = _expected_ndvi(fixture_datasets, slice("2022-01-01", "2022-01-01"))
    with rasterio.open(path) as tif:
        assert tif.crs.to_epsg() == 32632
        assert tif.bounds.left == 675000 and tif.bounds.top == 5156000
        np.testing.assert_allclose(
            tif.read(1), expected.isel(time=0).values, rtol=0, atol=1e-6
        )  # float32 results


def test_download_netcdf(connection, fixture_datasets, tmp_path):
    cube = _ndvi_cube(connection, ["2022-01-01", "2022-01-12"])
    path = tmp_path / "ndvi.nc"
    cube.download(path, format="netCDF")
    expected = _expected_ndvi(fixture_datasets, slice("2022-01-01", "2022-01-11"))
    with xr.open_dataset(path) as ds:
        variable = next(v for v in ds.data_vars if ds[v].ndim >= 2)
        values = ds[variable].transpose(..., "y", "x").values.reshape(expected.shape)
        np.testing.assert_allclose(values, expected.values, rtol=0, atol=1e-6)  # float32 results


def test_download_json_of_a_reduction(connection, fixture_datasets, tmp_path):
    cube = _ndvi_cube(connection, ["2022-01-01", "2022-01-31"]).reduce_dimension(
        dimension="t", reducer="max"
    )
    path = tmp_path / "ndvi.json"
    cube.download(path, format="JSON")
    doc = json.loads(path.read_text())
    expected = _expected_ndvi(fixture_datasets, slice("2022-01-01", "2022-01-31")).max("time")
    assert doc["type"] == "datacube"
    data = np.array(doc["data"], dtype=float).reshape(expected.shape)
    np.testing.assert_allclose(data, expected.values, rtol=0, atol=1e-6)  # float32 results


def test_execute_batch(connection, fixture_datasets, tmp_path):
    cube = _ndvi_cube(connection, ["2022-01-01", "2022-01-12"])
    job = cube.create_job(out_format="GTiff", title="client batch")
    job.start_and_wait(print=lambda *_: None, max_poll_interval=0.5)
    assert job.status() == "finished"
    paths = job.get_results().download_files(tmp_path)
    tifs = sorted(p for p in paths if p.suffix == ".tif")
    assert len(tifs) == 3
    expected = _expected_ndvi(fixture_datasets, slice("2022-01-01", "2022-01-11"))
    for index, tif_path in enumerate(tifs):
        with rasterio.open(tif_path) as tif:
            np.testing.assert_allclose(
                tif.read(1), expected.isel(time=index).values, rtol=0, atol=1e-6
            )  # float32 results
    logs = job.logs()
    assert any("finished" in entry.message for entry in logs)
