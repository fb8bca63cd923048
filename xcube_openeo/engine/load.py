"""Reading collections into data cubes, reading only what the graph needs.

A :class:`LoadRequest` records the collection, level, bands, spatial and temporal
extent.  ``load_collection`` builds the cube from it, and filters applied directly to
such a fresh cube narrow the request and rebuild (``DataCube.fresh``), so that band
selection happens before bands are stacked and extents are cut on the dataset.
Everything stays lazy (dask): only coordinates are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import dask.array as da
import numpy as np
import shapely
import xarray as xr
from xcube.core.gridmapping import GridMapping

from ..errors import Internal
from ..util.identity_cache import IdentityCache
from .collection_metadata import ordered_band_names
from .cube import DataCube, Dimension, canonical_crs, format_datetime
from .geometry import as_slice, cube_crs, pixel_mask

BANDS_DIM = "bands"
#: Coordinate along the bands dimension holding common band names, where known.
COMMON_NAME = "common_name"
TIME_DIM = "t"


@dataclass(frozen=True)
class LoadRequest:
    collection_id: str
    dataset: xr.Dataset
    bands: tuple[str, ...] | None = None
    #: (west, south, east, north) in the dataset's CRS.
    bbox: tuple[float, float, float, float] | None = None
    #: Pixels outside this geometry (dataset CRS) are set to no-data.
    geometry: Any = None
    #: (start inclusive, end exclusive); either may be None.
    time_range: tuple[Any, Any] | None = None
    #: False if a metadata (``properties``) filter rejected the collection.
    accepted: bool = True
    #: The multi-resolution dataset ``dataset`` is level ``level`` of (if known).
    ml_dataset: Any = None
    level: int = 0

    def refine(self, **changes: Any) -> LoadRequest:
        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class FreshLoad:
    """What only a cube fresh from ``load_collection`` carries (``DataCube.fresh``).

    All of it describes the cube's data exactly as read, which no longer holds once
    the data changes: :meth:`DataCube.with_data` therefore drops it.
    """

    #: The read: filters directly after the load narrow it and read again.
    request: LoadRequest
    #: Physical values of each band in its own data type, by label, where the stacked
    #: data had to promote types.
    band_values: Mapping[Any, xr.DataArray] | None = None
    #: Stored values and no-data value of unscaled integer bands, where known.
    band_raw: Mapping[Any, tuple[xr.DataArray, Any]] | None = None


_STRUCTURES: IdentityCache[Any] = IdentityCache(max_entries=64)


def dataset_structure(
    ds: xr.Dataset, grid_mapping: GridMapping | None = None
) -> tuple[GridMapping, str | None, list[str]]:
    """The grid mapping, the time dimension (if any) and the band variables.

    Cached per dataset object: xcube checks grid regularity by computing (small)
    coordinate arrays, which need not happen for every process that looks.  A known
    ``grid_mapping`` (a multi-level dataset's own, for level 0) spares that check.
    """
    structure = _STRUCTURES.get(ds)
    if structure is None:
        structure = _dataset_structure(ds, grid_mapping)
        _STRUCTURES.put(ds, structure)
    return structure


def _dataset_structure(
    ds: xr.Dataset, grid_mapping: GridMapping | None
) -> tuple[GridMapping, str | None, list[str]]:
    try:
        gm = grid_mapping or GridMapping.from_dataset(ds)
    except Exception as e:  # xcube raises plain exceptions for datasets without a grid
        raise Internal(f"The collection has no usable spatial grid: {e}") from e
    x_dim, y_dim = gm.xy_dim_names
    time_dim = next(
        (str(d) for d in ds.dims if d in ds.coords and np.issubdtype(ds[d].dtype, np.datetime64)),
        None,
    )
    bands = [
        str(name)
        for name, var in ds.data_vars.items()
        if x_dim in var.dims and y_dim in var.dims and var.dtype.kind in "iufb"
    ]
    # The order the collection's metadata announces (Zarr keeps no variable order).
    return gm, time_dim, ordered_band_names(ds, bands)


def describe_dimensions(ds: xr.Dataset) -> dict[str, Any]:
    """STAC ``cube:dimensions`` of a collection as ``load_collection`` presents it."""
    gm, time_dim, bands = dataset_structure(ds)
    x_dim, y_dim = gm.xy_dim_names
    crs = gm.crs.to_epsg() or gm.crs.to_wkt()
    dims: dict[str, Any] = {}
    for axis, name in (("x", x_dim), ("y", y_dim)):
        values = ds[name].values
        dims[axis] = {
            "type": "spatial",
            "axis": axis,
            "extent": [float(values.min()), float(values.max())],
            "step": float(abs(gm.xy_res[0 if axis == "x" else 1])),
            "reference_system": crs,
        }
    if time_dim is not None:
        times = ds[time_dim].values

        dims[TIME_DIM] = {
            "type": "temporal",
            "extent": [format_datetime(times.min()), format_datetime(times.max())],
        }
    dims[BANDS_DIM] = {"type": "bands", "values": bands}
    return dims


def build_cube(request: LoadRequest) -> DataCube:
    """The lazy data cube for ``request``."""
    ds = request.dataset
    gm, time_dim, all_bands = dataset_structure(ds, level_grid_mapping(request))
    x_dim, y_dim = gm.xy_dim_names
    bands = list(request.bands) if request.bands is not None else all_bands
    indexers: dict[str, Any] = {}
    if request.bbox is not None:
        west, south, east, north = request.bbox
        indexers[x_dim] = _positions(ds[x_dim].values, west, east, gm.xy_res[0])
        indexers[y_dim] = _positions(ds[y_dim].values, south, north, gm.xy_res[1])
    if time_dim is not None and request.time_range is not None:
        start, end = request.time_range
        times = ds[time_dim].values
        keep = np.ones(times.shape, bool)
        if start is not None:
            keep &= times >= start
        if end is not None:
            keep &= times < end
        indexers[time_dim] = np.nonzero(keep)[0]
    if time_dim is not None and not request.accepted:
        indexers[time_dim] = np.array([], dtype=int)
    indexers = {k: as_slice(v) for k, v in indexers.items()}
    ds = ds[bands].isel(indexers) if bands else ds.isel(indexers)
    variables, encoding = _band_arrays(ds, bands)
    dim_order = [d for d in (time_dim, y_dim, x_dim) if d is not None]
    if variables:
        if len({v.dims for v in variables}) > 1:
            # E.g. a static band next to time series: repeat it along the missing dims.
            variables = list(xr.broadcast(*variables))
        data = _stacked(variables)
    else:
        shape = [ds.sizes[d] for d in dim_order]
        data = xr.DataArray(np.empty([0, *shape]), dims=[BANDS_DIM, *dim_order])
    data = data.assign_coords({BANDS_DIM: np.array(bands, dtype=object)})
    common = [ds[b].attrs.get("common_name") if b in ds else None for b in bands]
    extra = [d for d in data.dims if d not in (BANDS_DIM, *dim_order)]
    data = data.transpose(BANDS_DIM, *dim_order, *extra)
    data = data.drop_vars([c for c in data.coords if c not in data.dims])
    data = data.rename({x_dim: "x", y_dim: "y", **({time_dim: TIME_DIM} if time_dim else {})})
    if any(common):
        # Common band names (red, nir, ...) ride along as a non-index coordinate.
        data = data.assign_coords({COMMON_NAME: (BANDS_DIM, np.array(common, dtype=object))})
    crs = canonical_crs(gm.crs)
    dims = [
        Dimension(BANDS_DIM, "bands"),
        Dimension("y", "spatial", axis="y", crs=crs, step=abs(gm.xy_res[1])),
        Dimension("x", "spatial", axis="x", crs=crs, step=abs(gm.xy_res[0])),
        *([Dimension(TIME_DIM, "temporal")] if time_dim else []),
        *[Dimension(str(d), "other") for d in extra],
    ]
    nodata, scale, offset = encoding
    cube = DataCube(data, dims, nodata, scale=scale, offset=offset)
    fresh = FreshLoad(request)
    if request.geometry is not None:
        cube = _mask_outside(cube, request.geometry)
    elif encoding == (None, None, None) and variables:
        # Bands decoded one by one and stacked share one type (e.g. an integer class
        # band becomes float); band math can use each band in its own type instead.
        renames = {x_dim: "x", y_dim: "y", **({time_dim: TIME_DIM} if time_dim else {})}
        order = [renames.get(str(d), str(d)) for d in (*dim_order, *extra)]
        band_values = {
            band: _like_cube(var, renames, order)
            for band, var in zip(bands, variables, strict=True)
        }
        # Integer bands whose only encoding is a no-data value, as stored: tests for
        # class values need no float copy (see ``processes.cubes.bandmath``).
        band_raw = {}
        for band in bands:
            nodata, scale, offset = _encoding(ds[band])
            if ds[band].dtype.kind in "iu" and scale is None and offset is None:
                raw = _like_cube(_without_attrs(ds[band]), renames, order)
                band_raw[band] = (raw, nodata)
        fresh = FreshLoad(request, band_values, band_raw)
    return replace(cube, fresh=fresh)


def _stacked(variables: list[xr.DataArray]) -> xr.DataArray:
    """The bands (same dimensions) stacked along a new first dimension ``bands``, with
    the first band's dimension coordinates: what ``xr.concat`` gives here, without
    its alignment and merging of coordinates (a few ms per load, felt by map tiles)."""
    first = variables[0]
    if all(v.dims == first.dims for v in variables) and all(
        isinstance(v.data, da.Array) for v in variables
    ):
        coords = {d: first[d].variable for d in first.dims if d in first.coords}
        stacked = da.stack([v.data for v in variables])
        return xr.DataArray(stacked, dims=(BANDS_DIM, *first.dims), coords=coords)
    return xr.concat(variables, dim=BANDS_DIM, coords="minimal", compat="override")


def _like_cube(var: xr.DataArray, renames: dict[Any, str], order: list[str]) -> xr.DataArray:
    """A band array with the cube's dimension names and order, and no extra coords."""
    var = var.drop_vars([c for c in var.coords if c not in var.dims])
    var = var.rename({k: v for k, v in renames.items() if k in var.dims})
    return var.transpose(*[d for d in order if d in var.dims])


def level_grid_mapping(request: LoadRequest) -> GridMapping | None:
    """The multi-level dataset's grid mapping if ``request`` reads its level 0."""
    if request.ml_dataset is None or request.level != 0:
        return None
    try:
        return request.ml_dataset.grid_mapping  # computed once per dataset by xcube
    except Exception:  # a dataset without a usable grid: found out by the caller
        return None


def _positions(coords: np.ndarray, low: float, high: float, res: float) -> np.ndarray:
    """Indices of cells whose centre lies within [low, high] (as ``filter_bbox``)."""
    return np.nonzero((coords >= low) & (coords <= high))[0]


def _band_arrays(
    ds: xr.Dataset, bands: list[str]
) -> tuple[list[xr.DataArray], tuple[Any, Any, Any]]:
    """The band arrays, and their shared encoding (nodata, scale, offset) if any.

    Integer bands that share one encoding stay integer (decoded lazily when arithmetic
    needs it); bands with differing encodings are decoded to float here.
    """
    encodings = {_encoding(ds[b]) for b in bands}
    arrays = [_without_attrs(ds[b]) for b in bands]
    all_int = all(ds[b].dtype.kind in "iu" for b in bands)
    if len(encodings) == 1 and all_int:
        return arrays, next(iter(encodings))
    decoded = []
    for band, array in zip(bands, arrays, strict=True):
        nodata, scale, offset = _encoding(ds[band])
        if nodata is not None:
            array = array.where(array != nodata)
        if scale is not None:
            array = array * scale
        if offset is not None:
            array = array + offset
        decoded.append(array)
    return decoded, (None, None, None)


def _without_attrs(var: xr.DataArray) -> xr.DataArray:
    # Encoding attributes (scale, nodata, ...) are the cube's business from here on.
    var = var.copy(deep=False)
    var.attrs = {}
    return var


def _encoding(var: xr.DataArray) -> tuple[Any, Any, Any]:
    attrs = var.attrs
    nodata = attrs.get("nodata", attrs.get("_FillValue"))
    scale = attrs.get("scale", attrs.get("scale_factor"))
    offset = attrs.get("offset", attrs.get("add_offset"))
    if scale is not None and float(scale) == 1:
        scale = None
    if offset is not None and float(offset) == 0:
        offset = None
    return (
        None if nodata is None else _plain(nodata),
        None if scale is None else float(scale),
        None if offset is None else float(offset),
    )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _mask_outside(cube: DataCube, geometry: Any) -> DataCube:
    inside = pixel_mask(cube, geometry, cube_crs(cube))
    return mask_where(cube, ~inside)


def mask_where(cube: DataCube, condition: xr.DataArray, replacement: Any = None) -> DataCube:
    """Replace values where ``condition`` holds (no-data by default), keeping ints."""
    data = cube.data
    if replacement is None:
        if cube.nodata is not None:
            return cube.with_data(data.where(~condition, cube.nodata))
        if data.dtype.kind in "iub":
            # Integer data without a no-data value: no-data needs NaN, hence float.
            return cube.decoded().with_data(cube.masked_float().where(~condition))
        return cube.with_data(data.where(~condition))
    if cube.is_encoded and isinstance(replacement, int | float) and data.dtype.kind in "iu":
        # A replacement in physical units on encoded data: store it encoded if exact.
        stored = (replacement - (cube.offset or 0)) / (cube.scale or 1)
        if float(stored).is_integer():
            return cube.with_data(data.where(~condition, data.dtype.type(stored)))
        return cube.decoded().with_data(cube.masked_float().where(~condition, replacement))
    return cube.with_data(data.where(~condition, replacement))


__all__ = [
    "FreshLoad",
    "LoadRequest",
    "build_cube",
    "describe_dimensions",
    "dataset_structure",
    "shapely",
]
