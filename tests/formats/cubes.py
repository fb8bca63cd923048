"""Small test cubes for the output formats (lazy, dask-backed, deterministic values)."""

from __future__ import annotations

import dask.array as da
import numpy as np
import shapely.geometry
import xarray as xr

from xcube_openeo.engine.cube import DataCube, Dimension, make_cube

DATES = ["2022-01-01", "2022-01-06", "2022-01-11"]


def raster_values(
    shape: tuple[int, ...], dtype: str = "float32", with_nan: bool = True
) -> np.ndarray:
    """Distinct values per pixel (so that any misplacement shows), some NaN."""
    values = (np.arange(np.prod(shape), dtype=np.float64).reshape(shape) % 9973) / 10.0
    if with_nan:
        values.ravel()[::17] = np.nan
    return values.astype(dtype)


def raster_cube(
    times: int | None = 2,
    bands: tuple[str, ...] | None = ("B04", "B08"),
    height: int = 40,
    width: int = 60,
    chunks: int = 16,
    y_ascending: bool = False,
    crs: int | str | None = 32632,
    res: float = 10.0,
    values: np.ndarray | None = None,
) -> DataCube:
    dims: list[Dimension] = []
    coords: dict = {}
    shape: list[int] = []
    if times is not None:
        dims.append(Dimension("t", "temporal"))
        coords["t"] = DATES[:times]
        shape.append(times)
    if bands is not None:
        dims.append(Dimension("bands", "bands"))
        coords["bands"] = list(bands)
        shape.append(len(bands))
    dims += [Dimension("y", "spatial", "y", crs, res), Dimension("x", "spatial", "x", crs, res)]
    x = 500000.0 + res * np.arange(width) + res / 2
    y = 5600000.0 - res * np.arange(height) - res / 2
    coords["y"] = y[::-1] if y_ascending else y
    coords["x"] = x
    shape += [height, width]
    if values is None:
        values = raster_values(tuple(shape))
    data = xr.DataArray(da.from_array(values, chunks=chunks), dims=[d.name for d in dims])
    return make_cube(data, dims, coords)


def encoded_cube(times: int = 2) -> DataCube:
    """int16 reflectances with no-data 0, scale 0.0001 and offset -0.1."""
    shape = (times, 2, 30, 20)
    values = (np.arange(np.prod(shape)).reshape(shape) % 3000).astype(np.int16)
    cube = raster_cube(times, ("B04", "B08"), 30, 20, chunks=8, values=values)
    return DataCube(cube.data, cube.dimensions, nodata=0, scale=0.0001, offset=-0.1)


def vector_cube(crs: int = 32632, with_time: bool = True) -> DataCube:
    """Three polygons (in UTM 32N), optionally two dates, two bands; one no-data value."""
    boxes = [
        shapely.geometry.box(500000 + i * 100, 5600000, 500050 + i * 100, 5600050) for i in range(3)
    ]
    geometries = np.empty(3, dtype=object)
    geometries[:] = boxes
    dims = [Dimension("geometry", "geometry", crs=crs)]
    coords: dict = {"geometry": geometries}
    shape = [3]
    if with_time:
        dims.append(Dimension("t", "temporal"))
        coords["t"] = DATES[:2]
        shape.append(2)
    dims.append(Dimension("bands", "bands"))
    coords["bands"] = ["B04", "B08"]
    shape.append(2)
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 4
    values.ravel()[3] = np.nan
    return make_cube(values, dims, coords)


def period_cube() -> DataCube:
    """Two time steps labelled with periods (as aggregate_temporal_period gives them)."""
    cube = raster_cube(times=2, bands=("B04",), height=12, width=10, chunks=6)
    labels = np.array(["2022-001", "2022-002"], dtype=object)
    return cube.with_data(cube.data.assign_coords(t=labels))
