"""Combining cubes: merge_cubes, mask, mask_polygon, ndvi."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
import xarray as xr

from xcube_openeo.execution.compute import compute_now

from ...engine.cube import DataCube, Dimension
from ...engine.geometry import cube_crs, pixel_mask
from ...engine.load import mask_where
from ...engine.registry import process
from ...errors import OpenEOError, ProcessParameterInvalid
from ._util import band_index, geometry_from_geojson
from .apply import as_result_array
from .resample import regrid, spatial_chunks
from .vector import union_of_geometries


def _same_encoding(a: DataCube, b: DataCube) -> bool:
    return (
        a.data.dtype.kind in "iu"
        and b.data.dtype.kind in "iu"
        and (a.scale, a.offset) == (b.scale, b.offset)
        and (b.nodata is None or b.nodata == a.nodata)
    )


def _without_unshared_coords(cube1: DataCube, cube2: DataCube) -> tuple[DataCube, DataCube]:
    """Both cubes without non-index coordinates (e.g. common band names) only one has."""

    def strip(cube: DataCube, other: DataCube) -> DataCube:
        extra = [
            c for c in cube.data.coords if c not in cube.data.dims and c not in other.data.coords
        ]
        return cube.with_data(cube.data.drop_vars(extra)) if extra else cube

    return strip(cube1, cube2), strip(cube2, cube1)


def _on_grid_of(target: DataCube, cube: DataCube) -> DataCube:
    """``cube`` resampled (nearest) to ``target``'s x/y grid if CRS or resolution differ.

    Grids that only differ in extent are left alone: merging them joins the tiles.
    """
    tx, ty, cx, cy = target.x_dim, target.y_dim, cube.x_dim, cube.y_dim
    if None in (tx, ty, cx, cy) or (tx, ty) != (cx, cy):
        return cube
    same_crs = cube_crs(target) == cube_crs(cube)
    same_res = all(
        np.isclose(_step(target.data[d].values), _step(cube.data[d].values)) for d in (tx, ty)
    )
    if same_crs and same_res:
        return cube
    return regrid(
        cube,
        np.asarray(target.data[tx].values, float),
        np.asarray(target.data[ty].values, float),
        cube_crs(target),
        "near",
        spatial_chunks(target),  # aligned with the target's chunks
    )


def _step(values: np.ndarray) -> float:
    return float(np.abs(np.diff(values)).min()) if values.size > 1 else 0.0


@process("merge_cubes")
def merge_cubes(
    cube1: DataCube, cube2: DataCube, overlap_resolver: Any, context: Any, env: Any = None
) -> DataCube:
    cube1, cube2 = _without_unshared_coords(cube1, cube2)
    cube2 = _on_grid_of(cube1, cube2)
    if cube1.is_vector != cube2.is_vector:
        raise ProcessParameterInvalid("A vector and a raster cube cannot be merged.")
    names1, names2 = set(cube1.dim_names), set(cube2.dim_names)
    if names2 < names1:
        # cube2 lacks dimensions: it applies to every label of them (full overlap).
        return _resolve_full(cube1, cube2, overlap_resolver, context)
    if names1 != names2:
        raise ProcessParameterInvalid(
            f"The cubes' dimensions differ: {sorted(names1)} vs. {sorted(names2)}.",
        )
    differing = [
        d for d in cube1.dim_names if not np.array_equal(cube1.data[d].values, cube2.data[d].values)
    ]
    if not differing:
        return _resolve_full(cube1, cube2, overlap_resolver, context)
    if len(differing) == 1:
        return _merge_along(cube1, cube2, differing[0], overlap_resolver, context)
    return _merge_outer(cube1, cube2, overlap_resolver, context, getattr(env, "deadline", None))


def _resolve_full(cube1: DataCube, cube2: DataCube, resolver: Any, context: Any) -> DataCube:
    if resolver is None:
        raise OpenEOError(
            "OverlapResolverMissing", "The cubes overlap; an overlap resolver is needed."
        )
    x = cube1.masked_float()
    y = cube2.masked_float().transpose(*[d for d in x.dims if d in cube2.dim_names])
    result = resolver(x=x, y=y, context=context)

    return cube1.with_data(as_result_array(result, x).assign_coords(x.coords), encoded=False)


def _merge_along(
    cube1: DataCube, cube2: DataCube, dim: str, resolver: Any, context: Any
) -> DataCube:
    labels1 = list(cube1.data[dim].values)
    labels2 = list(cube2.data[dim].values)
    common = [v for v in labels2 if v in labels1]
    new2 = [i for i, v in enumerate(labels2) if v not in labels1]
    data2 = cube2.data.transpose(*cube1.dim_names)
    if not common and _same_encoding(cube1, cube2):
        merged = xr.concat([cube1.data, data2.isel({dim: new2})], dim=dim)
        return cube1.with_data(_sorted(cube1, merged, dim))
    a, b = cube1.masked_float(), cube2.masked_float().transpose(*cube1.dim_names)
    if common:
        if resolver is None:
            raise OpenEOError(
                "OverlapResolverMissing",
                f"The cubes overlap in dimension {dim!r}; an overlap resolver is needed.",
            )
        x, y = a.sel({dim: common}), b.sel({dim: common})

        resolved = as_result_array(resolver(x=x, y=y, context=context), x).assign_coords(x.coords)
        a = xr.concat([a.drop_sel({dim: common}), resolved], dim=dim).sel({dim: labels1})
    merged = xr.concat([a, b.isel({dim: new2})], dim=dim)
    return cube1.with_data(_sorted(cube1, merged, dim), encoded=False)


def _sorted(cube: DataCube, data: xr.DataArray, dim: str) -> xr.DataArray:
    # Dimensions with an inherent order (spatial, temporal) stay sorted after merging.
    if cube.dimension(dim).type in ("spatial", "temporal"):
        return data.sortby(dim)
    return data


def _merge_outer(
    cube1: DataCube, cube2: DataCube, resolver: Any, context: Any, deadline: Any = None
) -> DataCube:
    x, y = cube1.masked_float(), cube2.masked_float()
    shared = {}
    for d in x.dims:
        if d in x.coords and d in y.coords:
            labels = set(x[d].values.tolist())
            values = y[d].values
            shared[d] = [values[i] for i, v in enumerate(values.tolist()) if v in labels]
    a, b = xr.align(x, y, join="outer")
    b = b.transpose(*a.dims)
    if any(not labels for labels in shared.values()):
        # No label combination is in both cubes: nothing overlaps, nothing to check.
        merged = a.fillna(b)
    elif resolver is None:
        # Only valid values in both cubes are an overlap: check the shared labels only,
        # computed under the request's deadline.

        common = x.sel(shared).notnull() & y.sel(shared).transpose(*x.dims).notnull()
        if bool(compute_now(common.any(), deadline)):
            raise OpenEOError(
                "OverlapResolverMissing", "The cubes overlap; an overlap resolver is needed."
            )
        merged = a.fillna(b)
    else:
        overlap = a.notnull() & b.notnull()
        merged = xr.where(overlap, resolver(x=a, y=b, context=context), a.fillna(b))
    for dim in merged.dims:
        merged = _sorted(cube1, merged, str(dim))
    return cube1.with_data(merged, encoded=False)


@process("mask")
def mask(data: DataCube, mask: DataCube, replacement: Any) -> DataCube:
    for dim in mask.dimensions:
        if not data.has_dimension(dim.name):
            raise OpenEOError(
                "DimensionMismatch", f"The mask's dimension {dim.name!r} is not in the data cube."
            )
    mask = _on_grid_of(data, mask)  # implicit resample_cube_spatial, as defined
    m = mask.masked_float() if mask.data.dtype.kind != "b" else mask.data
    if m.dtype.kind == "O":  # True/False/None from object arrays: None becomes NaN
        m = m.astype(float)
    if m.dtype.kind == "b":
        condition = m
    elif m.dtype.kind == "f":
        condition = abs(m) > 0  # non-zero, and false for NaN (no-data) in one comparison
    else:
        condition = m != 0
    if _needs_alignment(data, mask):
        # Same grid, other extent: pixels the mask does not cover stay as they are.
        condition = condition.reindex_like(data.data, fill_value=False)
    condition = condition.broadcast_like(data.data).transpose(*data.dim_names)
    return mask_where(data, condition, replacement)


def _needs_alignment(data: DataCube, mask: DataCube) -> bool:
    return any(
        not np.array_equal(data.data[d].values, mask.data[d].values)
        for d in mask.dim_names
        if d in data.data.coords and d in mask.data.coords
    )


@process("mask_polygon")
def mask_polygon(data: DataCube, mask: Any, replacement: Any, inside: bool) -> DataCube:
    if isinstance(mask, DataCube):
        geom, crs = union_of_geometries(mask)
    else:
        geom, crs = geometry_from_geojson(mask), pyproj.CRS.from_epsg(4326)
    hit = pixel_mask(data, geom, crs)
    condition = hit if inside else ~hit
    condition = (
        condition.assign_coords({d: data.data[d] for d in condition.dims})
        .broadcast_like(data.data)
        .transpose(*data.dim_names)
    )
    # No-data stays untouched; only valid values are replaced.
    return mask_where(data, condition, replacement)


@process("ndvi")
def ndvi(data: DataCube, nir: str, red: str, target_band: str | None) -> DataCube:
    bands = data.names_of_type("bands")
    if len(bands) != 1:
        raise OpenEOError("DimensionAmbiguous", "The data cube needs exactly one bands dimension.")
    dim = bands[0]
    labels = data.labels(dim)
    positions = {}
    for name, code in ((nir, "NirBandAmbiguous"), (red, "RedBandAmbiguous")):
        positions[name] = band_index(data, dim, name)
        if positions[name] is None:
            raise OpenEOError(code, f"Band {name!r} is not available (bands: {labels}).")
    values = data.masked_float()
    n = values.isel({dim: positions[nir]}, drop=True)
    r = values.isel({dim: positions[red]}, drop=True)
    result = (n - r) / (n + r)
    wanted = np.result_type(values.dtype, np.float32)  # integer bands give float32
    if result.dtype != wanted:
        result = result.astype(wanted)
    if target_band is None:
        return data.with_data(result, encoded=False)
    if target_band in labels:
        raise OpenEOError("BandExists", f"Band {target_band!r} exists already.")
    added = result.expand_dims({dim: [target_band]}).transpose(*values.dims)
    merged = xr.concat([values.drop_vars("common_name", errors="ignore"), added], dim=dim)
    return data.with_data(merged, [Dimension(dim, "bands"), *data.dimensions], encoded=False)
