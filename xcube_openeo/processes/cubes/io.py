"""Getting data in and out: load_collection, save_result, inspect, create_data_cube."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyproj
import shapely.geometry
import xarray as xr

from ...engine.cube import DataCube
from ...engine.geometry import reproject_geometry, to_crs
from ...engine.load import LoadRequest, build_cube, dataset_structure, level_grid_mapping
from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from ._util import as_list, geometry_from_geojson, temporal_bounds, transform_bbox


@process("load_collection")
def load_collection(
    id: str,
    spatial_extent: Any,
    temporal_extent: Any,
    bands: Any,
    properties: Any,
    env: Any,
) -> DataCube:
    ml_dataset = env.collections.get_ml_dataset(id)
    # Level 0 (full resolution) unless a later resampling asks for less.
    dataset = ml_dataset.get_dataset(0)
    request = LoadRequest(id, dataset, ml_dataset=ml_dataset, level=0)
    gm, _time_dim, all_bands = dataset_structure(dataset, level_grid_mapping(request))
    band_list = as_list(bands)
    if band_list is not None:
        request = request.refine(bands=tuple(resolve_bands(band_list, dataset, all_bands)))
    window = _read_window(env.collections, id)
    if window is not None and (spatial_extent is None or _is_tile_extent(spatial_extent, window)):
        spatial_extent, window = window.extent, None
    if spatial_extent is not None:
        request = narrow_spatially(request, spatial_extent, gm.crs)
    if temporal_extent is not None:
        request = request.refine(time_range=temporal_bounds(temporal_extent))
    if properties:
        request = request.refine(accepted=_properties_accepted(properties, dataset))
    cube = build_cube(request)
    empty = [d for d in cube.dim_names if d != "bands" and cube.data.sizes[d] == 0]
    if empty:
        raise OpenEOError(
            "NoDataAvailable",
            f"No data in collection {id!r} for the given extents (empty: {empty}).",
        )
    if window is not None:
        cube = build_cube(narrow_spatially(request, window.extent, gm.crs))
    return cube


def _read_window(collections: Any, collection_id: str) -> Any:
    """The :class:`~xcube_openeo.engine.env.ReadWindow` of the collection, if its source
    limits what is read (map tiles)."""
    read_window = getattr(collections, "read_window", None)
    return read_window(collection_id) if read_window is not None else None


def _is_tile_extent(extent: Any, window: Any) -> bool:
    # The extent the caller passes as a parameter for the tile: the window covers it.
    return isinstance(extent, dict) and extent == window.tile_extent


def resolve_bands(names: list[Any], dataset: xr.Dataset, all_bands: list[str]) -> list[str]:
    """Band names or common names (``common_name`` attribute) as variable names."""
    by_common = {dataset[b].attrs.get("common_name"): b for b in all_bands}
    resolved = []
    for name in names:
        if name in all_bands:
            resolved.append(name)
        elif name in by_common:
            resolved.append(by_common[name])
        else:
            raise ProcessParameterInvalid(
                f"Band {name!r} is not available (bands: {all_bands}).",
            )
    return resolved


def narrow_spatially(request: LoadRequest, extent: Any, crs: pyproj.CRS) -> LoadRequest:
    """Narrow a load to a bounding box or GeoJSON geometry (given in any CRS)."""
    if isinstance(extent, dict) and "west" in extent:
        bbox = transform_bbox(extent, crs)
        return request.refine(bbox=_intersect(request.bbox, bbox))
    geom = geometry_from_geojson(extent)
    geom = reproject_geometry(geom, pyproj.CRS.from_epsg(4326), crs)
    west, south, east, north = (float(v) for v in geom.bounds)
    bbox = (west, south, east, north)
    if request.geometry is not None:
        geom = geom.intersection(request.geometry)
    return request.refine(bbox=_intersect(request.bbox, bbox), geometry=geom)


def _intersect(a: Any, b: Any) -> Any:
    if a is None:
        return b
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _properties_accepted(properties: dict[str, Any], dataset: xr.Dataset) -> bool:
    # xcube datasets have collection-level metadata only, held in the attributes.
    for name, condition in properties.items():
        value = dataset.attrs.get(name)
        if not bool(condition(value=value)):
            return False
    return True


@dataclass
class SaveResult:
    """What ``save_result`` returns: the data plus the requested output format."""

    data: Any
    format: str
    options: dict[str, Any] = field(default_factory=dict)


@process("save_result")
def save_result(data: Any, format: str, options: Any) -> SaveResult:
    return SaveResult(data, format, dict(options or {}))


@process("inspect")
def inspect(data: Any, message: str, code: str, level: str, env: Any) -> Any:
    logger = env.logger
    log = {"debug": logger.debug, "info": logger.info, "warning": logger.warning,
           "error": logger.error}.get(level, logger.info)  # fmt: skip
    # Only metadata is logged: printing the values would compute the whole cube.
    log("[%s] %s: %s", code, message, _describe(data))
    return data


def _describe(data: Any) -> str:
    if isinstance(data, DataCube):
        return repr(data)
    text = repr(data)
    return text if len(text) < 2000 else text[:2000] + "..."


@process("create_data_cube")
def create_data_cube() -> DataCube:
    return DataCube(xr.DataArray(np.float64(np.nan)), [])


@process("dimension_labels")
def dimension_labels(data: DataCube, dimension: str) -> Any:
    labels = data.labels(dimension)
    if data.dimension(dimension).type == "geometry":
        # Geometries as GeoJSON objects (JSON values, unlike shapely objects).
        labels = [shapely.geometry.mapping(g) for g in labels]
        values = ArrayValue.from_list([None] * len(labels))
        values.data.values[:] = labels
        return values
    return ArrayValue.from_list(labels)


__all__ = ["SaveResult", "to_crs"]
