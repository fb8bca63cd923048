"""Vector cubes: aggregate_spatial, filter_vector, vector_buffer, vector_reproject.

A vector cube is a DataCube with a ``geometry`` dimension whose labels are shapely
geometries (the dimension's ``crs`` tells their reference system).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
import shapely
import xarray as xr

from ...engine.cube import DataCube, Dimension, canonical_crs
from ...engine.geometry import cube_crs, reproject_geometry, to_crs
from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from ._util import feature_properties, geometries_from_geojson
from .apply import as_result_array, reduce_data

GEOMETRY_DIM = "geometry"
WGS84 = pyproj.CRS.from_epsg(4326)


#: Coordinate along the geometry dimension holding GeoJSON feature properties.
PROPERTIES = "properties"


def _properties_of(geometries: Any, cube: DataCube | None, count: int) -> list[Any]:
    if cube is not None:
        name = cube.names_of_type("geometry")[0]
        coord = cube.data.coords.get(PROPERTIES)
        if coord is not None and coord.dims == (name,):
            return list(coord.values)
        return [None] * count
    return feature_properties(geometries)


def vector_geometries(value: Any) -> tuple[list[shapely.Geometry], pyproj.CRS, DataCube | None]:
    """Geometries and their CRS from GeoJSON or a vector cube (and the cube, if one)."""
    if isinstance(value, DataCube):
        names = value.names_of_type("geometry")
        if not names:
            raise ProcessParameterInvalid("Expected a vector data cube.")
        dim = value.dimension(names[0])
        crs = dim.crs if dim.crs is not None else WGS84
        return list(value.data[names[0]].values), crs, value
    return geometries_from_geojson(value), WGS84, None


def union_of_geometries(cube: DataCube) -> tuple[shapely.Geometry, pyproj.CRS]:
    geoms, crs, _ = vector_geometries(cube)
    return shapely.union_all(geoms), crs


def make_vector_cube(
    geoms: list[shapely.Geometry], crs: pyproj.CRS, values: Any = None
) -> DataCube:
    labels = np.empty(len(geoms), dtype=object)
    labels[:] = geoms
    data = xr.DataArray(
        np.full(len(geoms), np.nan) if values is None else values,
        dims=[GEOMETRY_DIM],
        coords={GEOMETRY_DIM: labels},
    )
    return DataCube(data, [Dimension(GEOMETRY_DIM, "geometry", crs=canonical_crs(crs))])


@process("aggregate_spatial")
def aggregate_spatial(
    data: DataCube, geometries: Any, reducer: Any, target_dimension: str | None, context: Any
) -> DataCube:
    x_dim, y_dim = data.x_dim, data.y_dim
    if x_dim is None or y_dim is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    if target_dimension is not None and data.has_dimension(target_dimension):
        raise OpenEOError("TargetDimensionExists", f"Dimension {target_dimension!r} exists.")
    geoms, geom_crs, source = vector_geometries(geometries)
    properties = _properties_of(geometries, source, len(geoms))
    keep = [i for i, g in enumerate(geoms) if g is not None and not g.is_empty]
    geoms, properties = [geoms[i] for i in keep], [properties[i] for i in keep]
    crs = cube_crs(data)
    values = data.masked_float()
    xs = np.asarray(values[x_dim].values, float)
    ys = np.asarray(values[y_dim].values, float)
    gx, gy = np.meshgrid(xs, ys)
    stacked = values.stack(_pixel=(y_dim, x_dim)).drop_vars(
        ["_pixel", x_dim, y_dim], errors="ignore"
    )
    template = values.isel({x_dim: 0, y_dim: 0}, drop=True)
    parts = []
    for geom in geoms:
        local = reproject_geometry(geom, geom_crs, crs)
        positions = np.flatnonzero(_pixels_of(local, gx, gy))  # from coordinates only
        pixels = stacked.isel(_pixel=positions)
        reduced = as_result_array(
            reduce_data(pixels, "_pixel", reducer, context, labeled=False), template
        )
        if target_dimension is not None:
            reduced = xr.concat(
                [reduced, xr.full_like(reduced, positions.size, dtype=float),
                 pixels.notnull().sum("_pixel").astype(float)],
                dim=target_dimension,
            ).assign_coords({target_dimension: ["value", "total_count", "valid_count"]})  # fmt: skip
        parts.append(reduced)
    labels = np.empty(len(geoms), dtype=object)
    labels[:] = geoms
    if parts:
        result = xr.concat(parts, dim=GEOMETRY_DIM)
    else:
        result = template.expand_dims({GEOMETRY_DIM: 0})
    result = result.assign_coords({GEOMETRY_DIM: labels})
    if any(p is not None for p in properties):
        # Feature properties are kept, as a coordinate along the geometries.
        props = np.empty(len(properties), dtype=object)
        props[:] = properties
        result = result.assign_coords({PROPERTIES: (GEOMETRY_DIM, props)})
    dims = [
        Dimension(GEOMETRY_DIM, "geometry", crs=canonical_crs(geom_crs)),
        *[d for d in data.dimensions if d.name not in (x_dim, y_dim)],
        *([Dimension(target_dimension, "other")] if target_dimension else []),
    ]
    order = [GEOMETRY_DIM, *template.dims, *([target_dimension] if target_dimension else [])]
    return DataCube(result.transpose(*order), dims)


def _pixels_of(geom: shapely.Geometry, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Pixels a geometry covers: centres inside polygons, nearest pixel to points."""
    if geom.geom_type in ("Point", "MultiPoint"):
        mask = np.zeros(gx.shape, bool)
        for point in getattr(geom, "geoms", [geom]):
            distance = (gx - point.x) ** 2 + (gy - point.y) ** 2
            mask.flat[int(np.argmin(distance))] = True
        return mask
    if geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        # Pixels whose centre is within half a cell of the line.
        step = max(abs(gx[0, 1] - gx[0, 0]) if gx.shape[1] > 1 else 0,
                   abs(gy[1, 0] - gy[0, 0]) if gy.shape[0] > 1 else 0)  # fmt: skip
        return shapely.dwithin(geom, shapely.points(gx, gy), step / 2)
    shapely.prepare(geom)
    return shapely.intersects_xy(geom, gx, gy)


_RELATIONS = {
    "intersects": shapely.intersects,
    "contains": shapely.contains,
    "crosses": shapely.crosses,
    "overlaps": shapely.overlaps,
    "touches": shapely.touches,
    "within": shapely.within,
    "equals": shapely.equals,
    "disjoint": shapely.disjoint,
}


@process("filter_vector")
def filter_vector(data: DataCube, geometries: Any, relation: str) -> DataCube:
    geoms, crs, _ = vector_geometries(data)
    names = data.names_of_type("geometry")
    if relation not in _RELATIONS:
        raise ProcessParameterInvalid(f"Unknown spatial relation {relation!r}.")
    other, other_crs, _ = vector_geometries(geometries)
    target = reproject_geometry(shapely.union_all(other), other_crs, crs)
    keep = [i for i, g in enumerate(geoms) if bool(_RELATIONS[relation](g, target))]
    return data.with_data(data.data.isel({names[0]: keep}))


@process("vector_buffer")
def vector_buffer(geometries: Any, distance: float) -> DataCube:
    geoms, crs, cube = vector_geometries(geometries)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise OpenEOError(
            "UnitMismatch",
            f"The geometries' reference system is not in meters ({unit or 'unknown'}).",
        )
    buffered = [g.buffer(distance) for g in geoms]
    if cube is not None:
        name = cube.names_of_type("geometry")[0]
        labels = np.empty(len(buffered), dtype=object)
        labels[:] = buffered
        return cube.with_data(cube.data.assign_coords({name: labels}))
    return make_vector_cube(buffered, crs)


@process("vector_reproject")
def vector_reproject(data: DataCube, projection: Any, dimension: str | None) -> DataCube:
    names = [dimension] if dimension else data.names_of_type("geometry")
    if not names:
        raise OpenEOError("DimensionNotAvailable", "The data cube has no geometry dimension.")
    target = to_crs(projection)
    out = data
    for name in names:
        dim = out.dimension(name)
        if dim.type != "geometry":
            raise OpenEOError("DimensionNotAvailable", f"Dimension {name!r} holds no geometries.")
        source = dim.crs if dim.crs is not None else WGS84
        labels = np.empty(out.data.sizes[name], dtype=object)
        labels[:] = [reproject_geometry(g, source, target) for g in out.data[name].values]
        out = out.with_data(
            out.data.assign_coords({name: labels}),
            [Dimension(name, "geometry", crs=canonical_crs(target))],
        )
    return out


__all__ = ["ArrayValue", "make_vector_cube", "union_of_geometries", "vector_geometries"]
