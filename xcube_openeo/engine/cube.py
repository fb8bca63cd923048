"""The data cube: an ``xarray.DataArray`` plus openEO dimension metadata.

Dimension types (``spatial``, ``temporal``, ``bands``, ``geometry``, ``other``) are
stated explicitly when a cube is made and carried along; they are never guessed from
dimension names.  Labels are the coordinates of the array: datetime64 for temporal
dimensions, strings for bands, numbers for spatial ones, shapely geometries for the
``geometry`` dimension of vector cubes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyproj
import xarray as xr

from ..errors import OpenEOError, ProcessParameterInvalid

if TYPE_CHECKING:
    from .load import FreshLoad, LoadRequest

DIMENSION_TYPES = ("spatial", "temporal", "bands", "geometry", "other")


@dataclass(frozen=True)
class Dimension:
    """openEO metadata of one cube dimension."""

    name: str
    type: str
    #: ``x``, ``y`` or ``z`` for spatial dimensions.
    axis: str | None = None
    #: Coordinate reference system of spatial and geometry dimensions, always a
    #: ``pyproj.CRS``: given as anything else pyproj understands (an EPSG code,
    #: ``EPSG:32632``, WKT2, PROJJSON), it is read by :func:`canonical_crs`.
    crs: pyproj.CRS | None = None
    #: Cell size along a spatial dimension, if regular.
    step: float | None = None

    def __post_init__(self) -> None:
        if self.type not in DIMENSION_TYPES:
            raise ValueError(f"unknown dimension type {self.type!r}")
        if self.crs is not None and not isinstance(self.crs, pyproj.CRS):
            object.__setattr__(self, "crs", canonical_crs(self.crs))

    @property
    def reference_system(self) -> int | str | None:
        """The CRS as openEO and STAC write it: its EPSG code, else WKT2."""
        return None if self.crs is None else self.crs.to_epsg() or self.crs.to_wkt()

    def renamed(self, name: str) -> Dimension:
        return replace(self, name=name)


def canonical_crs(crs: Any) -> pyproj.CRS:
    """``crs`` (anything pyproj understands) by its EPSG definition where it has an EPSG
    code, so that CRSs read from different encodings of one definition agree."""
    if isinstance(crs, int | np.integer):
        return pyproj.CRS.from_epsg(int(crs))
    try:
        crs = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as e:
        raise ValueError(f"unknown coordinate reference system {crs!r}") from e
    epsg = crs.to_epsg()
    return pyproj.CRS.from_epsg(epsg) if epsg is not None else crs


class DeferredArray:
    """An array built on first access (once): ``template`` has its dimensions and
    coordinates.  The one mutable part of a cube, so that the cube itself stays frozen."""

    def __init__(self, template: xr.DataArray, build: Callable[[], xr.DataArray]):
        self.template = template
        self._build: Callable[[], xr.DataArray] | None = build
        self._value: xr.DataArray | None = None

    @property
    def built(self) -> bool:
        return self._build is None

    def value(self) -> xr.DataArray:
        if self._build is not None:
            self._value = self._build()
            self._build = None
        assert self._value is not None
        return self._value


@dataclass(frozen=True, eq=False, repr=False)
class DataCube:
    """An openEO data cube (raster or vector) backed by a lazy ``xarray.DataArray``.

    A frozen value: new cubes come from :func:`dataclasses.replace` or the methods
    below.  Integer data may be stored encoded: ``nodata`` is its no-data value and
    ``scale`` and ``offset`` turn stored into physical values (``None``: no-data is NaN
    for float data and values are physical).  Filtering and masking keep the encoding,
    so integer data stays integer; :meth:`masked_float` gives physical values for
    arithmetic.  ``fresh`` is set on cubes fresh from ``load_collection`` so that
    filters directly following the load can narrow the read instead.
    """

    #: The array, or a :class:`DeferredArray` built on first access; read it as
    #: :attr:`data`.
    array: xr.DataArray | DeferredArray
    #: One per array dimension (given in any order, kept in the array's order).
    dimensions: Sequence[Dimension]
    nodata: Any = None
    _: KW_ONLY
    scale: float | None = None
    offset: float | None = None
    #: What only a cube fresh from ``load_collection`` carries (see ``engine.load``).
    fresh: FreshLoad | None = None
    #: The chain of ``apply`` callbacks this cube is the result of, so that a following
    #: ``apply`` extends it (``processes.cubes.apply``).
    elementwise_chain: Any = None

    def __post_init__(self) -> None:
        array = self.array
        template = array.template if isinstance(array, DeferredArray) else array
        by_name = {d.name: d for d in self.dimensions}
        if set(by_name) != set(template.dims):
            raise ValueError(f"dimension metadata {sorted(by_name)} != array dims {template.dims}")
        # Normalising the value being built (the frozen dataclass idiom).
        object.__setattr__(self, "dimensions", tuple(by_name[str(n)] for n in template.dims))
        if template.dtype.kind not in "iub":
            for name in ("nodata", "scale", "offset"):
                object.__setattr__(self, name, None)

    @property
    def data(self) -> xr.DataArray:
        array = self.array
        return array.value() if isinstance(array, DeferredArray) else array

    @property
    def is_deferred(self) -> bool:
        return isinstance(self.array, DeferredArray) and not self.array.built

    @property
    def source(self) -> LoadRequest | None:
        """The read of a cube fresh from ``load_collection`` (else None)."""
        return None if self.fresh is None else self.fresh.request

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
    def crs(self) -> pyproj.CRS | None:
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
        """This cube with new data; metadata of dimensions still present is kept.

        ``encoded``: whether ``data`` holds stored (not physical) values like this cube,
        so that its no-data value, scale and offset still apply.  Only the dimensions
        and the encoding survive: ``fresh`` and ``elementwise_chain`` describe how the
        old data came about (a read to narrow, a chain to extend), which the new data no
        longer equals.  To change metadata only, use :func:`dataclasses.replace`.
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
