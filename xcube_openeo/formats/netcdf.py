"""The ``netCDF`` output format: one netCDF-4 file following the CF conventions.

Bands become variables (named after the band labels), the CRS a ``grid_mapping``
variable, time a CF time coordinate.  xarray writes the coordinates and attributes;
the band variables are then filled strip by strip with netCDF4, so the cube is never
computed as a whole (xarray would compute it on the dask workers and need the file
on a file system they share).
"""

from __future__ import annotations

from typing import Any

import netCDF4
import numpy as np

from xcube_openeo.formats.cf import (
    GRID_MAPPING,
    file_chunks,
    fill_value,
    prepare_cf,
    variable_attrs,
    variable_names,
)
from xcube_openeo.formats.raster import BandStatistics, iter_strips, projection_of
from xcube_openeo.formats.registry import COMMON_PARAMETERS, FORMATS, FileFormat, WrittenFile
from xcube_openeo.formats.writing import Target

NAME = "netCDF"
MEDIA_TYPE = "application/netcdf"

PARAMETERS: dict[str, Any] = {
    **COMMON_PARAMETERS,
    "compression_level": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9,
        "default": 4,
        "description": "zlib compression level of the variables (0: uncompressed).",
    },
}


def check_netcdf(value: Any, options: dict[str, Any]) -> None:
    prepare_cf(value, NAME)


def write_netcdf(
    value: Any, options: dict[str, Any], target_dir: str, stem: str
) -> list[WrittenFile]:
    cube, stored, band_dim, bands, skeleton = prepare_cf(value, NAME)
    has_gm = GRID_MAPPING in skeleton
    var_names = variable_names(bands, set(skeleton.variables) | set(cube.dim_names))
    data = stored.data
    if band_dim is None:
        data = data.expand_dims("_band")
        band_dim = "_band"
    dims = [n for n in cube.dim_names if n != band_dim]
    data = data.transpose(band_dim, *dims)
    name = f"{stem}.nc"
    target = Target(target_dir)
    stats = [BandStatistics(stored.nodata) for _ in bands]
    with target.local_file(name) as path:
        skeleton.to_netcdf(path, format="NETCDF4", engine="netcdf4")
        with netCDF4.Dataset(path, "a") as nc:
            for dim in dims:  # dimensions without labels have no coordinate variable
                if dim not in nc.dimensions:
                    nc.createDimension(dim, cube.data.sizes[dim])
            variables = []
            for band, var_name in zip(bands, var_names, strict=True):
                var = nc.createVariable(
                    var_name,
                    data.dtype,
                    dims,
                    zlib=options["compression_level"] > 0,
                    complevel=options["compression_level"] or None,
                    fill_value=fill_value(stored),
                    chunksizes=file_chunks(cube, dims) or None,
                )
                var.set_auto_maskandscale(False)  # values are written as stored
                var.setncatts(variable_attrs(band, stored, has_gm))
                variables.append(var)
            _fill(data, dims, cube.y_dim, variables, stats)
    return [
        WrittenFile(
            name=name,
            media_type=MEDIA_TYPE,
            size=target.size(name),
            band_names=tuple(bands),
            projection=projection_of(cube),
            raster_bands=tuple(
                {**stored.band_metadata(), "statistics": s.to_json()} for s in stats
            ),
        )
    ]


def _fill(data: Any, dims: list[str], y_dim: str | None, variables: list[Any],
          stats: list[BandStatistics]) -> None:  # fmt: skip
    if not dims:  # a cube of bands only
        values = np.asarray(data.values)
        for var, band_stats, band_values in zip(variables, stats, values, strict=True):
            var.assignValue(band_values)
            band_stats.add(band_values)
        return
    strip_dim = y_dim if y_dim in dims else dims[0]
    axis = dims.index(strip_dim)
    for window, values in iter_strips(data, strip_dim):
        index = tuple(window if i == axis else slice(None) for i in range(len(dims)))
        for var, band_stats, band_values in zip(variables, stats, values, strict=True):
            var[index] = band_values
            band_stats.add(band_values)


FORMATS.add_output(
    FileFormat(
        name=NAME,
        gis_data_types=("raster",),
        title="Network Common Data Form (netCDF-4, CF conventions)",
        description="One netCDF-4 file: bands as variables named after the band labels"
        " (long_name: the label), the CRS in a grid_mapping variable 'crs', time as a CF"
        " time coordinate; integers stay as stored with _FillValue, scale_factor and"
        " add_offset.",
        parameters=PARAMETERS,
        writer=write_netcdf,
        checker=check_netcdf,
        media_type=MEDIA_TYPE,
    )
)
