"""Sampling a small computed raster window onto the pixel grid of one map tile.

Tile pixel centres are transformed into the data's CRS (exactly where the two grids
are separable in longitude/latitude, otherwise on a coarse grid interpolated to every
pixel, as GDAL's approximate transformer does: far cheaper than projecting 65536
points per tile, and sub-pixel accurate for tiles of a few degrees at most), then
looked up in the window by index arithmetic on its regular grid.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyproj
from scipy import ndimage

from xcube_openeo_tiles import ImageData, RenderStyle, TileMatrixSet

#: Nodes per side of the coarse grid of projected points.
COARSE = 17


@functools.lru_cache(maxsize=64)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def crs_key(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


@functools.lru_cache(maxsize=64)
def is_geographic_lonlat(key: str) -> bool:
    crs = pyproj.CRS.from_user_input(key)
    return crs.is_geographic and crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True)


def tile_points(
    tms: TileMatrixSet, tile: tuple[int, int, int], data_crs: str
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (X, Y), each (h, w), of the tile's pixel centres in ``data_crs``."""
    if is_geographic_lonlat(data_crs):
        lons, lats = tms.pixel_centers_lonlat(tile)
        return np.meshgrid(lons, lats)
    xs, ys = tms.pixel_centers(tile)
    transformer = _transformer(tms.crs, data_crs)
    n = tms.tile_size
    # The coarse grid's nodes sit on pixel centres 0, step, ..., n - 1; bilinear
    # interpolation between them, rows then columns (element-wise: BLAS matrix
    # products of these small sizes were slower on a busy machine).
    nodes = np.linspace(0, n - 1, COARSE)
    cx = np.interp(nodes, np.arange(n), xs)
    cy = np.interp(nodes, np.arange(n), ys)
    gx, gy = transformer.transform(*np.meshgrid(cx, cy))
    return _interpolate(np.asarray(gx), n), _interpolate(np.asarray(gy), n)


@functools.lru_cache(maxsize=4)
def _interpolation_nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Left coarse node and the fraction towards the next one, for each of n pixels."""
    position = np.arange(n) * (COARSE - 1) / (n - 1)
    left = np.minimum(np.floor(position).astype(int), COARSE - 2)
    return left, position - left


def _interpolate(grid: np.ndarray, n: int) -> np.ndarray:
    left, fraction = _interpolation_nodes(n)
    rows = grid[left] * (1 - fraction)[:, None] + grid[left + 1] * fraction[:, None]
    return rows[:, left] * (1 - fraction) + rows[:, left + 1] * fraction


def axis_grid(coords: np.ndarray, step: float) -> tuple[float, float]:
    """(first centre, signed step) of a regular axis; ``step`` if it has one cell."""
    if coords.size >= 2:
        return float(coords[0]), float(coords[1] - coords[0])
    return float(coords[0]) if coords.size else 0.0, float(step)


def sample(
    values: np.ndarray,
    x_axis: tuple[float, float],
    y_axis: tuple[float, float],
    points: tuple[np.ndarray, np.ndarray],
    method: str = "nearest",
) -> np.ndarray:
    """``values`` (bands, ny, nx) sampled at ``points`` (X, Y in the data's CRS):
    (bands, h, w) float32, NaN outside the window."""
    bands, ny, nx = values.shape
    xs, ys = points
    h, w = xs.shape
    out = np.full((bands, h, w), np.nan, dtype=np.float32)
    if ny == 0 or nx == 0:
        return out
    fx = (xs - x_axis[0]) / x_axis[1]
    fy = (ys - y_axis[0]) / y_axis[1]
    # Nearest cell: round half up, as a cell spans [centre - 0.5, centre + 0.5); a point
    # is inside when its cell exists (comparisons with NaN are false: outside).
    ix = np.floor(fx + 0.5)
    iy = np.floor(fy + 0.5)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    if not inside.any():
        return out
    data = values.astype(np.float32, copy=False)
    if method == "bilinear" and nx > 1 and ny > 1:
        coords = np.stack([np.clip(fy[inside], 0, ny - 1), np.clip(fx[inside], 0, nx - 1)])
        for b in range(bands):
            out[b][inside] = ndimage.map_coordinates(
                data[b], coords, order=1, mode="nearest", prefilter=False
            )
        return out
    # Outside points look up cell 0 and are blanked after.
    index = np.where(inside, iy * nx + ix, 0).astype(np.intp)
    out = data.reshape(bands, -1)[:, index]
    out[:, ~inside] = np.nan
    return out


def resolution_in(tms: TileMatrixSet, tile: tuple[int, int, int], data_crs: str) -> float:
    """Size of one tile pixel at the tile's centre, in the data CRS's units."""
    minx, miny, maxx, maxy = tms.xy_bounds(tile)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    res = tms.resolution(tile[2])
    transformer = _transformer(tms.crs, data_crs)
    (x0, x1), (y0, y1) = transformer.transform([cx, cx + res], [cy, cy])
    (_, x2), (_, y2) = transformer.transform([cx, cx], [cy, cy + res])
    size = max(math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x0, y2 - y0))
    return size if math.isfinite(size) and size > 0 else math.inf


def render_window(
    values: np.ndarray,
    x_axis: tuple[float, float],
    y_axis: tuple[float, float],
    data_crs: str,
    tms: TileMatrixSet,
    tile: tuple[int, int, int],
    style: RenderStyle,
    method: str = "nearest",
) -> bytes:
    """A computed window (bands, ny, nx) sampled onto the tile's pixels, encoded."""
    points = tile_points(tms, tile, data_crs)
    pixels = sample(values, x_axis, y_axis, points, method)
    return style.render(ImageData(pixels, tms.xy_bounds(tile), tms.crs))
