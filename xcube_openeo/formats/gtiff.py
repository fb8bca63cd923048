"""The ``GTiff`` output format: Cloud-Optimized GeoTIFFs, one per time step.

The cube is written strip by strip into an uncompressed tiled GeoTIFF in a temporary
directory, which GDAL's COG driver then copies into the final file (compressed, with
overviews); GDAL reads the temporary file block by block, so no step holds the
whole raster in memory.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import rasterio.shutil
from rasterio.crs import CRS
from rasterio.windows import Window

from xcube_openeo.engine.cube import DataCube, format_datetime
from xcube_openeo.formats.raster import (
    BandStatistics,
    Grid,
    StoredData,
    band_names,
    cube_grid,
    iter_strips,
    north_up,
    stored_data,
)
from xcube_openeo.formats.registry import COMMON_PARAMETERS, FORMATS, FileFormat, WrittenFile
from xcube_openeo.formats.writing import Target, require_cube, safe_label, unsuitable

NAME = "GTiff"
MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"

PARAMETERS: dict[str, Any] = {
    **COMMON_PARAMETERS,
    "compression": {
        "type": "string",
        "enum": ["deflate", "lzw", "zstd", "none"],
        "default": "deflate",
        "description": "Compression of the image data.",
    },
    "blocksize": {
        "type": "integer",
        "enum": [128, 256, 512, 1024],
        "default": 512,
        "description": "Width and height of the tiles in pixels.",
    },
    "overview_resampling": {
        "type": "string",
        "enum": ["nearest", "average", "bilinear", "cubic", "mode"],
        "default": "nearest",
        "description": "Resampling method of the overviews (nearest suits classes,"
        " average suits continuous values).",
    },
}


def check_gtiff(value: Any, options: dict[str, Any]) -> None:
    _prepare(value)


def _prepare(value: Any) -> tuple[DataCube, str | None, Grid, StoredData, str | None, list[str]]:
    cube = require_cube(value, NAME, vector=False)
    time_dim = _check_dimensions(cube)
    grid = cube_grid(cube, NAME)
    stored = stored_data(cube, NAME)
    band_dim, names = band_names(cube)
    return cube, time_dim, grid, stored, band_dim, names


def write_gtiff(
    value: Any, options: dict[str, Any], target_dir: str, stem: str
) -> list[WrittenFile]:
    cube, time_dim, grid, stored, band_dim, names = _prepare(value)
    data = north_up(stored.data, grid)
    if band_dim is None:
        data = data.expand_dims("_band")
        band_dim = "_band"
    if time_dim is None:
        data = data.expand_dims("_time")
        time_dim = "_time"
        times: list[Any] = [None]
    else:
        times = list(cube.data[time_dim].values)
    data = data.transpose(time_dim, band_dim, grid.y_dim, grid.x_dim)
    file_names = (
        [f"{stem}.tif"]
        if times == [None]
        else [f"{stem}_{label}.tif" for label in _file_labels(times)]
    )
    target = Target(target_dir)
    written = []
    with tempfile.TemporaryDirectory(prefix="xcube-openeo-gtiff-") as tmp:
        staged = [os.path.join(tmp, f"{i}.tif") for i in range(len(times))]
        stats = _write_staged(data, stored, grid, names, times, staged, options)
        for name, path, time, band_stats in zip(file_names, staged, times, stats, strict=True):
            with target.local_file(name) as out:
                _copy_as_cog(path, out, options)
            written.append(
                WrittenFile(
                    name=name,
                    media_type=MEDIA_TYPE,
                    size=target.size(name),
                    band_names=tuple(names),
                    raster_bands=tuple(
                        {**stored.band_metadata(), "statistics": s.to_json()} for s in band_stats
                    ),
                    # STAC needs RFC 3339: period labels ("2020-153") go to the title.
                    datetime=format_datetime(time) if isinstance(time, np.datetime64) else None,
                    title=None if time is None else _datetime_label(time),
                    projection=grid.projection_fields(),
                )
            )
    return written


def _check_dimensions(cube: DataCube) -> str | None:
    """The temporal dimension (if any) of a cube GTiff can hold."""
    allowed = {
        cube.x_dim,
        cube.y_dim,
        *cube.names_of_type("bands"),
        *cube.names_of_type("temporal"),
    }
    others = [n for n in cube.dim_names if n not in allowed]
    if others:
        raise unsuitable(
            NAME,
            f"GeoTIFF holds x, y, bands and (one file per) time only; dimension(s)"
            f" {', '.join(others)} must be reduced first (or use netCDF or Zarr).",
        )
    temporal = cube.names_of_type("temporal")
    if len(temporal) > 1:
        raise unsuitable(NAME, f"it has several temporal dimensions: {temporal}.")
    return temporal[0] if temporal else None


def _file_labels(times: list[Any]) -> list[str]:
    """Time labels for file names: dates alone when every time step is at midnight."""
    values = np.asarray(times)
    if values.dtype.kind == "M" and (values == values.astype("datetime64[D]")).all():
        return [str(v) for v in values.astype("datetime64[D]")]
    return [safe_label(t) for t in times]


def _datetime_label(time: Any) -> str:
    if isinstance(time, np.datetime64):
        return format_datetime(time)
    return str(time)  # period labels (such as "2020-153") stay as they are


def _write_staged(
    data: Any,
    stored: StoredData,
    grid: Grid,
    names: list[str],
    times: list[Any],
    paths: list[str],
    options: dict[str, Any],
) -> list[list[BandStatistics]]:
    """Writes (time, band, y, x) data into one tiled GeoTIFF per time step."""
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": len(names),
        "dtype": stored.data.dtype.name,
        "crs": None if grid.crs is None else CRS.from_wkt(grid.crs.to_wkt()),
        "transform": grid.transform,
        "nodata": stored.nodata,
        "tiled": True,
        "blockxsize": options["blocksize"],
        "blockysize": options["blocksize"],
        "BIGTIFF": "IF_SAFER",
    }
    stats = [[BandStatistics(stored.nodata) for _ in names] for _ in times]
    with ExitStack() as stack:
        datasets = [stack.enter_context(rasterio.open(p, "w", **profile)) for p in paths]
        for ds, time in zip(datasets, times, strict=True):
            _describe(ds, stored, names, time)
        for rows, values in iter_strips(data, grid.y_dim):
            window = Window(0, rows.start, grid.width, rows.stop - rows.start)
            for ds, step_values, step_stats in zip(datasets, values, stats, strict=True):
                ds.write(step_values, window=window)
                for band_stats, band_values in zip(step_stats, step_values, strict=True):
                    band_stats.add(band_values)
    return stats


def _describe(ds: Any, stored: StoredData, names: list[str], time: Any) -> None:
    for index, name in enumerate(names, start=1):
        ds.set_band_description(index, name)
    if stored.scale is not None:
        ds.scales = [stored.scale] * len(names)
    if stored.offset is not None:
        ds.offsets = [stored.offset] * len(names)
    if time is not None:
        tags = {"datetime": _datetime_label(time)}
        if isinstance(time, np.datetime64):
            tags["TIFFTAG_DATETIME"] = pd.Timestamp(time).strftime("%Y:%m:%d %H:%M:%S")
        ds.update_tags(**tags)


def _copy_as_cog(source: str, destination: str, options: dict[str, Any]) -> None:
    rasterio.shutil.copy(
        source,
        destination,
        driver="COG",
        COMPRESS=options["compression"].upper(),
        BLOCKSIZE=options["blocksize"],
        OVERVIEWS="AUTO",
        OVERVIEW_RESAMPLING=options["overview_resampling"].upper(),
        BIGTIFF="IF_SAFER",
    )


FORMATS.add_output(
    FileFormat(
        name=NAME,
        gis_data_types=("raster",),
        title="Cloud-Optimized GeoTIFF",
        description="One Cloud-Optimized GeoTIFF per time step (file names end with the"
        " date), bands as raster bands named after the band labels; tiled, compressed,"
        " with overviews. Cubes with other dimensions than x, y, bands and time are"
        " refused.",
        parameters=PARAMETERS,
        writer=write_gtiff,
        checker=check_gtiff,
        media_type=MEDIA_TYPE,
    )
)
