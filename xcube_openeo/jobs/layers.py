"""Finished raster results as xcube datasets ("result layers"), for tiles and coverages.

Not registered in xcube's datasets context: xcube's WMTS capabilities and STAC
listings show every registered dataset to anyone, and its tile endpoints check no
per-user permissions.  Result layers are served by our own signed routes instead,
using xcube's tile machinery on the dataset built here.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pyproj
import xarray as xr

from xcube_openeo.execution.staging import open_staged


def layer_id(key: bytes, job_id: str) -> str:
    digest = hmac.new(key, f"layer\n{job_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"openeo-{job_id}-{digest}"


def layer_dataset(staged_url: str, storage_options: dict[str, Any] | None = None) -> xr.Dataset:
    """The staged cube as xcube wants a dataset: one variable per band over
    (time, y, x), a ``crs`` grid-mapping variable, physical values."""
    cube = open_staged(staged_url, storage_options).decoded()
    x_dim, y_dim = cube.x_dim, cube.y_dim
    if x_dim is None or y_dim is None:
        raise ValueError("not a raster cube")
    data = cube.data
    time_dims = cube.names_of_type("temporal")
    band_dims = cube.names_of_type("bands")
    others = [d for d in data.dims if d not in (x_dim, y_dim, *time_dims, *band_dims)]
    if len(time_dims) > 1 or len(band_dims) > 1 or others:
        raise ValueError(f"dimensions {data.dims} do not make a layer")
    rename = {x_dim: "x", y_dim: "y"}
    if time_dims:
        rename[time_dims[0]] = "time"
    data = data.rename(rename)
    crs = pyproj.CRS.from_user_input(cube.crs)
    variables = {}
    if band_dims:
        for label in data[band_dims[0]].values:
            variables[str(label)] = data.sel({band_dims[0]: label}, drop=True)
    else:
        variables["data"] = data
    order = [d for d in ("time", "y", "x") if d in data.dims]
    dataset = xr.Dataset({name: v.transpose(*order) for name, v in variables.items()})
    for name in dataset.data_vars:
        dataset[name].attrs["grid_mapping"] = "crs"
    dataset["crs"] = xr.DataArray(0, attrs=crs.to_cf())
    return dataset
