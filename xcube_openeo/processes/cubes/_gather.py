"""Nearest-neighbour resampling of dask arrays onto another grid, chunk by chunk.

The target grid is cut into blocks (the chunks the result should have, usually those
of the cube it is merged with).  For every block the graph gets

- one task computing, for each target pixel, the index of its nearest source pixel
  (pixel centres projected into the source CRS; within one CRS per axis),
- one task per source chunk the block's footprint touches, picking the block's pixels
  out of that chunk (per chunk of the other dimensions),
- one task assembling the block from those picks; target pixels without a source
  pixel get the fill value.

So the graph grows with (target blocks) x (source chunks per block), each task holds
at most one source chunk and one target block, and nothing is computed while the
graph is built (only the block footprints are projected, a few points each).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import dask.array as da
import numpy as np
import pyproj
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph, MaterializedLayer

from ...errors import ProcessGraphComplexity
from ...execution.deadline import check_deadline

#: Points per block edge when projecting a block's footprint into the source CRS.
_DENSIFY = 21

#: Most chunks a resampled cube may have: graphs beyond are impractical for dask (and
#: building one would take long), whatever the request.
MAX_CHUNKS = 1_000_000


def resolution_of(values: np.ndarray) -> float:
    return float(np.abs(np.diff(values)).min()) if values.size > 1 else 0.0


def nearest_indices(coords: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest coordinate per target, and whether it is within half a cell."""
    return Axis.of(coords).nearest(targets)


@dataclass(frozen=True)
class Axis:
    """Source pixel centres of one axis, sorted once for nearest-neighbour look-ups."""

    sorted_coords: np.ndarray
    order: np.ndarray
    half: float

    @classmethod
    def of(cls, coords: np.ndarray) -> Axis:
        coords = np.asarray(coords, float)
        order = np.argsort(coords, kind="stable")
        half = resolution_of(coords) / 2 if coords.size > 1 else np.inf
        return cls(coords[order], order, half)

    @property
    def size(self) -> int:
        return int(self.sorted_coords.size)

    def nearest(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        targets = np.asarray(targets, float)
        n = self.size
        if n == 0:
            return np.zeros(targets.shape, int), np.zeros(targets.shape, bool)
        c = self.sorted_coords
        pos = np.clip(np.searchsorted(c, targets), 1, max(n - 1, 1))
        left = c[pos - 1]
        right = c[np.minimum(pos, n - 1)]
        pick = np.where(np.abs(targets - left) <= np.abs(targets - right), pos - 1, pos)
        pick = np.minimum(pick, n - 1)
        with np.errstate(invalid="ignore"):  # non-finite targets (outside a projection)
            ok = np.abs(c[pick] - targets) <= self.half * (1 + 1e-9)
        return self.order[pick], ok


@lru_cache(maxsize=64)
def _transformer(target_crs: str, source_crs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(target_crs, source_crs, always_xy=True)


@dataclass(frozen=True)
class Grids:
    """How target pixel centres find their source pixels (one per resampling)."""

    x_axis: Axis
    y_axis: Axis
    #: WKT of the target and source CRS, None when they are the same.
    target_crs: str | None = None
    source_crs: str | None = None

    def indices(self, xb: np.ndarray, yb: np.ndarray) -> Any:
        """Where the pixels of a block come from.

        Within one CRS per axis (:class:`AxisIndices`); across CRSs per pixel, a
        (3, len(yb), len(xb)) int32 array: source row, source column, ok (0/1).
        """
        if self.target_crs is None:
            iy, y_ok = self.y_axis.nearest(yb)
            ix, x_ok = self.x_axis.nearest(xb)
            return AxisIndices(iy, y_ok, ix, x_ok)
        gx, gy = np.meshgrid(xb, yb)
        sx, sy = _transformer(self.target_crs, self.source_crs).transform(gx, gy)
        ix2, x_ok = self.x_axis.nearest(np.asarray(sx))
        iy2, y_ok = self.y_axis.nearest(np.asarray(sy))
        return np.stack([iy2, ix2, x_ok & y_ok]).astype(np.int32)

    def footprint(self, xb: np.ndarray, yb: np.ndarray) -> tuple[slice, slice] | None:
        """Source rows and columns that the pixels of a block may take values from
        (a superset), or None if the block lies outside the source."""
        if self.target_crs is None:
            rows = _index_range(self.y_axis, yb.min(), yb.max())
            cols = _index_range(self.x_axis, xb.min(), xb.max())
        else:
            hx, hy = resolution_of(xb) / 2, resolution_of(yb) / 2
            bounds = (xb.min() - hx, yb.min() - hy, xb.max() + hx, yb.max() + hy)
            try:
                west, south, east, north = _transformer(
                    self.target_crs, self.source_crs
                ).transform_bounds(*bounds, densify_pts=_DENSIFY)
            except pyproj.exceptions.ProjError:
                west = south = east = north = np.nan
            if not all(np.isfinite(v) for v in (west, south, east, north)) or west > east:
                # Beyond the projection's domain or across the antimeridian: every
                # column (rows too if unknown); picks find the pixels that do map.
                cols = slice(0, self.x_axis.size)
                rows = (
                    _index_range(self.y_axis, south, north, margin=0.02)
                    if np.isfinite(south) and np.isfinite(north) and south <= north
                    else slice(0, self.y_axis.size)
                )
            else:
                rows = _index_range(self.y_axis, south, north, margin=0.02)
                cols = _index_range(self.x_axis, west, east, margin=0.02)
        if rows.stop <= rows.start or cols.stop <= cols.start:
            return None
        return rows, cols


@dataclass(frozen=True)
class AxisIndices:
    """Source row of every target row and source column of every target column (one
    CRS: the grid is separable), with whether each has a source pixel."""

    rows: np.ndarray
    rows_ok: np.ndarray
    cols: np.ndarray
    cols_ok: np.ndarray


def _index_range(axis: Axis, low: float, high: float, margin: float = 0.0) -> slice:
    """Source indices with centres within [low, high] widened by a cell (and
    ``margin`` of the span, for projected footprints)."""
    span = (high - low) * margin
    low, high = low - span - 2 * axis.half, high + span + 2 * axis.half
    c = axis.sorted_coords
    start, stop = np.searchsorted(c, low, "left"), np.searchsorted(c, high, "right")
    if stop <= start:
        return slice(0, 0)
    picked = axis.order[start:stop]
    return slice(int(picked.min()), int(picked.max()) + 1)


def gather(
    source: Any,
    grids: Grids,
    x_t: np.ndarray,
    y_t: np.ndarray,
    chunks_y: tuple[int, ...],
    chunks_x: tuple[int, ...],
    fill: Any,
) -> Any:
    """``source`` (a dask array with y and x as its last two axes) on the target grid.

    The result has ``source``'s chunks in the other axes and (``chunks_y``,
    ``chunks_x``) in y and x.
    """
    token = tokenize(
        source.name,
        grids.target_crs,
        grids.source_crs,
        x_t,
        y_t,
        chunks_y,
        chunks_x,
        fill,
        grids.x_axis.sorted_coords,
        grids.y_axis.sorted_coords,
    )
    name = f"regrid-nearest-{token}"
    index_name, pick_name, grids_name = f"{name}-index", f"{name}-pick", f"{name}-grids"
    grids_key = (grids_name,)
    other_blocks = list(itertools.product(*[range(n) for n in source.numblocks[:-2]]))
    other_chunks = source.chunks[:-2]
    y_bounds = np.concatenate([[0], np.cumsum(source.chunks[-2])])
    x_bounds = np.concatenate([[0], np.cumsum(source.chunks[-1])])
    dtype = source.dtype

    chunk_count = len(chunks_y) * len(chunks_x) * len(other_blocks)
    if chunk_count > MAX_CHUNKS:
        raise ProcessGraphComplexity(
            f"The resampled data cube would have {chunk_count:,} chunks (at most"
            f" {MAX_CHUNKS:,}); resample a smaller extent or to a coarser resolution.",
        )
    index_tasks: dict[Any, Any] = {}
    pick_tasks: dict[Any, Any] = {}
    out_tasks: dict[Any, Any] = {}
    y_starts = np.concatenate([[0], np.cumsum(chunks_y)])
    x_starts = np.concatenate([[0], np.cumsum(chunks_x)])
    for count, (by, bx) in enumerate(itertools.product(range(len(chunks_y)), range(len(chunks_x)))):
        if count % 64 == 0:
            check_deadline()  # a large target grid takes a while
        yb = np.asarray(y_t[y_starts[by] : y_starts[by + 1]], float)
        xb = np.asarray(x_t[x_starts[bx] : x_starts[bx + 1]], float)
        window = grids.footprint(xb, yb)
        touched: list[tuple[int, int, int, int]] = []
        if window is not None:
            rows, cols = window
            for sy in _blocks_of(y_bounds, rows):
                for sx in _blocks_of(x_bounds, cols):
                    touched.append((sy, sx, int(y_bounds[sy]), int(x_bounds[sx])))
        index_key = (index_name, by, bx)
        if touched:
            index_tasks[index_key] = (_block_indices, grids_key, xb, yb)
        for ob in other_blocks:
            shape = tuple(other_chunks[i][b] for i, b in enumerate(ob)) + (yb.size, xb.size)
            picks = []
            for sy, sx, y0, x0 in touched:
                pick_key = (pick_name, *ob, by, bx, sy, sx)
                pick_tasks[pick_key] = (_pick, (source.name, *ob, sy, sx), index_key, y0, x0)
                picks.append(pick_key)
            out_tasks[(name, *ob, by, bx)] = (_assemble, picks, shape, dtype, fill)

    block = (max(chunks_y), max(chunks_x))
    others = tuple(max(c) for c in other_chunks)
    layers = {
        grids_name: MaterializedLayer({grids_key: grids}),
        index_name: MaterializedLayer(
            index_tasks,
            collection_annotations={"chunksize": (3, *block), "dtype": np.dtype(np.int32)},
        ),
        pick_name: MaterializedLayer(
            pick_tasks,
            collection_annotations={
                # picked values plus their flat positions (int64)
                "chunksize": (*others, *block),
                "dtype": np.dtype(dtype),
            },
        ),
        name: MaterializedLayer(out_tasks),
    }
    dependencies = {
        grids_name: set(),
        index_name: {grids_name},
        pick_name: {index_name, source.name},
        name: {pick_name},
    }
    graph = HighLevelGraph.from_collections(name, {}, dependencies=[source])
    graph = HighLevelGraph({**graph.layers, **layers}, {**graph.dependencies, **dependencies})
    chunks = (*other_chunks, tuple(chunks_y), tuple(chunks_x))
    meta = np.empty((0,) * len(chunks), dtype=dtype)
    return da.Array(graph, name, chunks, dtype=dtype, meta=meta)


def _blocks_of(bounds: np.ndarray, span: slice) -> range:
    """Chunks (by their boundaries) that a range of indices touches."""
    first = int(np.searchsorted(bounds, span.start, "right")) - 1
    last = int(np.searchsorted(bounds, span.stop - 1, "right")) - 1
    return range(max(first, 0), min(last, bounds.size - 2) + 1)


def _block_indices(grids: Grids, xb: np.ndarray, yb: np.ndarray) -> np.ndarray:
    return grids.indices(xb, yb)


def _pick(chunk: np.ndarray, indices: Any, y0: int, x0: int) -> tuple[Any, ...]:
    """The block's pixels whose source pixel is in ``chunk`` (which starts at row
    ``y0``, column ``x0``): where they go in the block, and their values."""
    ny, nx = chunk.shape[-2:]
    chunk = np.asarray(chunk)
    if isinstance(indices, AxisIndices):  # rows x columns: orthogonal indexing
        rows = np.flatnonzero(indices.rows_ok & (indices.rows >= y0) & (indices.rows < y0 + ny))
        cols = np.flatnonzero(indices.cols_ok & (indices.cols >= x0) & (indices.cols < x0 + nx))
        values = chunk[..., indices.rows[rows] - y0, :][..., indices.cols[cols] - x0]
        return _as_slice(rows), _as_slice(cols), values
    iy, ix, ok = indices[0].ravel(), indices[1].ravel(), indices[2].ravel()
    inside = (ok != 0) & (iy >= y0) & (iy < y0 + ny) & (ix >= x0) & (ix < x0 + nx)
    positions = np.flatnonzero(inside)
    return (positions, chunk[..., iy[positions] - y0, ix[positions] - x0])


def _assemble(
    picks: list[tuple[Any, ...]], shape: tuple[int, ...], dtype: Any, fill: Any
) -> np.ndarray:
    out = np.full(shape, fill, dtype=dtype)
    flat = out.reshape((*shape[:-2], shape[-2] * shape[-1]))  # a view of ``out``
    for pick in picks:
        if len(pick) == 3:
            rows, cols, values = pick
            if values.size == 0:
                continue
            if isinstance(rows, slice) and isinstance(cols, slice):
                out[..., rows, cols] = values  # the usual case: a rectangle
            else:
                out[..., _as_index(rows)[:, None], _as_index(cols)[None, :]] = values
        elif pick[0].size:
            flat[..., pick[0]] = pick[1]
    return out


def _as_slice(positions: np.ndarray) -> slice | np.ndarray:
    """Consecutive positions as a slice (a rectangle is written at once)."""
    if positions.size and positions[-1] - positions[0] + 1 == positions.size:
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def _as_index(positions: slice | np.ndarray) -> np.ndarray:
    return np.arange(positions.start, positions.stop) if isinstance(positions, slice) else positions
