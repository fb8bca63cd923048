"""Staging a lazily built data cube as Zarr, written chunk by chunk by the cluster.

A batch job first stages its raster result: the whole computation becomes one dask
graph whose tasks write Zarr chunks, so memory stays bounded by chunks and the
scheduler can count progress.  The staged cube keeps its openEO dimension metadata
(one variable ``data`` with every dimension; types, CRS, encoding in attributes), so
that it opens again as the same :class:`DataCube`, for the final file format and for
the result layer.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import xarray as xr

from xcube_openeo.engine.cube import DataCube, Dimension

VARIABLE = "data"
_METADATA_ATTR = "xcube_openeo_cube"


def stage_cube(cube: DataCube, url: str, storage_options: dict[str, Any] | None = None) -> Any:
    """A dask ``Delayed`` that writes ``cube`` as Zarr to ``url`` when computed."""
    data = cube.data
    data = data.drop_vars([c for c in data.coords if c not in data.dims])
    if data.chunks is None:
        data = data.chunk({d: min(s, 512) for d, s in data.sizes.items()})
    # Zarr needs uniform chunks: the first chunk size of every dimension.
    data = data.chunk({d: c[0] for d, c in zip(data.dims, data.chunks, strict=True)})
    metadata = {
        "dimensions": [_dimension_json(d) for d in cube.dimensions],
        "nodata": _json_number(cube.nodata),
        "scale": cube.scale,
        "offset": cube.offset,
    }
    dataset = data.to_dataset(name=VARIABLE)
    dataset.attrs[_METADATA_ATTR] = json.dumps(metadata)
    dataset[VARIABLE].encoding = {}
    return dataset.to_zarr(
        url, mode="w", compute=False, consolidated=True, storage_options=storage_options or None
    )


def open_staged(url: str, storage_options: dict[str, Any] | None = None) -> DataCube:
    """The staged cube, lazily (dask-backed)."""
    dataset = xr.open_zarr(url, storage_options=storage_options or None, consolidated=True)
    metadata = json.loads(dataset.attrs[_METADATA_ATTR])
    dims = [Dimension(**d) for d in metadata["dimensions"]]
    data = dataset[VARIABLE]
    for name in data.dims:
        if name in data.coords and data[name].dtype.kind == "T":
            # Zarr v3 gives text labels back as numpy's StringDType: plain str labels.
            data = data.assign_coords({name: [str(v) for v in data[name].values.tolist()]})
    return DataCube(
        data, dims, metadata["nodata"], scale=metadata["scale"], offset=metadata["offset"]
    )


def _dimension_json(dim: Dimension) -> dict[str, Any]:
    doc = {f.name: getattr(dim, f.name) for f in dataclasses.fields(dim)}
    doc["crs"] = dim.reference_system
    return doc


def _json_number(value: Any) -> Any:
    if value is None:
        return None
    item = value.item() if hasattr(value, "item") else value
    return item
