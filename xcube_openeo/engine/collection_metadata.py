"""What an xcube dataset looks like as an openEO collection.

One place decides how a dataset's dimensions and variables map onto openEO's
dimensions (``x``, ``y``, ``t``, ``bands``): the STAC metadata and ``load_collection``
both use :class:`CollectionMetadata`, so what clients are told is what they get.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import xarray as xr
from xcube.core.gridmapping import GridMapping

from xcube_openeo.util.rfc3339 import format_rfc3339

#: openEO names of the dimensions of every raster collection.
X, Y, T, BANDS = "x", "y", "t", "bands"

_BAND_ATTRS = ("common_name", "center_wavelength", "full_width_half_max")


@dataclass(frozen=True)
class Band:
    name: str
    dtype: str
    attrs: dict[str, Any]

    @property
    def nodata(self) -> Any:
        for key in ("nodata", "_FillValue", "missing_value"):
            if key in self.attrs:
                return self.attrs[key]
        return None

    def eo_band(self) -> dict[str, Any]:
        band = {"name": self.name}
        band.update({k: _json(self.attrs[k]) for k in _BAND_ATTRS if k in self.attrs})
        if "long_name" in self.attrs:
            band["description"] = str(self.attrs["long_name"])
        return band


@dataclass(frozen=True)
class CollectionMetadata:
    """The openEO view of one dataset (its full-resolution level)."""

    x_dim: str
    y_dim: str
    time_dim: str | None
    bands: tuple[Band, ...]
    grid_mapping: GridMapping
    time_values: np.ndarray | None
    attrs: dict[str, Any]

    @classmethod
    def from_dataset(
        cls, dataset: xr.Dataset, grid_mapping: GridMapping | None = None
    ) -> CollectionMetadata:
        gm = grid_mapping or GridMapping.from_dataset(dataset)
        x_dim, y_dim = gm.xy_dim_names
        time_dim = "time" if "time" in dataset.dims else None
        bands = tuple(
            Band(str(name), str(var.dtype), dict(var.attrs))
            for name, var in dataset.data_vars.items()
            if x_dim in var.dims
            and y_dim in var.dims
            and var.ndim == (3 if time_dim else 2)
            and (time_dim is None or time_dim in var.dims)
        )
        times = dataset[time_dim].values if time_dim else None
        return cls(x_dim, y_dim, time_dim, _ordered(bands), gm, times, dict(dataset.attrs))

    @property
    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]

    @property
    def crs(self) -> pyproj.CRS:
        return self.grid_mapping.crs

    @property
    def epsg(self) -> int | None:
        return self.crs.to_epsg()

    @property
    def xy_bbox(self) -> tuple[float, float, float, float]:
        """Outer pixel edges in the dataset's CRS."""
        return tuple(float(v) for v in self.grid_mapping.xy_bbox)  # type: ignore[return-value]

    @property
    def wgs84_bbox(self) -> list[float]:
        x0, y0, x1, y1 = self.xy_bbox
        if self.crs.is_geographic:
            return [max(x0, -180.0), max(y0, -90.0), min(x1, 180.0), min(y1, 90.0)]
        transformer = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        w, s, e, n = transformer.transform_bounds(x0, y0, x1, y1, densify_pts=21)
        return [float(w), float(s), float(e), float(n)]

    @property
    def temporal_extent(self) -> list[str | None]:
        if self.time_values is None or len(self.time_values) == 0:
            return [None, None]
        times = pd.DatetimeIndex(self.time_values)
        return [format_rfc3339(times.min()), format_rfc3339(times.max())]

    @property
    def time_step(self) -> str | None:
        """ISO 8601 duration if the time steps are regular, else None."""
        if self.time_values is None or len(self.time_values) < 2:
            return None
        deltas = np.unique(np.diff(pd.DatetimeIndex(self.time_values).asi8))
        if len(deltas) != 1:
            return None
        return pd.Timedelta(int(deltas[0])).isoformat()


def ordered_band_names(dataset: xr.Dataset, names: list[str]) -> list[str]:
    """``names`` (variables of ``dataset``) in the collection's band order."""
    bands = tuple(Band(n, str(dataset[n].dtype), dict(dataset[n].attrs)) for n in names)
    return [b.name for b in _ordered(bands)]


def _ordered(bands: tuple[Band, ...]) -> tuple[Band, ...]:
    """Bands in a stable, meaningful order: Zarr does not keep the order of variables.

    Bands with a centre wavelength first, by wavelength (Sentinel-2: B02 ... B08, B8A,
    B11, B12), then the others (such as a scene classification) by name.
    """

    def key(band: Band) -> tuple[int, float, str]:
        wavelength = band.attrs.get("center_wavelength")
        if wavelength is None:
            return (1, 0.0, band.name)
        return (0, float(wavelength), band.name)

    return tuple(sorted(bands, key=key))


def _json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
