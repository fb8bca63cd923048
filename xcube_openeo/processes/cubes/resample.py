"""Spatial resampling: resample_spatial and resample_cube_spatial.

Target grids are computed from coordinates only.  Within one CRS, ``near`` takes the
nearest source position per axis, ``bilinear`` interpolates (``interp``), and the
aggregating methods work on whole-number downsampling factors (``coarsen``).  Across
CRSs, each target pixel takes the nearest source pixel.  Nearest neighbours of
dask-backed cubes are gathered block by block of the target grid (see ``_gather``),
chunked like the cube they are combined with.  All of it stays lazy.  Fresh loads (``cube.source``) are re-read from the coarsest pyramid level
that is still at least as fine as the requested resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pyproj
import xarray as xr

from ...engine.cube import DataCube, canonical_crs
from ...engine.geometry import cube_crs, to_crs
from ...engine.load import build_cube
from ...engine.registry import process
from ...errors import OpenEOError, ProcessGraphComplexity
from ._gather import Axis, Grids, gather
from ._gather import nearest_indices as _nearest
from ._gather import resolution_of as _resolution_of
from ._util import as_list

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


#: Most pixels of a target grid along one axis (10 million: at 10 m, 100,000 km).
MAX_AXIS_PIXELS = 10_000_000


#: Interpolating methods (same CRS) by their xarray/scipy names; ``lanczos`` and
#: ``mode`` (and everything across CRSs) fall back to nearest neighbour.
_INTERPOLATING: dict[str, Literal["linear", "cubic"]] = {
    "bilinear": "linear",
    "cubic": "cubic",
    "cubicspline": "cubic",
}


def _spatial_dims(cube: DataCube) -> tuple[str, str]:
    x_dim, y_dim = cube.x_dim, cube.y_dim
    if x_dim is None or y_dim is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    return x_dim, y_dim


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
        bounds = pyproj.Transformer.from_crs(
            source_crs, target_crs, always_xy=True
        ).transform_bounds(*_bounds(xs, ys), densify_pts=21)
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
    bounds: tuple[float, float, float, float],
    res_x: float,
    res_y: float,
    align: str,
    descending_y: bool,
) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = bounds
    fx, fy = (east - west) / res_x, (north - south) / res_y
    if not (np.isfinite(fx) and np.isfinite(fy)) or max(fx, fy) > MAX_AXIS_PIXELS:
        raise ProcessGraphComplexity(
            f"The target grid would be {fx:,.0f} x {fy:,.0f} pixels (at most"
            f" {MAX_AXIS_PIXELS:,} per axis); choose a coarser resolution.",
        )
    nx = max(int(np.ceil(fx - 1e-9)), 1)
    ny = max(int(np.ceil(fy - 1e-9)), 1)
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
        spatial_chunks(target),
    )


def spatial_chunks(cube: DataCube) -> dict[str, tuple[int, ...]] | None:
    """The x/y chunks of a dask-backed cube (None if in memory)."""
    chunks = cube.data.chunksizes
    if not chunks:
        return None
    return {d: tuple(chunks[d]) for d in (cube.x_dim, cube.y_dim) if d is not None and d in chunks}


def regrid(
    cube: DataCube,
    x_t: np.ndarray,
    y_t: np.ndarray,
    target_crs: pyproj.CRS,
    method: str,
    chunks: Mapping[str, tuple[int, ...]] | None = None,
) -> DataCube:
    """``cube`` on the target grid (cell centres ``x_t``, ``y_t`` in ``target_crs``).

    ``chunks``: the x/y chunks the result should have (those of a cube it is combined
    with); by default the source's chunk sizes.
    """
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
            values = cube.masked_float().interp(
                {x_dim: x_t, y_dim: y_t}, method=_INTERPOLATING[method]
            )
            return _with_grid(cube.decoded(), values, x_t, y_t, target_crs)
    if cube.data.chunks is not None:
        # Lazy and chunk by chunk (see _gather): no pointwise indexing of dask arrays.
        return _gather_nearest(cube, xs, ys, x_t, y_t, source_crs, target_crs, chunks)
    if target_crs == source_crs:
        ix, x_ok = _nearest(xs, x_t)
        iy, y_ok = _nearest(ys, y_t)
        out = cube.data.isel({x_dim: ix, y_dim: iy})
        if not (x_ok.all() and y_ok.all()):
            ok = xr.DataArray(np.outer(y_ok, x_ok), dims=(y_dim, x_dim))
            return _masked(cube, out, ok, x_t, y_t, target_crs)
        return _with_grid(cube, out, x_t, y_t, target_crs)
    # Across CRSs, in memory: nearest source pixel of each target pixel centre.
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


def _gather_nearest(
    cube: DataCube,
    xs: np.ndarray,
    ys: np.ndarray,
    x_t: np.ndarray,
    y_t: np.ndarray,
    source_crs: pyproj.CRS,
    target_crs: pyproj.CRS,
    chunks: Mapping[str, tuple[int, ...]] | None,
) -> DataCube:
    """Nearest neighbours of a dask-backed cube, one task per target block and source
    chunk it touches; target pixels without a source pixel become no-data."""
    x_dim, y_dim = _spatial_dims(cube)
    nodata = cube.nodata
    same = target_crs == source_crs
    if nodata is not None and _fits(nodata, cube.data.dtype):
        base, source, fill = cube, cube.data, nodata
    elif same and _nearest(xs, x_t)[1].all() and _nearest(ys, y_t)[1].all():
        base, source, fill = cube, cube.data, 0  # every target pixel has a source pixel
    else:
        base, source, fill = cube.decoded(), cube.masked_float(), np.nan
    others = [str(d) for d in source.dims if d not in (x_dim, y_dim)]
    source = source.transpose(*others, y_dim, x_dim)
    sizes = dict(zip(source.dims, source.data.chunksize, strict=True))
    chunks = dict(chunks or {})
    chunks_y = _target_chunks(chunks.get(y_dim), y_t.size, sizes[y_dim])
    chunks_x = _target_chunks(chunks.get(x_dim), x_t.size, sizes[x_dim])
    grids = Grids(
        Axis.of(xs),
        Axis.of(ys),
        None if same else target_crs.to_wkt(),
        None if same else source_crs.to_wkt(),
    )
    data = gather(source.data, grids, x_t, y_t, chunks_y, chunks_x, fill)
    coords = {
        name: c
        for name, c in source.coords.items()
        if x_dim not in c.dims and y_dim not in c.dims and name not in (x_dim, y_dim)
    }
    values = xr.DataArray(
        data, dims=(*others, y_dim, x_dim), coords=coords, attrs=source.attrs, name=source.name
    )
    return _with_grid(base, values, x_t, y_t, target_crs)


def _fits(value: Any, dtype: np.dtype) -> bool:
    """Whether ``value`` fills an array of ``dtype`` unchanged."""
    try:
        if dtype.kind == "f" and np.isnan(value):
            return True
        return bool(np.array(value, dtype=dtype) == value)
    except (TypeError, ValueError, OverflowError):
        return False


def _target_chunks(given: tuple[int, ...] | None, size: int, source_chunk: int) -> tuple[int, ...]:
    """``given`` if it covers the axis, else chunks of the source's chunk size."""
    if given is not None and sum(given) == size:
        return tuple(int(c) for c in given)
    step = max(1, min(size, int(source_chunk)))
    full, rest = divmod(size, step)
    return (step,) * full + ((rest,) if rest else ())


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
    cube: DataCube,
    out: xr.DataArray,
    ok: xr.DataArray,
    x_t: np.ndarray,
    y_t: np.ndarray,
    crs: pyproj.CRS,
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
    crs = canonical_crs(crs)
    dims = []
    for dim in cube.dimensions:
        if dim.type == "spatial" and dim.axis in ("x", "y"):
            step = _resolution_of(x_t if dim.axis == "x" else y_t) or dim.step
            dim = type(dim)(dim.name, dim.type, dim.axis, crs, step)
        dims.append(dim)
    return cube.with_data(values, dims, encoded=values.dtype.kind in "iu")
