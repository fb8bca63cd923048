"""Helpers shared by the cube processes: argument coercion, extents, geometries."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
import shapely
import shapely.geometry

from ...engine.cube import DataCube, parse_datetime
from ...engine.geometry import to_crs
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid


def as_list(value: Any) -> list[Any] | None:
    """A JSON array argument (list or ArrayValue) as a Python list; null stays None."""
    if value is None:
        return None
    if isinstance(value, ArrayValue):
        return value.to_list()
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def transform_bbox(extent: dict[str, Any], target: pyproj.CRS) -> tuple[float, float, float, float]:
    """A bounding-box argument as (west, south, east, north) in ``target`` coordinates."""
    if not isinstance(extent, dict) or not all(
        isinstance(extent.get(k), int | float) for k in ("west", "south", "east", "north")
    ):
        raise ProcessParameterInvalid("A bounding box needs numeric west, south, east, north.")
    source = to_crs(extent.get("crs") or 4326)
    bounds = (extent["west"], extent["south"], extent["east"], extent["north"])
    if source == target:
        return bounds
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
    return transformer.transform_bounds(*bounds, densify_pts=21)


def geometry_from_geojson(obj: Any) -> shapely.Geometry:
    """One shapely geometry from GeoJSON (features and collections are united)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise ProcessParameterInvalid("Expected a GeoJSON object.")
    kind = obj["type"]
    try:
        if kind == "FeatureCollection":
            return shapely.union_all([geometry_from_geojson(f) for f in obj.get("features", [])])
        if kind == "Feature":
            return shapely.geometry.shape(obj["geometry"])
        return shapely.geometry.shape(obj)
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as e:
        raise ProcessParameterInvalid(f"Invalid GeoJSON: {e}") from e


def feature_properties(obj: Any) -> list[dict[str, Any] | None]:
    """Properties per geometry of ``geometries_from_geojson(obj)`` (None: not a feature)."""
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        return [
            f.get("properties") if isinstance(f, dict) else None for f in obj.get("features", [])
        ]
    if isinstance(obj, dict) and obj.get("type") == "GeometryCollection":
        return [None] * len(obj.get("geometries", []))
    return (
        [obj.get("properties")]
        if isinstance(obj, dict) and obj.get("type") == "Feature"
        else [None]
    )


def geometries_from_geojson(obj: Any) -> list[shapely.Geometry]:
    """The separate geometries of a GeoJSON object (one per feature)."""
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        return [geometry_from_geojson(f) for f in obj.get("features", [])]
    if isinstance(obj, dict) and obj.get("type") == "GeometryCollection":
        return [shapely.geometry.shape(g) for g in obj.get("geometries", [])]
    return [geometry_from_geojson(obj)]


def temporal_bounds(extent: Any) -> tuple[np.datetime64 | None, np.datetime64 | None]:
    """A temporal interval argument as (start inclusive, end exclusive) datetimes."""
    values = as_list(extent)
    if values is None or len(values) != 2:
        raise ProcessParameterInvalid("A temporal interval needs two elements.")
    start, end = (None if v is None else parse_datetime(v) for v in values)
    if start is None and end is None:
        raise OpenEOError("TemporalExtentEmpty", "Both bounds of the temporal extent are null.")
    if start is not None and end is not None and end <= start:
        raise OpenEOError(
            "TemporalExtentEmpty", "The temporal extent's end is not after its start."
        )
    return start, end


def band_index(cube: DataCube, dim: str, name: Any) -> int | None:
    """Position of a band by its name or, failing that, its common name."""
    labels = cube.labels(dim)
    if name in labels:
        return labels.index(name)
    if "common_name" in cube.data.coords and cube.data["common_name"].dims == (dim,):
        common = list(cube.data["common_name"].values)
        if common.count(name) == 1:
            return common.index(name)
    return None
