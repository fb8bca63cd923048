"""The data cube: an ``xarray.DataArray`` plus openEO dimension metadata.

Dimension types (``spatial``, ``temporal``, ``bands``, ``geometry``, ``other``) are
stated explicitly when a cube is made and carried along; they are never guessed from
dimension names.  Labels are the coordinates of the array: datetime64 for temporal
dimensions, strings for bands, numbers for spatial ones, shapely geometries for the
``geometry`` dimension of vector cubes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import OpenEOError, ProcessParameterInvalid

DIMENSION_TYPES = ("spatial", "temporal", "bands", "geometry", "other")


@dataclass(frozen=True)
class Dimension:
    """openEO metadata of one cube dimension."""

    name: str
    type: str
    #: ``x``, ``y`` or ``z`` for spatial dimensions.
    axis: str | None = None
    #: Coordinate reference system of spatial and geometry dimensions: an EPSG code
    #: (int), or any string pyproj understands (``EPSG:32632``, WKT2, PROJJSON text).
    crs: Any = None
    #: Cell size along a spatial dimension, if regular.
    step: float | None = None

    def __post_init__(self) -> None:
        if self.type not in DIMENSION_TYPES:
            raise ValueError(f"unknown dimension type {self.type!r}")

    def renamed(self, name: str) -> Dimension:
        return replace(self, name=name)


class DataCube:
    """An openEO data cube (raster or vector) backed by a lazy ``xarray.DataArray``.

    Integer data may be stored encoded: ``nodata`` is its no-data value and ``scale``
    and ``offset`` turn stored into physical values (``None``: no-data is NaN for
    float data and values are physical).  Filtering and masking keep the encoding, so
    integer data stays integer; :meth:`masked_float` gives physical values for
    arithmetic.  ``source`` is set on cubes fresh from ``load_collection`` so that
    filters directly following the load can narrow the read instead.
    """

    def __init__(
        self,
        data: xr.DataArray,
        dimensions: Iterable[Dimension],
        nodata: Any = None,
        source: Any = None,
        scale: float | None = None,
        offset: float | None = None,
        deferred: Callable[[], xr.DataArray] | None = None,
    ):
        by_name = {d.name: d for d in dimensions}
        if set(by_name) != set(data.dims):
            raise ValueError(f"dimension metadata {sorted(by_name)} != array dims {data.dims}")
        # With ``deferred``, ``data`` is a template with the result's dimensions and
        # coordinates; the array itself is built on first access (see ``apply``).
        self._data = data
        self._deferred = deferred
        self.dimensions: tuple[Dimension, ...] = tuple(by_name[str(n)] for n in data.dims)
        encoded = data.dtype.kind in "iub"
        self.nodata = nodata if encoded else None
        self.scale = scale if encoded else None
        self.offset = offset if encoded else None
        self.source = source
        #: Physical values of each band in its own data type, by label, where the
        #: stacked ``data`` had to promote types (fresh loads only; see ``load``).
        self.band_values: Mapping[Any, xr.DataArray] | None = None
        #: Stored values and no-data value of unscaled integer bands, where known.
        self.band_raw: Mapping[Any, tuple[xr.DataArray, Any]] | None = None

    @property
    def data(self) -> xr.DataArray:
        if self._deferred is not None:
            self._data = self._deferred()
            self._deferred = None
        return self._data

    @property
    def is_deferred(self) -> bool:
        return self._deferred is not None

    def __repr__(self) -> str:
        dims = ", ".join(f"{d.name}:{d.type}[{self.data.sizes[d.name]}]" for d in self.dimensions)
        return f"DataCube({dims}, dtype={self.data.dtype})"

    # -- dimensions -------------------------------------------------------------------

    @property
    def dim_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    def has_dimension(self, name: str) -> bool:
        return name in self.dim_names

    def dimension(self, name: str) -> Dimension:
        for dim in self.dimensions:
            if dim.name == name:
                return dim
        raise OpenEOError(
            "DimensionNotAvailable",
            f"The data cube has no dimension {name!r} (dimensions: {list(self.dim_names)}).",
        )

    def names_of_type(self, dim_type: str) -> list[str]:
        return [d.name for d in self.dimensions if d.type == dim_type]

    def spatial_dim(self, axis: str) -> str | None:
        for dim in self.dimensions:
            if dim.type == "spatial" and dim.axis == axis:
                return dim.name
        return None

    @property
    def x_dim(self) -> str | None:
        return self.spatial_dim("x")

    @property
    def y_dim(self) -> str | None:
        return self.spatial_dim("y")

    @property
    def crs(self) -> Any:
        for dim in self.dimensions:
            if dim.type in ("spatial", "geometry") and dim.crs is not None:
                return dim.crs
        return None

    @property
    def is_vector(self) -> bool:
        return bool(self.names_of_type("geometry"))

    def labels(self, name: str) -> list[Any]:
        """The labels of a dimension as JSON-like values (dates as RFC 3339 strings)."""
        dim = self.dimension(name)
        values = (
            self.data[name].values if name in self.data.coords else np.arange(self.data.sizes[name])
        )
        if dim.type == "temporal" and np.issubdtype(values.dtype, np.datetime64):
            return [format_datetime(v) for v in values]
        return [v.item() if isinstance(v, np.generic) else v for v in values]

    # -- making new cubes ---------------------------------------------------------------

    def with_data(
        self,
        data: xr.DataArray,
        dimensions: Iterable[Dimension] | None = None,
        encoded: bool = True,
    ) -> DataCube:
        """A cube with new data; metadata of dimensions still present is kept.

        ``encoded``: whether ``data`` holds stored (not physical) values like this cube,
        so that its no-data value, scale and offset still apply.
        """
        dims = {d.name: d for d in (self.dimensions if dimensions is None else dimensions)}
        dims.update({d.name: d for d in self.dimensions if d.name not in dims})
        if not encoded:
            return DataCube(data, [dims[str(n)] for n in data.dims])
        return DataCube(
            data,
            [dims[str(n)] for n in data.dims],
            self.nodata,
            scale=self.scale,
            offset=self.offset,
        )

    def with_dimension(self, dim: Dimension) -> DataCube:
        dims = [dim if d.name == dim.name else d for d in self.dimensions]
        return self.with_data(self.data, dims)

    @property
    def is_encoded(self) -> bool:
        return self.nodata is not None or self.scale is not None or self.offset is not None

    def masked_float(self) -> xr.DataArray:
        """Physical values: no-data as NaN, scale and offset applied (float if needed)."""
        data = self.data
        if self.nodata is not None:
            data = data.where(data != self.nodata)
        if self.scale is not None and self.scale != 1:
            data = data * self.scale
        if self.offset:
            data = data + self.offset
        return data

    def decoded(self) -> DataCube:
        """This cube with physical values (see :meth:`masked_float`)."""
        if not self.is_encoded:
            return self
        return DataCube(self.masked_float(), self.dimensions)


def format_datetime(value: Any) -> str:
    """A datetime64 (or similar) label as an RFC 3339 string in UTC."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ") if ts.microsecond == 0 else ts.isoformat() + "Z"


def parse_datetime(value: Any) -> np.datetime64:
    """An RFC 3339 string, date or year as a naive UTC datetime64[ns]."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as e:
        raise ProcessParameterInvalid(f"Invalid date/time {value!r}.") from e
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return np.datetime64(ts.to_datetime64(), "ns")


def make_cube(
    data: xr.DataArray | np.ndarray,
    dims: Sequence[Dimension],
    coords: Mapping[str, Any] | None = None,
    nodata: Any = None,
) -> DataCube:
    """A cube from an array and dimension metadata (temporal labels parsed if strings)."""
    coords = dict(coords or {})
    for dim in dims:
        if dim.type == "temporal" and dim.name in coords:
            coords[dim.name] = np.array(
                [parse_datetime(v) for v in coords[dim.name]], dtype="datetime64[ns]"
            )
    array: xr.DataArray
    if not isinstance(data, xr.DataArray):
        array = xr.DataArray(data, dims=[d.name for d in dims], coords=coords)
    else:
        array = data.assign_coords(coords) if coords else data
    return DataCube(array, dims, nodata)
