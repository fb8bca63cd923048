"""merge_cubes and resample_cube_spatial across grids: lazy, chunk-aligned, right values.

The other cube is resampled (nearest neighbour) onto the target's grid block by block:
the graph stays proportional to the target's chunks, and the values are those a plain
numpy nearest-neighbour search gives.
"""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
import pandas as pd
import pyproj
import pytest
import xarray as xr
from dask.core import flatten

from xcube_openeo.engine import DataCube, EvalEnv
from xcube_openeo.engine.cube import Dimension
from xcube_openeo.processes import REGISTRY

TIMES = pd.date_range("2022-06-01", periods=3, freq="D")


def call(pid: str, **kwargs: Any) -> Any:
    impl = REGISTRY.impls[pid]
    if impl.takes_env:
        kwargs.setdefault("env", EvalEnv())
    return impl.func(**kwargs)


def utm_cube(ny: int = 60, nx: int = 80) -> DataCube:
    """(t, bands, y, x) in EPSG:32632 at 10 m, in uneven chunks."""
    x = 675005.0 + 10 * np.arange(nx)
    y = 5155995.0 - 10 * np.arange(ny)
    rng = np.random.default_rng(3)
    data = xr.DataArray(
        rng.normal(size=(TIMES.size, 1, ny, nx)),
        dims=("t", "bands", "y", "x"),
        coords={"t": TIMES, "bands": ["B04"], "y": y, "x": x},
    ).chunk({"t": 1, "bands": 1, "y": 16, "x": 32})
    return DataCube(data, [
        Dimension("t", "temporal"), Dimension("bands", "bands"),
        Dimension("y", "spatial", "y", 32632, 10.0), Dimension("x", "spatial", "x", 32632, 10.0),
    ])  # fmt: skip


def lonlat_cube(target: DataCube, step: float, cover: float = 0.6) -> DataCube:
    """A lat/lon cube of ``step`` degrees over the west ``cover`` of the target's area
    (so that target pixels outside it have no source pixel), in small chunks."""
    xs, ys = target.data["x"].values, target.data["y"].values
    to_geo = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)
    west, south, east, north = to_geo.transform_bounds(xs.min(), ys.min(), xs.max(), ys.max())
    # Offset by a third of a cell: no target pixel centre halfway between two sources.
    lon = np.arange(west - 2 * step, west + cover * (east - west), step) + step / 3
    lat = np.arange(north + 2 * step, south - 2 * step, -step) - step / 3
    rng = np.random.default_rng(4)
    data = xr.DataArray(
        rng.uniform(250, 300, size=(TIMES.size, 1, lat.size, lon.size)),
        dims=("t", "bands", "y", "x"),
        coords={"t": TIMES, "bands": ["t2m"], "y": lat, "x": lon},
    ).chunk({"t": 2, "bands": 1, "y": max(lat.size // 5, 1), "x": max(lon.size // 4, 1)})
    return DataCube(data, [
        Dimension("t", "temporal"), Dimension("bands", "bands"),
        Dimension("y", "spatial", "y", 4326, step), Dimension("x", "spatial", "x", 4326, step),
    ])  # fmt: skip


def nearest_reference(source: DataCube, target: DataCube) -> np.ndarray:
    """Plain numpy: for every target pixel centre, the nearest source pixel (NaN if
    farther than half a source cell), for every time step: (t, y, x)."""
    values = source.data.isel(bands=0).values
    lon, lat = source.data["x"].values, source.data["y"].values
    step_x, step_y = abs(lon[1] - lon[0]), abs(lat[1] - lat[0])
    gx, gy = np.meshgrid(target.data["x"].values, target.data["y"].values)
    px, py = pyproj.Transformer.from_crs(32632, 4326, always_xy=True).transform(gx, gy)
    out = np.full((values.shape[0], *gx.shape), np.nan)
    for i in range(gx.shape[0]):
        for j in range(gx.shape[1]):
            ix = int(np.argmin(np.abs(lon - px[i, j])))
            iy = int(np.argmin(np.abs(lat - py[i, j])))
            if abs(lon[ix] - px[i, j]) <= step_x / 2 and abs(lat[iy] - py[i, j]) <= step_y / 2:
                out[:, i, j] = values[:, iy, ix]
    return out


def culled_tasks(array: xr.DataArray) -> int:
    graph = array.data.__dask_graph__()
    return len(graph.cull(set(flatten(array.data.__dask_keys__()))))


def chunk_count(array: xr.DataArray) -> int:
    return int(np.prod(array.data.numblocks))


# Coarser than the target (about 50 m: each source pixel feeds many target pixels) and
# finer (about 4 m: most source pixels are skipped).
@pytest.mark.parametrize("step", [0.0007, 0.00005], ids=["coarser", "finer"])
def test_merge_across_crs_is_chunk_aligned_and_nearest(step: float) -> None:
    target = utm_cube()
    other = lonlat_cube(target, step)
    merged = call("merge_cubes", cube1=target, cube2=other, overlap_resolver=None, context=None)
    assert merged.labels("bands") == ["B04", "t2m"]
    t2m = merged.data.sel(bands="t2m")
    # On the target's grid, in the target's spatial chunks.
    np.testing.assert_array_equal(t2m["x"].values, target.data["x"].values)
    np.testing.assert_array_equal(t2m["y"].values, target.data["y"].values)
    assert t2m.chunksizes["y"] == target.data.chunksizes["y"]
    assert t2m.chunksizes["x"] == target.data.chunksizes["x"]
    # Bounded graph: a few tasks per target chunk and source chunk, not per pixel (the
    # pointwise indexing this replaces made tens of thousands here).
    bound = 8 * chunk_count(merged.data) + 2 * chunk_count(other.data)
    assert culled_tasks(merged.data) <= bound
    with dask.config.set(scheduler="sync"):
        computed = t2m.values
    expected = nearest_reference(other, target)
    assert np.isnan(expected).any() and not np.isnan(expected).all()  # partly covered
    np.testing.assert_array_equal(np.isnan(computed), np.isnan(expected))
    np.testing.assert_allclose(computed, expected)
    np.testing.assert_allclose(
        merged.data.sel(bands="B04").values, target.data.sel(bands="B04").values
    )


def test_resample_cube_spatial_from_utm_to_lonlat_blocks() -> None:
    """The other direction (UTM source, lat/lon target), and integer data with no-data:
    it stays integer, pixels without a source pixel get the no-data value."""
    source = utm_cube(40, 40)
    ints = (source.data * 1000).round().astype("int16").fillna(0)
    source = DataCube(ints, source.dimensions, nodata=-9999)
    target = lonlat_cube(utm_cube(40, 40), 0.0002, cover=1.3)
    result = call("resample_cube_spatial", data=source, target=target, method="near")
    assert result.data.dtype == np.int16
    assert result.data.chunksizes["y"] == target.data.chunksizes["y"]
    values = result.data.isel(bands=0).values
    gx, gy = np.meshgrid(target.data["x"].values, target.data["y"].values)
    ux, uy = pyproj.Transformer.from_crs(4326, 32632, always_xy=True).transform(gx, gy)
    xs, ys = source.data["x"].values, source.data["y"].values
    src = source.data.isel(bands=0).values
    expected = np.full(values.shape, -9999, dtype=np.int16)
    for i in range(gx.shape[0]):
        for j in range(gx.shape[1]):
            ix, iy = int(np.argmin(np.abs(xs - ux[i, j]))), int(np.argmin(np.abs(ys - uy[i, j])))
            if abs(xs[ix] - ux[i, j]) <= 5 and abs(ys[iy] - uy[i, j]) <= 5:
                expected[:, i, j] = src[:, iy, ix]
    assert (expected == -9999).any() and (expected != -9999).any()
    np.testing.assert_array_equal(values, expected)


def test_merge_in_one_crs_at_another_resolution_stays_aligned() -> None:
    target = utm_cube()
    coarse = call(
        "resample_spatial",
        data=target,
        resolution=30,
        projection=None,
        method="near",
        align="upper-left",
    )
    coarse = DataCube(coarse.data.assign_coords(bands=["B08"]), coarse.dimensions)
    merged = call("merge_cubes", cube1=target, cube2=coarse, overlap_resolver=None, context=None)
    b08 = merged.data.sel(bands="B08")
    assert b08.chunksizes["x"] == target.data.chunksizes["x"]
    assert culled_tasks(merged.data) <= 8 * chunk_count(merged.data) + 2 * chunk_count(coarse.data)
    # Nearest of the 30 m grid: each coarse pixel covers 3 x 3 target pixels.
    c = coarse.data.isel(bands=0).values
    cx, cy = coarse.data["x"].values, coarse.data["y"].values
    tx, ty = target.data["x"].values, target.data["y"].values
    ix = np.abs(tx[:, None] - cx[None, :]).argmin(axis=1)
    iy = np.abs(ty[:, None] - cy[None, :]).argmin(axis=1)
    np.testing.assert_allclose(b08.values, c[:, iy][:, :, ix])


def test_merge_with_disjoint_labels_computes_nothing_while_evaluating() -> None:
    """Cubes that differ in bands and dates cannot overlap: no values are read to check."""
    target = utm_cube()
    other = lonlat_cube(target, 0.0007)
    shifted = other.data.assign_coords(t=other.data["t"].values + np.timedelta64(1, "D"))
    other = DataCube(shifted, other.dimensions)
    computed = []

    class Counting(dask.callbacks.Callback):
        def _start(self, dsk: Any) -> None:
            computed.append(len(dsk))

    with Counting():
        merged = call("merge_cubes", cube1=target, cube2=other, overlap_resolver=None, context=None)
    assert computed == []
    assert merged.data.sizes["t"] == 4
    assert merged.labels("bands") == ["B04", "t2m"]
