"""The ``Zarr`` output format: a Zarr store that ``xr.open_zarr`` opens as it is.

A dataset with the bands as variables, the CRS as grid-mapping variable ``crs`` and
consolidated metadata.  xarray writes it with dask straight into the target (an
fsspec URL or a local path), so on a cluster the workers write their chunks
themselves: for remote workers the target must be storage they can reach.
"""

from __future__ import annotations

from typing import Any

from xcube_openeo.formats.cf import (
    GRID_MAPPING,
    file_chunks,
    fill_value,
    prepare_cf,
    variable_attrs,
    variable_names,
)
from xcube_openeo.formats.raster import projection_of
from xcube_openeo.formats.registry import COMMON_PARAMETERS, FORMATS, FileFormat, WrittenFile
from xcube_openeo.formats.writing import Target

NAME = "Zarr"
MEDIA_TYPE = "application/vnd+zarr"

PARAMETERS: dict[str, Any] = {
    **COMMON_PARAMETERS,
    "zarr_format": {
        "type": "integer",
        "enum": [2, 3],
        "default": 2,
        "description": "Zarr format version; 2 is read by the most clients.",
    },
}


def check_zarr(value: Any, options: dict[str, Any]) -> None:
    prepare_cf(value, NAME)


def write_zarr(
    value: Any, options: dict[str, Any], target_dir: str, stem: str
) -> list[WrittenFile]:
    cube, stored, band_dim, bands, dataset = prepare_cf(value, NAME)
    has_gm = GRID_MAPPING in dataset
    var_names = variable_names(bands, set(dataset.variables) | set(cube.dim_names))
    data = stored.data.drop_vars([c for c in stored.data.coords if c != band_dim])
    if data.chunks is None:  # computed already: chunks that suit the file
        data = data.chunk(dict(zip(cube.dim_names, file_chunks(cube, list(cube.dim_names)),
                                   strict=True)))  # fmt: skip
    encoding = {}
    for band, var_name, index in zip(bands, var_names, range(len(bands)), strict=True):
        band_data = data if band_dim is None else data.isel({band_dim: index}, drop=True)
        # Uniform chunks, as Zarr needs: the first chunk size of every dimension.
        band_data = band_data.chunk({d: c[0] for d, c in zip(band_data.dims, band_data.chunks,
                                                             strict=True)})  # fmt: skip
        dataset[var_name] = band_data.variable.copy(deep=False)
        dataset[var_name].attrs = variable_attrs(band, stored, has_gm)
        encoding[var_name] = {"_FillValue": fill_value(stored)}
    name = f"{stem}.zarr"
    target = Target(target_dir)
    dataset.to_zarr(
        target.url_of(name),
        mode="w",
        consolidated=True,
        zarr_format=options["zarr_format"],
        encoding=encoding,
    )
    return [
        WrittenFile(
            name=name,
            media_type=MEDIA_TYPE,
            size=target.size(name),
            is_directory=True,
            band_names=tuple(bands),
            projection=projection_of(cube),
            raster_bands=tuple(stored.band_metadata() for _ in bands),
        )
    ]


FORMATS.add_output(
    FileFormat(
        name=NAME,
        gis_data_types=("raster",),
        title="Zarr store",
        description="A Zarr store (a directory; a tar archive of it for synchronous"
        " results) that xarray.open_zarr opens directly: bands as variables, the CRS in"
        " a grid_mapping variable 'crs', CF time, consolidated metadata.",
        parameters=PARAMETERS,
        writer=write_zarr,
        checker=check_zarr,
        media_type=MEDIA_TYPE,
    )
)
