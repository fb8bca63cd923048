"""netCDF: written files are opened with xarray (CF decoding) and compared with the cube."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
import xarray as xr
from xcube.core.gridmapping import GridMapping

from tests.formats.cubes import encoded_cube, raster_cube
from tests.formats.raster_contract import RasterWriterContract, ReadBack, read_cf
from xcube_openeo.engine.cube import DataCube, Dimension
from xcube_openeo.formats import WrittenFile, load_formats

NETCDF = load_formats().find_output("netCDF")


def test_bands_become_cf_variables_with_crs_and_time(tmp_path):
    cube = raster_cube(times=3, height=45, width=33, chunks=(1, 1, 10, 33))
    (file,) = NETCDF.write(cube, {}, str(tmp_path), "out")
    assert file.name == "out.nc" and file.media_type == "application/netcdf"
    assert file.size == (tmp_path / "out.nc").stat().st_size
    with xr.open_dataset(tmp_path / "out.nc") as ds:
        assert set(ds.data_vars) == {"B04", "B08", "crs"}
        assert ds.attrs["Conventions"].startswith("CF-")
        for i, band in enumerate(["B04", "B08"]):
            var = ds[band]
            assert var.dims == ("t", "y", "x")
            assert var.attrs["grid_mapping"] == "crs" and var.attrs["long_name"] == band
            np.testing.assert_array_equal(var.values, cube.data.values[:, i])
        assert ds.t.encoding["units"].split(" since ")[0] in ("days", "hours", "seconds")
        assert list(ds.t.values) == list(pd.to_datetime(["2022-01-01", "2022-01-06", "2022-01-11"]))
        assert ds.x.attrs["standard_name"] == "projection_x_coordinate"
        assert ds.y.attrs["units"] == "metre"
        np.testing.assert_array_equal(ds.x.values, cube.data.x.values)
        assert pyproj.CRS.from_cf(ds.crs.attrs).to_epsg() == 32632
        gm = GridMapping.from_dataset(ds)
        assert gm.crs.to_epsg() == 32632
        assert gm.xy_res == (10.0, 10.0)
        assert gm.size == (33, 45)
    stats = file.raster_bands[1]["statistics"]
    valid = cube.data.values[:, 1][np.isfinite(cube.data.values[:, 1])]
    assert stats["maximum"] == pytest.approx(valid.max())
    assert stats["valid_percent"] == pytest.approx(100 * valid.size / cube.data.values[:, 1].size)


def test_encoded_integers_decode_to_physical_values(tmp_path):
    cube = encoded_cube()
    NETCDF.write(cube, {"compression_level": 9}, str(tmp_path), "out")
    with xr.open_dataset(tmp_path / "out.nc") as ds:
        assert ds.B04.encoding["dtype"] == np.int16
        assert ds.B04.encoding["zlib"] is True
        np.testing.assert_allclose(ds.B04.values, cube.masked_float().values[:, 0], rtol=1e-6)
    with xr.open_dataset(tmp_path / "out.nc", mask_and_scale=False) as raw:
        np.testing.assert_array_equal(raw.B08.values, cube.data.values[:, 1])
        assert raw.B08.attrs["_FillValue"] == 0


def test_other_dimensions_and_odd_band_names(tmp_path):
    base = raster_cube(times=None, bands=("x", "B 8/a"))
    data = base.data.expand_dims(level=[10, 20])
    cube = DataCube(data, [Dimension("level", "other"), *base.dimensions])
    NETCDF.write(cube, {"compression_level": 0}, str(tmp_path), "out")
    with xr.open_dataset(tmp_path / "out.nc") as ds:
        assert set(ds.data_vars) == {"x_2", "B_8_a", "crs"}
        assert ds.x_2.attrs["long_name"] == "x"
        assert ds.B_8_a.dims == ("level", "y", "x")
        assert list(ds.level.values) == [10, 20]
        np.testing.assert_array_equal(ds.B_8_a.values, data.values[:, 1])


def test_cube_without_space_and_with_geographic_crs(tmp_path):
    series = raster_cube(times=3, bands=("a",)).data.isel(x=0, y=0, drop=True)
    cube = DataCube(series, [Dimension("t", "temporal"), Dimension("bands", "bands")])
    NETCDF.write(cube, {}, str(tmp_path), "series")
    with xr.open_dataset(tmp_path / "series.nc") as ds:
        assert "crs" not in ds
        np.testing.assert_array_equal(ds.a.values, series.values[:, 0])
    geo = raster_cube(times=None, crs=4326, res=0.01)
    NETCDF.write(geo, {}, str(tmp_path), "geo")
    with xr.open_dataset(tmp_path / "geo.nc") as ds:
        assert ds.x.attrs["standard_name"] == "longitude"
        assert GridMapping.from_dataset(ds).crs.is_geographic


def test_dimension_without_labels(tmp_path):
    base = raster_cube(times=None, bands=("a",), height=6, width=5)
    data = base.data.expand_dims(member=3)  # no coordinate: labels are 0, 1, 2
    cube = DataCube(data, [Dimension("member", "other"), *base.dimensions])
    NETCDF.write(cube, {}, str(tmp_path), "m")
    with xr.open_dataset(tmp_path / "m.nc") as ds:
        assert ds.a.dims == ("member", "y", "x") and ds.sizes["member"] == 3
        np.testing.assert_array_equal(ds.a.values, data.values[:, 0])
    load_formats().find_output("Zarr").write(cube, {}, str(tmp_path), "m")
    stored = xr.open_zarr(tmp_path / "m.zarr")
    assert stored.a.dims == ("member", "y", "x")
    np.testing.assert_array_equal(stored.a.values, data.values[:, 0])


class TestNetCDFWriter(RasterWriterContract):
    format_name = "netCDF"

    def read(self, directory: Path, files: list[WrittenFile]) -> ReadBack:
        (file,) = files
        path = directory / file.name
        with xr.open_dataset(path, mask_and_scale=False) as raw, xr.open_dataset(path) as decoded:
            return read_cf(raw.load(), decoded.load())
