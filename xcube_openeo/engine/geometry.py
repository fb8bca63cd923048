"""Pixel geometry that loading and the cube processes share: coordinate reference
systems, reprojected geometries, pixel masks and selection by position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyproj
import shapely
import xarray as xr

from ..errors import OpenEOError, ProcessParameterInvalid
from .cube import DataCube


def to_crs(crs: Any) -> pyproj.CRS:
    try:
        if isinstance(crs, int | np.integer):
            return pyproj.CRS.from_epsg(int(crs))
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as e:
        raise ProcessParameterInvalid(f"Unknown coordinate reference system {crs!r}.") from e


def cube_crs(cube: DataCube) -> pyproj.CRS:
    crs = cube.crs
    return crs if crs is not None else pyproj.CRS.from_epsg(4326)


def reproject_geometry(
    geom: shapely.Geometry, source: pyproj.CRS, target: pyproj.CRS
) -> shapely.Geometry:
    if source == target:
        return geom
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(
        geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def pixel_mask(cube: DataCube, geom: shapely.Geometry, geom_crs: pyproj.CRS) -> xr.DataArray:
    """Boolean (y, x) array: True where the pixel centre lies in ``geom``.

    Computed eagerly on the (small) coordinate grid only, never on the data.
    """
    x_name, y_name = cube.x_dim, cube.y_dim
    if x_name is None or y_name is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    geom = reproject_geometry(geom, geom_crs, cube_crs(cube))
    xs = np.asarray(cube.data[x_name].values, dtype=float)
    ys = np.asarray(cube.data[y_name].values, dtype=float)
    gx, gy = np.meshgrid(xs, ys)
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, gx, gy) | shapely.intersects_xy(geom, gx, gy)
    return xr.DataArray(inside, dims=(y_name, x_name), coords={y_name: ys, x_name: xs})


def as_slice(positions: np.ndarray | Sequence[int]) -> slice | np.ndarray:
    """Consecutive positions as a slice (cheaper for dask than an index array)."""
    positions = np.asarray(positions)
    if positions.size == 0:
        return slice(0, 0)
    if positions.size == 1 or np.all(np.diff(positions) == 1):
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def isel_cube(cube: DataCube, indexers: dict[str, Any]) -> DataCube:
    """Select positions along dimensions, keeping metadata and encoding."""
    indexers = {
        k: as_slice(v) if isinstance(v, np.ndarray | list) else v for k, v in indexers.items()
    }
    return cube.with_data(cube.data.isel(indexers))
