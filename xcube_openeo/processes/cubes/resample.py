"""Spatial resampling: resample_spatial and resample_cube_spatial.

Target grids are computed from coordinates only.  Within one CRS, ``near`` selects
source positions per axis (``isel``), ``bilinear`` interpolates (``interp``), and the
aggregating methods work on whole-number downsampling factors (``coarsen``).  Across
CRSs, each target pixel takes the nearest source pixel (pointwise indexing).  All of it
stays lazy.  Fresh loads (``cube.source``) are re-read from the coarsest pyramid level
that is still at least as fine as the requested resolution.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyproj
import xarray as xr

from ...engine.cube import DataCube
from ...engine.load import build_cube
from ...errors import OpenEOError
from ..registry import process
from ._util import as_list, cube_crs, to_crs

#: Aggregating methods on whole-number downsampling factors: (data, windows) -> result.
_AGGREGATING = {
    "average": lambda d, w: d.coarsen(w, boundary="pad").mean(),
    "min": lambda d, w: d.coarsen(w, boundary="pad").min(),
    "max": lambda d, w: d.coarsen(w, boundary="pad").max(),
    "med": lambda d, w: d.coarsen(w, boundary="pad").median(),
    "sum": lambda d, w: d.coarsen(w, boundary="pad").sum(),
    "q1": lambda d, w: d.coarsen(w, boundary="pad").reduce(np.nanquantile, q=0.25),
    "q3": lambda d, w: d.coarsen(w, boundary="pad").reduce(np.nanquantile, q=0.75),
    "rms": lambda d, w: np.sqrt((d**2).coarsen(w, boundary="pad").mean()),
}


#: Interpolating methods (same CRS) by their xarray/scipy names; ``lanczos`` and
#: ``mode`` (and everything across CRSs) fall back to nearest neighbour.
_INTERPOLATING = {"bilinear": "linear", "cubic": "cubic", "cubicspline": "cubic"}


def _spatial_dims(cube: DataCube) -> tuple[str, str]:
    x_dim, y_dim = cube.x_dim, cube.y_dim
    if x_dim is None or y_dim is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    return x_dim, y_dim


def _resolution_of(values: np.ndarray) -> float:
    return float(np.abs(np.diff(values)).min()) if values.size > 1 else 0.0


@process("resample_spatial")
def resample_spatial(
    data: DataCube, resolution: Any, projection: Any, method: str, align: str
) -> DataCube:
    x_dim, y_dim = _spatial_dims(data)
    source_crs = cube_crs(data)
    target_crs = to_crs(projection) if projection is not None else source_crs
    res = as_list(resolution) or [0]
    res_x, res_y = (float(res[0]), float(res[-1]))
    xs = np.asarray(data.data[x_dim].values, float)
    ys = np.asarray(data.data[y_dim].values, float)
    if target_crs == source_crs:
        if res_x == 0 and res_y == 0:
            return data
        res_x = res_x or _resolution_of(xs)
        res_y = res_y or _resolution_of(ys)
        data = _from_best_level(data, min(res_x, res_y))
        xs = np.asarray(data.data[x_dim].values, float)
        ys = np.asarray(data.data[y_dim].values, float)
        bounds = _bounds(xs, ys)
    else:
        bounds = pyproj.Transformer.from_crs(source_crs, target_crs, always_xy=True).transform_bounds(
            *_bounds(xs, ys), densify_pts=21
        )
        if not res_x or not res_y:
            # Keep about the same number of pixels when only the projection changes.
            res_x = res_x or (bounds[2] - bounds[0]) / max(xs.size, 1)
            res_y = res_y or (bounds[3] - bounds[1]) / max(ys.size, 1)
    x_t, y_t = _grid(bounds, res_x, res_y, align, descending_y=ys.size < 2 or ys[0] > ys[-1])
    return regrid(data, x_t, y_t, target_crs, method)


def _bounds(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    hx, hy = _resolution_of(xs) / 2, _resolution_of(ys) / 2
    return xs.min() - hx, ys.min() - hy, xs.max() + hx, ys.max() + hy


def _grid(
    bounds: tuple[float, float, float, float], res_x: float, res_y: float, align: str, descending_y: bool
) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = bounds
    nx = max(int(np.ceil((east - west) / res_x - 1e-9)), 1)
    ny = max(int(np.ceil((north - south) / res_y - 1e-9)), 1)
    left = "left" in align
    upper = "upper" in align
    x0 = west if left else east - nx * res_x
    y0 = north if upper else south + ny * res_y
    x_t = x0 + res_x * (np.arange(nx) + 0.5)
    y_t = y0 - res_y * (np.arange(ny) + 0.5)
    return x_t, (y_t if descending_y else y_t[::-1])


def _from_best_level(cube: DataCube, resolution: float) -> DataCube:
    """A fresh load re-read from the coarsest level not coarser than ``resolution``."""
    request = cube.source
    if request is None or request.ml_dataset is None:
        return cube
    ml = request.ml_dataset
    level = 0
    for i, (rx, ry) in enumerate(ml.resolutions):
        if max(abs(rx), abs(ry)) <= resolution * (1 + 1e-9):
            level = i
    if level == request.level:
        return cube
    return build_cube(request.refine(dataset=ml.get_dataset(level), level=level))


@process("resample_cube_spatial")
def resample_cube_spatial(data: DataCube, target: DataCube, method: str) -> DataCube:
    tx, ty = _spatial_dims(target)
    return regrid(
        data,
        np.asarray(target.data[tx].values, float),
        np.asarray(target.data[ty].values, float),
        cube_crs(target),
        method,
    )


def regrid(
    cube: DataCube, x_t: np.ndarray, y_t: np.ndarray, target_crs: pyproj.CRS, method: str
) -> DataCube:
    """``cube`` on the target grid (cell centres ``x_t``, ``y_t`` in ``target_crs``)."""
    x_dim, y_dim = _spatial_dims(cube)
    xs = np.asarray(cube.data[x_dim].values, float)
    ys = np.asarray(cube.data[y_dim].values, float)
    source_crs = cube_crs(cube)
    if target_crs == source_crs:
        if method in _AGGREGATING:
            coarse = _coarsen(cube, xs, ys, x_t, y_t, method)
            if coarse is not None:
                return coarse
        if method in _INTERPOLATING:
            values = cube.masked_float().interp({x_dim: x_t, y_dim: y_t}, method=_INTERPOLATING[method])
            return _with_grid(cube.decoded(), values, x_t, y_t, target_crs)
        ix, x_ok = _nearest(xs, x_t)
        iy, y_ok = _nearest(ys, y_t)
        out = cube.data.isel({x_dim: ix, y_dim: iy})
        if not (x_ok.all() and y_ok.all()):
            ok = xr.DataArray(np.outer(y_ok, x_ok), dims=(y_dim, x_dim))
            return _masked(cube, out, ok, x_t, y_t, target_crs)
        return _with_grid(cube, out, x_t, y_t, target_crs)
    # Across CRSs: nearest source pixel of each target pixel centre.
    gx, gy = np.meshgrid(x_t, y_t)
    sx, sy = pyproj.Transformer.from_crs(target_crs, source_crs, always_xy=True).transform(gx, gy)
    ix, x_ok = _nearest(xs, np.asarray(sx).ravel())
    iy, y_ok = _nearest(ys, np.asarray(sy).ravel())
    shape = gx.shape
    out = cube.data.isel(
        {
            x_dim: xr.DataArray(ix.reshape(shape), dims=(y_dim, x_dim)),
            y_dim: xr.DataArray(iy.reshape(shape), dims=(y_dim, x_dim)),
        }
    )
    out = out.drop_vars([x_dim, y_dim], errors="ignore")
    ok = xr.DataArray((x_ok & y_ok).reshape(shape), dims=(y_dim, x_dim))
    return _masked(cube, out, ok, x_t, y_t, target_crs)


def _nearest(coords: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest coordinate per target, and whether it is within half a cell."""
    if coords.size == 0:
        return np.zeros(targets.shape, int), np.zeros(targets.shape, bool)
    order = np.argsort(coords)
    sorted_coords = coords[order]
    pos = np.clip(np.searchsorted(sorted_coords, targets), 1, max(coords.size - 1, 1))
    left = sorted_coords[pos - 1]
    right = sorted_coords[np.minimum(pos, coords.size - 1)]
    pick = np.where(np.abs(targets - left) <= np.abs(targets - right), pos - 1, pos)
    pick = np.minimum(pick, coords.size - 1)
    half = _resolution_of(coords) / 2 if coords.size > 1 else np.inf
    ok = np.abs(sorted_coords[pick] - targets) <= half * (1 + 1e-9)
    return order[pick], ok


def _coarsen(
    cube: DataCube, xs: np.ndarray, ys: np.ndarray, x_t: np.ndarray, y_t: np.ndarray, method: str
) -> DataCube | None:
    """Aggregation by whole-number factors on an aligned grid, else ``None``."""
    x_dim, y_dim = _spatial_dims(cube)
    fx = _resolution_of(x_t) / _resolution_of(xs) if xs.size > 1 and x_t.size > 1 else 1.0
    fy = _resolution_of(y_t) / _resolution_of(ys) if ys.size > 1 and y_t.size > 1 else 1.0
    if not (float(fx).is_integer() and float(fy).is_integer()) or (fx, fy) == (1.0, 1.0):
        return None
    windows = {x_dim: int(fx), y_dim: int(fy)}
    coarse = _AGGREGATING[method](cube.masked_float(), windows)
    ix, x_ok = _nearest(np.asarray(coarse[x_dim].values, float), x_t)
    iy, y_ok = _nearest(np.asarray(coarse[y_dim].values, float), y_t)
    if not (x_ok.all() and y_ok.all()):
        return None  # target grid not aligned with the source cells
    out = coarse.isel({x_dim: ix, y_dim: iy})
    return _with_grid(cube.decoded(), out, x_t, y_t, cube_crs(cube))


def _masked(
    cube: DataCube, out: xr.DataArray, ok: xr.DataArray, x_t: np.ndarray, y_t: np.ndarray, crs: pyproj.CRS
) -> DataCube:
    """Target pixels without a source pixel (``~ok``) become no-data."""
    if cube.nodata is not None:
        return _with_grid(cube, out.where(ok, cube.nodata), x_t, y_t, crs)
    values = cube.with_data(out).masked_float().where(ok)
    return _with_grid(cube.decoded(), values, x_t, y_t, crs)


def _with_grid(
    cube: DataCube, values: xr.DataArray, x_t: np.ndarray, y_t: np.ndarray, crs: pyproj.CRS
) -> DataCube:
    x_dim, y_dim = _spatial_dims(cube)
    values = values.assign_coords({x_dim: x_t, y_dim: y_t}).transpose(*cube.dim_names)
    code = crs.to_epsg() or crs.to_wkt()
    dims = []
    for dim in cube.dimensions:
        if dim.type == "spatial" and dim.axis in ("x", "y"):
            step = _resolution_of(x_t if dim.axis == "x" else y_t) or dim.step
            dim = type(dim)(dim.name, dim.type, dim.axis, code, step)
        dims.append(dim)
    return cube.with_data(values, dims, encoded=values.dtype.kind in "iu")
