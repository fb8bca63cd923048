"""CF conventions shared by netCDF and Zarr: coordinates, grid mapping, band variables."""

from __future__ import annotations

import re
from collections.abc import Hashable, Set
from typing import Any

import numpy as np
import pyproj
import xarray as xr

from xcube_openeo.engine.cube import DataCube
from xcube_openeo.formats.raster import StoredData, band_names, stored_data
from xcube_openeo.formats.writing import require_cube

#: Name of the grid-mapping variable holding the CRS.
GRID_MAPPING = "crs"
CONVENTIONS = "CF-1.8"
#: Largest chunk edges in written files: spatial dimensions, then all others (a
#: chunk of at most 256 x 256 x 8 values reads well as a map and as a time series).
SPATIAL_CHUNK = 256
OTHER_CHUNK = 8


def prepare_cf(
    value: Any, fmt_name: str
) -> tuple[DataCube, StoredData, str | None, list[str], xr.Dataset]:
    """(cube, stored data, bands dimension, band names, coordinates dataset) of a
    raster cube that netCDF and Zarr can hold (any dimensions but one bands one)."""
    cube = require_cube(value, fmt_name, vector=False)
    stored = stored_data(cube, fmt_name)
    band_dim, bands = band_names(cube)
    return cube, stored, band_dim, bands, coordinates(cube, band_dim, fmt_name)


def coordinates(cube: DataCube, band_dim: str | None, fmt_name: str) -> xr.Dataset:
    """A dataset of the cube's coordinates (no data), the grid mapping and global
    attributes."""
    crs = None
    if cube.x_dim and cube.y_dim and cube.crs is not None:
        crs = cube.crs
    axis_attrs = _axis_attrs(crs)
    coords: dict[str, xr.Variable] = {}
    for dim in cube.dimensions:
        if dim.name == band_dim or dim.name not in cube.data.coords:
            continue
        values = np.asarray(cube.data[dim.name].values)
        attrs: dict[str, Any] = {}
        if dim.type == "spatial" and dim.axis in axis_attrs:
            attrs = dict(axis_attrs[dim.axis])
        elif dim.type == "temporal":
            attrs = {"standard_name": "time", "axis": "T"}
            if values.dtype.kind != "M":
                values = _as_str(values)  # period labels such as "2020-153"
        elif values.dtype.kind in "OT":
            values = _as_str(values)
        coords[dim.name] = xr.Variable(dim.name, values, attrs)
    ds = xr.Dataset(coords=coords, attrs={"Conventions": CONVENTIONS,
                                          "source": "xcube-openeo"})  # fmt: skip
    if crs is not None:
        gm_attrs = crs.to_cf()
        gm_attrs["spatial_ref"] = gm_attrs.get("crs_wkt", crs.to_wkt())  # read by GDAL
        ds[GRID_MAPPING] = xr.Variable((), np.int32(0), gm_attrs)
    return ds


def _axis_attrs(crs: pyproj.CRS | None) -> dict[str, dict[str, Any]]:
    if crs is None:
        return {}
    return {cf["axis"].lower(): dict(cf) for cf in crs.cs_to_cf() if "axis" in cf}


def variable_names(bands: list[str], taken: Set[Hashable]) -> list[str]:
    """Band names as unique variable names (valid in netCDF and Zarr)."""
    names: list[str] = []
    for band in bands:
        name = re.sub(r"[^A-Za-z0-9_.+-]", "_", band) or "band"
        if not name[0].isalpha():
            name = "band_" + name
        base, i = name, 1
        while name in taken or name in names:
            i += 1
            name = f"{base}_{i}"
        names.append(name)
    return names


def variable_attrs(band: str, stored: StoredData, has_grid_mapping: bool) -> dict[str, Any]:
    """CF attributes of a band variable holding stored (raw) values."""
    attrs: dict[str, Any] = {"long_name": band}
    if has_grid_mapping:
        attrs["grid_mapping"] = GRID_MAPPING
    if stored.scale is not None:
        attrs["scale_factor"] = float(stored.scale)
    if stored.offset is not None:
        attrs["add_offset"] = float(stored.offset)
    return attrs


def fill_value(stored: StoredData) -> Any:
    if stored.nodata is None:
        return None
    return stored.data.dtype.type(stored.nodata)


def file_chunks(cube: DataCube, dims: list[str]) -> list[int]:
    """Chunk sizes of the written variables along ``dims``."""
    spatial = set(cube.names_of_type("spatial"))
    return [min(cube.data.sizes[d], SPATIAL_CHUNK if d in spatial else OTHER_CHUNK)
            for d in dims]  # fmt: skip


def _as_str(values: np.ndarray) -> np.ndarray:
    """Fixed-width text labels (also from numpy's variable-width StringDType, which
    cannot be cast with ``astype(str)``)."""
    return np.array([str(v) for v in values.tolist()])
