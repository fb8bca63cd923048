"""Tiles and coverages of a finished job's staged result cube (a "result layer").

The staged cube is read directly (no process graph): a tile reads the window of the
cube under the tile, every ``step``-th pixel when the tile's pixels are coarser than
the cube's (staged results have no pyramid), and samples it onto the tile's grid.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import xarray as xr

from xcube_openeo.engine.cube import DataCube
from xcube_openeo.engine.geometry import cube_crs
from xcube_openeo.errors import BadRequest, NotFound
from xcube_openeo.execution.staging import VARIABLE, open_staged
from xcube_openeo.services import sampling
from xcube_openeo.services.result_arrays import (
    empty_tile,
    select_time,
    tile_cube_any_bands,
    time_labels,
)
from xcube_openeo_tiles import RenderStyle, TileMatrixSet

PAD_PIXELS = 2


@dataclass(frozen=True)
class Layer:
    """A staged result as (bands, t?, y, x), with its grid.

    ``data`` holds the stored values, lazily indexed without dask: a tile reads just
    its window straight from Zarr (no task graph to build and schedule for a few
    chunks), and is decoded in numpy (``nodata``, ``scale``, ``offset``).
    """

    data: Any  # xarray.DataArray over a lazily indexed Zarr array
    nodata: Any
    scale: float | None
    offset: float | None
    crs: str
    bbox_wgs84: tuple[float, float, float, float]
    resolution: float
    bands: tuple[str, ...]
    times: tuple[str, ...]

    def decode(self, values: np.ndarray) -> np.ndarray:
        """Physical values as float32, NaN for no data."""
        out = values.astype(np.float32)
        if self.nodata is not None:
            out[values == self.nodata] = np.nan
        if self.scale is not None:
            out *= self.scale
        if self.offset:
            out += self.offset
        return out


_LAYERS: dict[tuple[str, str], Layer] = {}
_LOCK = threading.Lock()


def open_layer(
    staged_url: str, storage_options: dict[str, Any] | None = None, version: str = ""
) -> Layer:
    """The layer of a staged cube, opened once per URL and ``version`` (the job's
    finishing time: a new run stages anew under the same URL)."""
    key = (staged_url, version)
    with _LOCK:
        layer = _LAYERS.get(key)
    if layer is not None:
        return layer
    try:
        cube = open_staged(staged_url, storage_options)
        stored = xr.open_zarr(
            staged_url, storage_options=storage_options or None, consolidated=True, chunks=None
        )[VARIABLE]
    except (FileNotFoundError, KeyError) as e:
        raise NotFound("This job has no raster result to show.") from e
    # Without nodata/scale/offset the cube is taken as it is stored (decoded per tile).
    data = tile_cube_any_bands(DataCube(stored, cube.dimensions))
    crs = sampling.crs_key(cube_crs(cube))
    xs, ys = data["x"].values, data["y"].values
    x_dim, y_dim = cube.x_dim, cube.y_dim
    assert x_dim is not None and y_dim is not None  # tile_cube_any_bands checked them
    res_x = abs(float(xs[1] - xs[0])) if xs.size > 1 else float(cube.dimension(x_dim).step or 1)
    res_y = abs(float(ys[1] - ys[0])) if ys.size > 1 else float(cube.dimension(y_dim).step or 1)
    x0, x1 = float(xs.min()) - res_x / 2, float(xs.max()) + res_x / 2
    y0, y1 = float(ys.min()) - res_y / 2, float(ys.max()) + res_y / 2
    if sampling.is_geographic_lonlat(crs):
        bbox = (max(x0, -180.0), max(y0, -90.0), min(x1, 180.0), min(y1, 90.0))
    else:
        transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        west, south, east, north = transformer.transform_bounds(x0, y0, x1, y1, densify_pts=21)
        bbox = (float(west), float(south), float(east), float(north))
    layer = Layer(
        data=data,
        nodata=cube.nodata,
        scale=cube.scale,
        offset=cube.offset,
        crs=crs,
        bbox_wgs84=bbox,
        resolution=max(res_x, res_y),
        bands=tuple(str(b) for b in data["bands"].values),
        times=tuple(time_labels(data)),
    )
    with _LOCK:
        if len(_LAYERS) > 64:
            _LAYERS.clear()
        _LAYERS[key] = layer
    return layer


def select_bands(layer: Layer, names: list[str] | None) -> Any:
    if not names:
        return layer.data.isel(bands=[0])
    missing = [n for n in names if n not in layer.bands]
    if missing or len(names) not in (1, 3):
        raise BadRequest(f"Choose 1 or 3 of the bands {list(layer.bands)} (not {names}).")
    return layer.data.sel(bands=names)


def render_tile(
    layer: Layer,
    bands: list[str] | None,
    time_label: str | None,
    tms: TileMatrixSet,
    tile: tuple[int, int, int],
    style: RenderStyle,
) -> bytes:
    west, south, east, north = tms.bounds(tile)
    lw, ls, le, ln = layer.bbox_wgs84
    w, s, e, n = max(west, lw), max(south, ls), min(east, le), min(north, ln)
    data = select_time(select_bands(layer, bands), time_label)
    if w >= e or s >= n or data is None:
        return empty_tile(style, tms)
    if sampling.is_geographic_lonlat(layer.crs):
        box = (w, s, e, n)
    else:
        box = sampling._transformer("EPSG:4326", layer.crs).transform_bounds(
            w, s, e, n, densify_pts=21
        )
    tile_res = sampling.resolution_in(tms, tile, layer.crs)
    step = max(1, math.floor(tile_res / layer.resolution)) if math.isfinite(tile_res) else 1
    pad = PAD_PIXELS * layer.resolution * step
    window = data.isel(
        x=_window(data["x"].values, box[0] - pad, box[2] + pad, step),
        y=_window(data["y"].values, box[1] - pad, box[3] + pad, step),
    )
    if 0 in window.shape:
        return empty_tile(style, tms)
    values = window_values(layer, window)
    x_axis = sampling.axis_grid(window["x"].values, layer.resolution * step)
    y_axis = sampling.axis_grid(window["y"].values, -layer.resolution * step)
    return sampling.render_window(values, x_axis, y_axis, layer.crs, tms, tile, style)


def window_values(layer: Layer, window: Any) -> np.ndarray:
    """The window's physical values: reads the window's chunks only."""
    return layer.decode(window.values)


def _window(coords: np.ndarray, low: float, high: float, step: int) -> slice:
    inside = np.nonzero((coords >= low) & (coords <= high))[0]
    if inside.size == 0:
        return slice(0, 0)
    start = int(inside[0]) - int(inside[0]) % step  # aligned: neighbouring tiles agree
    return slice(start, int(inside[-1]) + 1, step)
