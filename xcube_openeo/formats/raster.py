"""Raster cubes prepared for writing: storable data types, grid, strips, statistics.

Writers never load a whole cube: :func:`iter_strips` computes it in strips along one
dimension (aligned to the dask chunks), on whichever dask scheduler the calling
thread uses, and the file is written by the calling process.  That keeps memory
bounded by a strip and needs no file system shared with the dask workers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import xarray as xr
from affine import Affine

from xcube_openeo.engine.cube import DataCube
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats.writing import unsuitable

#: Upper bound of the bytes of one strip computed at a time (at least one chunk).
STRIP_BYTES = 64 * 2**20


@dataclass(frozen=True)
class StoredData:
    """A cube's values as they go into a file."""

    data: xr.DataArray
    #: No-data value in ``data`` (NaN for float data), None if there is none.
    nodata: Any
    scale: float | None
    offset: float | None

    def band_metadata(self) -> dict[str, Any]:
        """The part of a STAC ``raster:bands`` entry shared by all bands."""
        meta: dict[str, Any] = {"data_type": self.data.dtype.name}
        if self.nodata is not None:
            meta["nodata"] = "nan" if _is_nan(self.nodata) else _json_number(self.nodata)
        if self.scale is not None:
            meta["scale"] = float(self.scale)
        if self.offset is not None:
            meta["offset"] = float(self.offset)
        return meta


def stored_data(cube: DataCube, fmt_name: str) -> StoredData:
    """Integers stay as stored (with their no-data, scale and offset), booleans become
    uint8 0/1, floats keep NaN as no-data; dates, strings and objects are refused."""
    data = cube.data
    kind = data.dtype.kind
    if kind == "b":
        return StoredData(data.astype(np.uint8), None, None, None)
    if kind in "iu":
        return StoredData(data, _representable(cube.nodata, data.dtype), cube.scale, cube.offset)
    if kind == "f":
        if data.dtype.itemsize < 4:
            data = data.astype(np.float32)
        return StoredData(data, np.nan, None, None)
    if kind == "O" and data.chunks is None:
        # Booleans or numbers with no-data (None) live in object arrays in memory
        # (lazy data uses float instead), so converting them here computes nothing.
        try:
            converted = data.copy(data=_objects_to_float(data.values))
        except (TypeError, ValueError) as e:
            raise unsuitable(fmt_name, f"it has values that are not numbers ({e}).") from None
        return StoredData(converted, np.nan, None, None)
    raise unsuitable(fmt_name, f"its values have data type {data.dtype}, which is not numeric.")


def _representable(nodata: Any, dtype: np.dtype) -> Any:
    """An integer no-data value in ``dtype``; None if no value can equal it (then the
    data has no no-data, and files must not claim a value they cannot hold)."""
    if nodata is None:
        return None
    info = np.iinfo(dtype)
    try:
        integral = float(nodata).is_integer()
    except (TypeError, ValueError):
        return None
    if not integral or not info.min <= int(nodata) <= info.max:
        return None
    return dtype.type(int(nodata))


def _objects_to_float(values: np.ndarray) -> np.ndarray:
    flat = [np.nan if v is None else float(v) for v in values.ravel()]
    return np.array(flat, dtype=np.float64).reshape(values.shape)


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def _json_number(value: Any) -> int | float:
    value = value.item() if isinstance(value, np.generic) else value
    return value


@dataclass(frozen=True)
class Grid:
    """The regular grid of a cube's x and y dimensions (coordinates are pixel centres)."""

    x_dim: str
    y_dim: str
    crs: pyproj.CRS | None
    #: x of the left edge, y of the top edge (north-up: the first row is the top).
    transform: Affine
    width: int
    height: int
    #: Whether the cube's y coordinates increase (then rows are flipped for north-up).
    y_ascending: bool

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        t = self.transform  # north-up: no rotation terms
        x0, y0 = t.c, t.f
        x1, y1 = t.c + t.a * self.width, t.f + t.e * self.height
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def projection_fields(self, north_up: bool = True) -> dict[str, Any]:
        """STAC projection extension (v1.1) fields of a file on this grid; the
        transform only for files whose rows run north to south (``north_up``)."""
        fields: dict[str, Any] = {
            "proj:shape": [self.height, self.width],
            "proj:bbox": list(self.bbox),
        }
        if north_up:
            fields["proj:transform"] = list(self.transform)[:6]
        if self.crs is not None:
            epsg = self.crs.to_epsg()
            if epsg is not None:
                fields["proj:epsg"] = epsg
            else:
                fields["proj:wkt2"] = self.crs.to_wkt()
        return fields


def cube_grid(cube: DataCube, fmt_name: str) -> Grid:
    x_dim, y_dim = cube.x_dim, cube.y_dim
    if x_dim is None or y_dim is None:
        raise unsuitable(fmt_name, "it has no spatial x and y dimensions.")
    x_res, x_first = _axis_spacing(cube, x_dim, fmt_name)
    y_res, y_first = _axis_spacing(cube, y_dim, fmt_name)
    height = cube.data.sizes[y_dim]
    y_ascending = y_res > 0
    top = y_first + (height - 1) * y_res if y_ascending else y_first
    transform = Affine(
        abs(x_res), 0.0, x_first - abs(x_res) / 2, 0.0, -abs(y_res), top + abs(y_res) / 2
    )
    return Grid(
        x_dim,
        y_dim,
        cube.crs,
        transform,
        cube.data.sizes[x_dim],
        height,
        y_ascending,
    )


def _axis_spacing(cube: DataCube, dim: str, fmt_name: str) -> tuple[float, float]:
    """(signed cell size, first coordinate) of a regular spatial dimension."""
    if dim not in cube.data.coords:
        raise unsuitable(fmt_name, f"dimension {dim!r} has no coordinates.")
    coords = np.asarray(cube.data[dim].values, dtype=np.float64)
    if coords.size == 1:
        step = cube.dimension(dim).step
        if not step:
            raise unsuitable(fmt_name, f"the cell size of dimension {dim!r} is unknown.")
        return float(step) * (-1.0 if cube.dimension(dim).axis == "y" else 1.0), float(coords[0])
    steps = np.diff(coords)
    res = (coords[-1] - coords[0]) / (coords.size - 1)
    if res == 0 or not np.allclose(steps, res, rtol=1e-6, atol=abs(res) * 1e-6):
        raise unsuitable(fmt_name, f"the coordinates of dimension {dim!r} are not regular.")
    return float(res), float(coords[0])


def north_up(data: xr.DataArray, grid: Grid) -> xr.DataArray:
    """``data`` with rows from north to south (lazily reversed if needed)."""
    return data.isel({grid.y_dim: slice(None, None, -1)}) if grid.y_ascending else data


def iter_strips(
    data: xr.DataArray, dim: str, max_bytes: int | None = None
) -> Iterator[tuple[slice, np.ndarray]]:
    """``(slice along dim, computed values)`` strip by strip along ``dim``."""
    max_bytes = STRIP_BYTES if max_bytes is None else max_bytes
    size = data.sizes[dim]
    row_bytes = max(1, data.nbytes // max(size, 1))
    if data.chunks is not None:
        pieces = deque(data.chunksizes[dim])
    else:
        pieces = deque([1] * size)
    start = 0
    while start < size:
        stop = start + pieces.popleft()
        while pieces and (stop - start + pieces[0]) * row_bytes <= max_bytes:
            stop += pieces.popleft()
        window = slice(start, stop)
        yield window, np.asarray(data.isel({dim: window}).values)
        start = stop


@dataclass
class BandStatistics:
    """Running statistics of one band's valid values (STAC ``statistics``)."""

    nodata: Any = None
    count: int = 0
    total: int = 0
    minimum: float = np.inf
    maximum: float = -np.inf
    sum: float = 0.0
    sum_sq: float = 0.0

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values)
        self.total += values.size
        valid = values[np.isfinite(values)] if values.dtype.kind == "f" else values.ravel()
        if self.nodata is not None and not _is_nan(self.nodata):
            valid = valid[valid != self.nodata]
        if valid.size == 0:
            return
        as_float = valid.astype(np.float64)
        self.count += valid.size
        self.minimum = min(self.minimum, float(as_float.min()))
        self.maximum = max(self.maximum, float(as_float.max()))
        self.sum += float(as_float.sum())
        self.sum_sq += float(np.square(as_float).sum())

    def to_json(self) -> dict[str, Any]:
        stats: dict[str, Any] = {
            "valid_percent": 100.0 * self.count / self.total if self.total else 0.0
        }
        if self.count:
            mean = self.sum / self.count
            stats.update(
                minimum=self.minimum,
                maximum=self.maximum,
                mean=mean,
                stddev=float(np.sqrt(max(self.sum_sq / self.count - mean * mean, 0.0))),
            )
        return stats


def band_names(cube: DataCube) -> tuple[str | None, list[str]]:
    """(name of the bands dimension or None, band names; ``["data"]`` without bands)."""
    bands = cube.names_of_type("bands")
    if len(bands) > 1:
        raise OpenEOError(
            "FormatUnsuitable", f"The data cube has several band dimensions: {bands}."
        )
    if not bands:
        return None, ["data"]
    return bands[0], [str(b) for b in cube.labels(bands[0])]


def projection_of(cube: DataCube) -> dict[str, Any]:
    """STAC projection fields of a file holding the cube's rows as they are (netCDF,
    Zarr); none if the cube has no regular grid."""
    try:
        grid = cube_grid(cube, "")
    except OpenEOError:
        return {}
    return grid.projection_fields(north_up=not grid.y_ascending)
