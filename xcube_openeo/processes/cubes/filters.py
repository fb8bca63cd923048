"""Filters: filter_bands, filter_bbox, filter_temporal, filter_spatial, filter_labels.

A filter applied to a cube fresh from ``load_collection`` (``cube.source``) narrows
the load request instead of the array, so only the needed data is ever addressed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj

from ...engine.cube import DataCube
from ...engine.geometry import cube_crs, isel_cube, pixel_mask, reproject_geometry
from ...engine.load import build_cube, mask_where
from ...engine.registry import process
from ...errors import OpenEOError
from ._util import as_list, band_index, geometry_from_geojson, temporal_bounds, transform_bbox
from .io import narrow_spatially
from .vector import union_of_geometries


@process("filter_bands")
def filter_bands(data: DataCube, bands: Any, wavelengths: Any) -> DataCube:
    band_list = as_list(bands) or []
    wavelength_list = as_list(wavelengths) or []
    if not band_list and not wavelength_list:
        raise OpenEOError("BandFilterParameterMissing", "Neither bands nor wavelengths given.")
    names = data.names_of_type("bands")
    if not names:
        raise OpenEOError("DimensionMissing", "The data cube has no bands dimension.")
    dim = names[0]
    labels = data.labels(dim)
    # Band metadata holds no wavelengths, so only names (in the requested order) select.
    found = [band_index(data, dim, b) for b in band_list]
    positions = [p for p in found if p is not None]
    if data.source is not None:
        selected = tuple(labels[p] for p in positions)
        return build_cube(data.source.refine(bands=selected))
    return isel_cube(data, {dim: positions})


@process("filter_bbox")
def filter_bbox(data: DataCube, extent: dict[str, Any]) -> DataCube:
    if data.source is not None:
        return build_cube(narrow_spatially(data.source, extent, cube_crs(data)))
    x_dim, y_dim = data.x_dim, data.y_dim
    if x_dim is None or y_dim is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    west, south, east, north = transform_bbox(extent, cube_crs(data))
    return isel_cube(
        data,
        {
            x_dim: _cells_within(data, x_dim, west, east),
            y_dim: _cells_within(data, y_dim, south, north),
        },
    )


def _cells_within(cube: DataCube, dim: str, low: float, high: float) -> np.ndarray:
    """Positions of cells whose centre label lies within [low, high]."""
    coords = np.asarray(cube.data[dim].values, dtype=float)
    return np.nonzero((coords >= low) & (coords <= high))[0]


@process("filter_temporal")
def filter_temporal(data: DataCube, extent: Any, dimension: str | None) -> DataCube:
    start, end = temporal_bounds(extent)
    if dimension is not None:
        if data.dimension(dimension).type != "temporal":
            raise OpenEOError("DimensionNotAvailable", f"Dimension {dimension!r} is not temporal.")
        dims = [dimension]
    else:
        dims = data.names_of_type("temporal")
        if not dims:
            raise OpenEOError("DimensionNotAvailable", "The data cube has no temporal dimension.")
    if data.source is not None and dims == ["t"]:
        if data.source.time_range is not None:  # narrow the earlier range
            old_start, old_end = data.source.time_range
            start = (
                old_start
                if start is None
                else start
                if old_start is None
                else max(start, old_start)
            )
            end = old_end if end is None else end if old_end is None else min(end, old_end)
        return build_cube(data.source.refine(time_range=(start, end)))
    indexers = {}
    for dim in dims:
        times = data.data[dim].values
        keep = np.ones(times.shape, bool)
        if start is not None:
            keep &= times >= start
        if end is not None:
            keep &= times < end
        indexers[dim] = np.nonzero(keep)[0]
    return isel_cube(data, indexers)


@process("filter_spatial")
def filter_spatial(data: DataCube, geometries: Any) -> DataCube:
    if isinstance(geometries, DataCube):
        geom, crs = union_of_geometries(geometries)
    else:
        geom, crs = geometry_from_geojson(geometries), pyproj.CRS.from_epsg(4326)
    if data.source is not None and crs.to_epsg() == 4326:
        return build_cube(narrow_spatially(data.source, geom.__geo_interface__, cube_crs(data)))
    local = reproject_geometry(geom, crs, cube_crs(data))
    west, south, east, north = local.bounds
    x_dim, y_dim = data.x_dim, data.y_dim
    assert x_dim is not None and y_dim is not None  # a raster cube: it has both
    cropped = isel_cube(
        data,
        {
            x_dim: _cells_within(data, x_dim, west, east),
            y_dim: _cells_within(data, y_dim, south, north),
        },
    )
    return mask_where(cropped, ~pixel_mask(cropped, geom, crs))


@process("filter_labels")
def filter_labels(data: DataCube, condition: Any, dimension: str, context: Any) -> DataCube:
    labels = data.labels(dimension)
    # The condition runs once per label (labels are few), never per pixel.
    keep = [i for i, label in enumerate(labels) if condition(value=label, context=context) is True]
    return isel_cube(data, {dimension: keep})
