"""What every raster writer (GTiff, netCDF, Zarr) must keep of a cube, checked once.

Each writer's test module subclasses :class:`RasterWriterContract` as ``Test...`` and
says how its files are read back (:meth:`RasterWriterContract.read`); the tests here then
run for that writer.  Format-specific behaviour stays in the module's own tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyproj
import pytest
import xarray as xr

from tests.formats.cubes import DATES, encoded_cube, period_cube, raster_cube
from xcube_openeo.engine.cube import DataCube
from xcube_openeo.formats import WrittenFile, load_formats

NUMERIC_TYPES = "int8 uint8 int16 uint16 int32 uint32 int64 uint64 float32 float64".split()


@dataclass
class ReadBack:
    """Written files as a reader sees them; arrays are (t, y, x), or (y, x) without time."""

    stored: dict[str, np.ndarray]  # band name -> values as stored
    physical: dict[str, np.ndarray]  # band name -> decoded values, NaN for no-data
    nodata: Any  # of the first band; None without one
    crs: pyproj.CRS | None
    times: list[str] | None  # RFC 3339 date-times, or labels as written (periods)

    @property
    def dtypes(self) -> set[np.dtype]:
        return {values.dtype for values in self.stored.values()}


def time_texts(labels: np.ndarray) -> list[str]:
    if np.issubdtype(labels.dtype, np.datetime64):
        return [pd.Timestamp(v).strftime("%Y-%m-%dT%H:%M:%SZ") for v in labels]
    return [str(v) for v in labels]


def read_cf(raw: xr.Dataset, decoded: xr.Dataset) -> ReadBack:
    """A ReadBack of a CF dataset (netCDF, Zarr), opened raw and decoded."""
    bands = [name for name in raw.data_vars if name != "crs"]
    fill = raw[bands[0]].attrs.get("_FillValue", raw[bands[0]].encoding.get("_FillValue"))
    return ReadBack(
        stored={name: raw[name].values for name in bands},
        physical={name: decoded[name].values for name in bands},
        nodata=fill,
        crs=pyproj.CRS.from_cf(raw.crs.attrs) if "crs" in raw else None,
        times=time_texts(raw.t.values) if "t" in raw.dims else None,
    )


def band_values(cube: DataCube, index: int) -> np.ndarray:
    return cube.data.isel(bands=index).values


class RasterWriterContract:
    """The contract; subclasses set ``format_name`` and implement :meth:`read`."""

    format_name: ClassVar[str]

    def read(self, directory: Path, files: list[WrittenFile]) -> ReadBack:
        raise NotImplementedError

    def write(self, cube: DataCube, directory: Path, name: str = "out") -> ReadBack:
        writer = load_formats().find_output(self.format_name)
        files = writer.write(cube, {}, str(directory), name)
        return self.read(directory, files)

    def test_values_and_band_names_round_trip(self, tmp_path: Path):
        cube = raster_cube(times=2, height=20, width=30, chunks=8)
        back = self.write(cube, tmp_path)
        assert list(back.stored) == ["B04", "B08"]
        assert back.dtypes == {np.dtype("float32")}
        for i, name in enumerate(["B04", "B08"]):
            np.testing.assert_array_equal(back.stored[name], band_values(cube, i))
            assert np.isnan(back.stored[name]).any()  # no-data (NaN) survives in place

    def test_time_labels_survive(self, tmp_path: Path):
        back = self.write(raster_cube(times=3, height=8, width=8), tmp_path)
        assert back.times == [f"{date}T00:00:00Z" for date in DATES]
        assert self.write(raster_cube(times=None), tmp_path, "still").times is None

    def test_period_labels_survive(self, tmp_path: Path):
        cube = period_cube()
        back = self.write(cube, tmp_path, "p")
        assert back.times == ["2022-001", "2022-002"]
        np.testing.assert_array_equal(back.stored["B04"], cube.data.values[:, 0])

    @pytest.mark.parametrize(("crs", "res"), [(32632, 10.0), (4326, 0.01)])
    def test_crs_survives(self, tmp_path: Path, crs: int, res: float):
        back = self.write(raster_cube(times=None, crs=crs, res=res), tmp_path)
        assert back.crs is not None and back.crs.to_epsg() == crs

    @pytest.mark.parametrize("dtype", NUMERIC_TYPES)
    def test_every_numeric_type_round_trips(self, tmp_path: Path, dtype: str):
        base = raster_cube(times=None, bands=("a",), height=20, width=20, crs=None)
        values = (np.arange(400).reshape(1, 20, 20) % 100).astype(dtype)
        nodata = 99 if dtype[0] in "iu" else None
        cube = DataCube(base.data.copy(data=values), base.dimensions, nodata=nodata)
        back = self.write(cube, tmp_path, "v")
        assert back.dtypes == {np.dtype(dtype)} and back.crs is None
        assert back.nodata == nodata or math.isnan(back.nodata)
        np.testing.assert_array_equal(back.stored["a"], values[0])

    def test_encoded_integers_keep_nodata_and_decode_to_physical_values(self, tmp_path: Path):
        cube = encoded_cube(times=1)
        back = self.write(cube, tmp_path)
        assert back.dtypes == {np.dtype("int16")} and back.nodata == 0
        np.testing.assert_array_equal(back.stored["B08"], band_values(cube, 1))
        physical = cube.masked_float().isel(bands=1).values
        np.testing.assert_allclose(back.physical["B08"], physical, rtol=1e-6, atol=1e-7)
