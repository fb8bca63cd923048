"""Spatial neighbourhoods: apply_kernel, apply_neighborhood, aggregate_spatial_window."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import dask.array as da
import numpy as np
import scipy.ndimage
import xarray as xr

from ...engine.cube import DataCube
from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from ._util import as_list
from .apply import as_result_array

_BORDER_MODES = {
    "replicate": "nearest",
    "reflect": "reflect",
    "reflect_pixel": "mirror",
    "wrap": "wrap",
}


def _spatial_dims(cube: DataCube) -> tuple[str, str]:
    x_dim, y_dim = cube.x_dim, cube.y_dim
    if x_dim is None or y_dim is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    return x_dim, y_dim


@process("apply_kernel")
def apply_kernel(
    data: DataCube, kernel: Any, factor: float, border: Any, replace_invalid: float
) -> DataCube:
    rows = [as_list(r) for r in as_list(kernel) or []]
    weights = np.asarray(rows, dtype=float)
    if weights.ndim != 2 or weights.shape[0] % 2 == 0 or weights.shape[1] % 2 == 0:
        raise OpenEOError("KernelDimensionsUneven", "Each kernel dimension must have an odd size.")
    x_dim, y_dim = _spatial_dims(data)
    values = data.masked_float()
    values = values.astype(float) if values.dtype.kind in "biu" else values
    values = values.where(np.isfinite(values), replace_invalid)
    dims = list(values.dims)
    # The kernel's rows run along y and its columns along x; other dimensions get size 1.
    shape = [1] * len(dims)
    shape[dims.index(y_dim)], shape[dims.index(x_dim)] = weights.shape
    order = [dims.index(y_dim), dims.index(x_dim)]
    nd_kernel = (weights if order[0] < order[1] else weights.T).reshape(shape)
    if isinstance(border, str):
        if border not in _BORDER_MODES:
            raise ProcessParameterInvalid(f"Unknown border mode {border!r}.")
        mode, cval = _BORDER_MODES[border], 0.0
    else:
        mode, cval = "constant", float(border)

    def correlate(block: np.ndarray) -> np.ndarray:
        return scipy.ndimage.correlate(block, nd_kernel, mode=mode, cval=cval) * factor

    array = values.data
    if isinstance(array, da.Array):
        depth = {dims.index(y_dim): weights.shape[0] // 2, dims.index(x_dim): weights.shape[1] // 2}
        # Outer edges follow ``mode`` inside each edge block: no extra boundary padding.
        result = array.map_overlap(correlate, depth=depth, boundary="none", dtype=float)
    else:
        result = correlate(np.asarray(array))
    return data.with_data(values.copy(data=result), encoded=False)


#: Most cells of one window that a general reducer gets as an array (windows hold
#: padding beyond the cube: a window of any size is an array of that many values).
MAX_WINDOW_CELLS = 1_000_000


@process("aggregate_spatial_window")
def aggregate_spatial_window(
    data: DataCube, reducer: Any, size: Any, boundary: str, align: str, context: Any
) -> DataCube:
    x_dim, y_dim = _spatial_dims(data)
    sizes = as_list(size) or []
    if len(sizes) != 2 or not all(isinstance(v, int) and v >= 1 for v in sizes):
        raise ProcessParameterInvalid("size must be two positive integers [x, y].")
    sx, sy = sizes
    values = data.masked_float()
    if boundary == "trim":
        nx, ny = values.sizes[x_dim] // sx * sx, values.sizes[y_dim] // sy * sy
        left, upper = "left" in align, "upper" in align
        x_sel = slice(0, nx) if left else slice(values.sizes[x_dim] - nx, None)
        y_sel = slice(0, ny) if upper else slice(values.sizes[y_dim] - ny, None)
        values = values.isel({x_dim: x_sel, y_dim: y_sel})
    side: dict[str, Literal["left", "right"]] = {
        x_dim: "left" if "left" in align else "right",
        y_dim: "left" if "upper" in align else "right",
    }
    # A window wider than the cube holds the whole cube plus no-data padding: coarsening
    # pads to the window, so [99999999, 2] ran out of memory or took forever.
    wx, wy = min(sx, max(values.sizes[x_dim], 1)), min(sy, max(values.sizes[y_dim], 1))
    windows = values.coarsen({x_dim: wx, y_dim: wy}, boundary="pad", side=side)
    pid = getattr(reducer, "single_process_id", None)
    simple = {
        "mean": "mean",
        "median": "median",
        "min": "min",
        "max": "max",
        "sum": "sum",
        "product": "prod",
    }
    if pid in simple and reducer.single_process_arguments.get("ignore_nodata", True) is not False:
        result = getattr(windows, simple[pid])()  # skips NaN (also the padding's)
    else:
        if sx * sy > MAX_WINDOW_CELLS:
            raise ProcessParameterInvalid(
                f"aggregate_spatial_window: windows of {sx} x {sy} cells are more than"
                f" {MAX_WINDOW_CELLS} values for the reducer; mean, median, min, max, sum"
                " and product take any size.",
            )
        stacked = (
            values.coarsen({x_dim: sx, y_dim: sy}, boundary="pad", side=side)
            .construct({x_dim: (x_dim, "_wx"), y_dim: (y_dim, "_wy")})
            .stack(_window=("_wy", "_wx"))
        )
        stacked = stacked.drop_vars(["_window", "_wy", "_wx"], errors="ignore")
        reduced = reducer(data=ArrayValue(stacked, "_window", False), context=context)
        result = as_result_array(reduced, stacked.isel(_window=0, drop=True))
    result = result.assign_coords({
        x_dim: _window_centres(values[x_dim].values, sx, side[x_dim] == "left"),
        y_dim: _window_centres(values[y_dim].values, sy, side[y_dim] == "left"),
    })  # fmt: skip
    dims = [
        replace(d, step=d.step * (sx if d.name == x_dim else sy))
        if d.name in (x_dim, y_dim) and d.step
        else d
        for d in data.dimensions
    ]
    return data.with_data(result.transpose(*data.dim_names), dims, encoded=False)


def _window_centres(coords: np.ndarray, size: int, from_start: bool) -> np.ndarray:
    """Centre coordinates of windows of ``size`` cells, counted from the start or end."""
    coords = np.asarray(coords, dtype=float)
    n = coords.size
    count = -(-n // size)
    step = coords[1] - coords[0] if n > 1 else 0.0
    offsets = np.arange(count) * size + (size - 1) / 2
    if from_start:
        return coords[0] + step * offsets
    return coords[-1] - step * offsets[::-1]


@process("apply_neighborhood")
def apply_neighborhood(
    data: DataCube, process: Any, size: Any, overlap: Any, context: Any
) -> DataCube:
    sizes = _pixel_sizes(data, as_list(size) or [])
    overlaps = _pixel_sizes(data, as_list(overlap) or [])
    for name in (*sizes, *overlaps):
        data.dimension(name)
    values = data.masked_float()
    # Neighbourhoods become dask blocks; the child process runs once per block on a
    # small data cube (block plus overlap), never per pixel.
    dims = [str(d) for d in values.dims]
    array = values.chunk({d: sizes.get(d) or -1 for d in dims}).data
    depth = {i: overlaps.get(d, 0) for i, d in enumerate(dims)}
    for i, d in enumerate(dims):
        # An overlap beyond the whole dimension would be no-data padding only, as large
        # as asked for (dask refuses it: a depth of 2**63 gave 500).
        if depth[i] > array.shape[i]:
            raise ProcessParameterInvalid(
                f"apply_neighborhood: the overlap along {d!r} ({depth[i]} pixels) is larger"
                f" than the data cube ({array.shape[i]} pixels).",
            )
    starts = {i: np.concatenate([[0], np.cumsum(c)[:-1]]) for i, c in enumerate(array.chunks)}
    padded_coords = {
        d: _pad_coords(
            values[d].values if d in values.coords else np.arange(values.sizes[d]), depth[i]
        )
        for i, d in enumerate(dims)
    }

    dimensions = data.dimensions  # not the cube itself: task functions travel to workers

    def run(block: np.ndarray, block_info: Any = None) -> np.ndarray:
        index = block_info[0]["chunk-location"] if block_info else (0,) * block.ndim
        block_coords = {}
        for i, d in enumerate(dims):
            # The block starts ``depth`` before its chunk, i.e. at the chunk's start in
            # coordinates padded by ``depth`` in front.
            start = int(starts[i][index[i]])
            block_coords[d] = padded_coords[d][start : start + block.shape[i]]
        cube = DataCube(xr.DataArray(block, dims=dims, coords=block_coords), dimensions)
        result = process(data=cube, context=context)
        out = result.data if isinstance(result, DataCube) else result
        out = np.asarray(out.transpose(*dims).values if isinstance(out, xr.DataArray) else out)
        if out.shape != block.shape:
            raise OpenEOError(
                "DataCubePropertiesImmutable", "The neighbourhood process changed the cube's shape."
            )
        return out.astype(float)

    if any(depth.values()):
        # Missing overlap at the cube's borders is no-data (NaN).
        result = array.map_overlap(run, depth=depth, boundary=np.nan, dtype=float)
    else:
        result = array.map_blocks(run, dtype=float)
    return data.with_data(values.copy(data=result), encoded=False)


def _pad_coords(values: np.ndarray, depth: int) -> np.ndarray:
    if depth == 0:
        return values
    if np.issubdtype(values.dtype, np.number) and values.size > 1:
        step = values[1] - values[0]
        before = values[0] - step * np.arange(depth, 0, -1)
        after = values[-1] + step * np.arange(1, depth + 1)
        return np.concatenate([before, values, after])
    return np.concatenate([np.full(depth, values[0]), values, np.full(depth, values[-1])])


def _pixel_sizes(cube: DataCube, specs: list[Any]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for spec in specs:
        if not isinstance(spec, dict) or "dimension" not in spec:
            raise ProcessParameterInvalid(f"Invalid neighbourhood size {spec!r}.")
        name, value, unit = spec["dimension"], spec.get("value"), spec.get("unit")
        if value is None:
            continue
        if isinstance(value, str):
            raise ProcessParameterInvalid("Durations as neighbourhood sizes are not supported.")
        if unit == "m":
            step = cube.dimension(name).step
            if not step:
                raise ProcessParameterInvalid(f"Dimension {name!r} has no resolution.")
            value = value / step
        sizes[name] = int(round(value))
    return sizes
