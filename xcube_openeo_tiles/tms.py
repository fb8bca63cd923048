"""Tile matrix sets (OGC 2D TMS) and their tile math: pure functions, no I/O.

Two sets are supported:

- ``WebMercatorQuad``: EPSG:3857, the XYZ scheme of web maps (one tile at zoom 0);
  projections and tile bounds through mercantile.
- ``WorldCRS84Quad``: CRS84 (longitude, latitude), two tiles side by side at zoom 0.

Both are quad trees anchored at the top-left corner, with square tiles of 256 or
512 pixels. With 512-pixel tiles a tile covers the same area as with 256 pixels
(like the usual "@2x" XYZ tiles), so only the resolutions change.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Literal, NamedTuple

import mercantile
import numpy as np

from xcube_openeo_tiles.errors import (
    InvalidTileSize,
    TileOutsideGrid,
    TilesError,
    UnknownTileMatrixSet,
    ZoomOutsideGrid,
)

# OGC "standardized rendering pixel size" used for scale denominators (0.28 mm).
OGC_PIXEL_SIZE_M = 0.00028
# WGS84 semi-major axis; one degree along the equator in metres (OGC convention).
EARTH_RADIUS_M = 6378137.0
METERS_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_M / 360.0
# Largest latitude of Web Mercator: the square world's north edge.
WEB_MERCATOR_MAX_LAT = math.degrees(2 * math.atan(math.exp(math.pi)) - math.pi / 2)
WEB_MERCATOR_HALF_EXTENT = math.pi * EARTH_RADIUS_M

TILE_SIZES = (256, 512)
# Fraction of a tile within which a coordinate counts as on a tile edge: absorbs
# float noise of projected corners (mercantile nudges points the same way).
EDGE_TOLERANCE = 1e-9

BBox = tuple[float, float, float, float]  # (west/minx, south/miny, east/maxx, north/maxy)
Rounding = Literal["nearest", "finer", "coarser"]


class Tile(NamedTuple):
    """A tile by column ``x``, row ``y`` (from the top) and zoom level ``z``."""

    x: int
    y: int
    z: int


class TileRange(NamedTuple):
    """Inclusive ranges of columns and rows at zoom ``z``."""

    z: int
    min_col: int
    max_col: int
    min_row: int
    max_row: int

    @property
    def count(self) -> int:  # type: ignore[override]  # shadows tuple.count on purpose
        return (self.max_col - self.min_col + 1) * (self.max_row - self.min_row + 1)

    def tiles(self) -> Iterator[Tile]:
        for y in range(self.min_row, self.max_row + 1):
            for x in range(self.min_col, self.max_col + 1):
                yield Tile(x, y, self.z)


@dataclass(frozen=True)
class TileMatrixSet:
    """A quad-tree tile matrix set; subclasses fix the CRS and the zoom-0 matrix."""

    tile_size: int = 256
    min_zoom: int = 0
    max_zoom: int = 24

    identifier: ClassVar[str]
    title: ClassVar[str]
    crs: ClassVar[str]  # for pyproj / rasterio
    crs_uri: ClassVar[str]  # OGC 2D TMS
    wmts_crs: ClassVar[str]  # WMTS 1.0.0 SupportedCRS (URN)
    well_known_scale_set: ClassVar[str | None]
    meters_per_unit: ClassVar[float]
    extent: ClassVar[BBox]  # in the set's CRS
    lat_limits: ClassVar[tuple[float, float]]  # latitudes the grid covers
    zoom0_width: ClassVar[int]  # matrix width at zoom 0 (height is 1)

    def __post_init__(self) -> None:
        if not hasattr(type(self), "identifier"):
            raise TypeError("use a concrete tile matrix set such as WebMercatorQuad")
        if self.tile_size not in TILE_SIZES:
            raise InvalidTileSize(f"tile size must be one of {TILE_SIZES}, not {self.tile_size!r}")
        if not 0 <= self.min_zoom <= self.max_zoom <= 30:
            raise TilesError(f"invalid zoom range {self.min_zoom}..{self.max_zoom}")

    # -- the matrices ---------------------------------------------------------------

    @property
    def zooms(self) -> range:
        return range(self.min_zoom, self.max_zoom + 1)

    @property
    def origin(self) -> tuple[float, float]:
        """Top-left corner of every matrix, in the set's CRS (x, y)."""
        return self.extent[0], self.extent[3]

    def matrix_width(self, z: int) -> int:
        return self.zoom0_width << z

    def matrix_height(self, z: int) -> int:
        return 1 << z

    def tile_span(self, z: int) -> float:
        """Width (= height) of one tile at zoom ``z``, in CRS units."""
        return (self.extent[3] - self.extent[1]) / self.matrix_height(z)

    def resolution(self, z: int) -> float:
        """Pixel size at zoom ``z`` in CRS units (metres or degrees)."""
        return self.tile_span(z) / self.tile_size

    def scale_denominator(self, z: int) -> float:
        return self.resolution(z) * self.meters_per_unit / OGC_PIXEL_SIZE_M

    def zoom_for_resolution(
        self, resolution: float, rounding: Rounding = "nearest", *, metres: bool = False
    ) -> int:
        """The zoom level whose pixel size matches ``resolution``, in CRS units or,
        with ``metres``, in metres at the equator (CRS84: 1° = 111319.49 m).

        ``"finer"`` picks the coarsest zoom at least as detailed as ``resolution``,
        ``"coarser"`` the finest zoom not more detailed; the result is clamped to
        the set's zoom range.
        """
        if not (resolution > 0 and math.isfinite(resolution)):
            raise TilesError(f"resolution must be a positive number, not {resolution!r}")
        if metres:
            resolution /= self.meters_per_unit
        exact = math.log2(self.resolution(0) / resolution)
        # Tolerate float noise so that resolution(z) maps back to z.
        if rounding == "nearest":
            zoom = math.floor(exact + 0.5)
        elif rounding == "finer":
            zoom = math.ceil(exact - 1e-9)
        elif rounding == "coarser":
            zoom = math.floor(exact + 1e-9)
        else:
            raise TilesError(f"unknown rounding {rounding!r}")
        return min(max(zoom, self.min_zoom), self.max_zoom)

    # -- single tiles -----------------------------------------------------------------

    def is_valid(self, tile: Tile | tuple[int, int, int]) -> bool:
        x, y, z = tile
        return (
            self.min_zoom <= z <= self.max_zoom
            and 0 <= x < self.matrix_width(z)
            and 0 <= y < self.matrix_height(z)
        )

    def check(self, tile: Tile | tuple[int, int, int]) -> Tile:
        """Return the tile as :class:`Tile`, or raise :class:`TileOutsideGrid`."""
        try:
            x, y, z = (_as_int(v) for v in tile)
        except (TypeError, ValueError) as error:
            raise TileOutsideGrid(f"not a tile: {tile!r}") from error
        if not self.min_zoom <= z <= self.max_zoom:
            raise ZoomOutsideGrid(
                f"zoom {z} is outside {self.identifier}'s range {self.min_zoom}..{self.max_zoom}",
                locator="TileMatrix",
            )
        width, height = self.matrix_width(z), self.matrix_height(z)
        if not (0 <= x < width and 0 <= y < height):
            raise TileOutsideGrid(
                f"tile x={x}, y={y} is outside {self.identifier}'s "
                f"{width}x{height} matrix at zoom {z}",
                locator="TileCol" if not 0 <= x < width else "TileRow",
            )
        return Tile(x, y, z)

    def xy_bounds(self, tile: Tile | tuple[int, int, int]) -> BBox:
        """Tile bounds (minx, miny, maxx, maxy) in the set's CRS."""
        x, y, z = self.check(tile)
        span = self.tile_span(z)
        left, top = self.origin
        return left + x * span, top - (y + 1) * span, left + (x + 1) * span, top - y * span

    def bounds(self, tile: Tile | tuple[int, int, int]) -> BBox:
        """Tile bounds (west, south, east, north) in WGS84 degrees."""
        raise NotImplementedError

    def geotransform(self, tile: Tile | tuple[int, int, int]) -> tuple[float, ...]:
        """GDAL geotransform of the tile's pixel grid in the set's CRS (north up)."""
        minx, _, _, maxy = self.xy_bounds(tile)
        resolution = self.resolution(tile[2])
        return minx, resolution, 0.0, maxy, 0.0, -resolution

    def pixel_centers(self, tile: Tile | tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Pixel centre coordinates in the set's CRS: x ascending, y descending."""
        minx, miny, maxx, maxy = self.xy_bounds(tile)
        half = self.resolution(tile[2]) / 2
        xs = np.linspace(minx + half, maxx - half, self.tile_size)
        ys = np.linspace(maxy - half, miny + half, self.tile_size)
        return xs, ys

    def pixel_centers_lonlat(
        self, tile: Tile | tuple[int, int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pixel centre longitudes (ascending) and latitudes (descending) in WGS84.

        Both sets' grids are separable in longitude and latitude, so two vectors
        describe all pixels: ready to sample a regular lon/lat grid tile by tile.
        """
        xs, ys = self.pixel_centers(tile)
        return self.x_to_lon(xs), self.y_to_lat(ys)

    def x_to_lon(self, x: np.ndarray) -> np.ndarray:
        """Vectorised conversion of the set's x to longitude."""
        raise NotImplementedError

    def y_to_lat(self, y: np.ndarray) -> np.ndarray:
        """Vectorised conversion of the set's y to latitude."""
        raise NotImplementedError

    def tile(self, lon: float, lat: float, z: int) -> Tile:
        """The tile containing a WGS84 point; points on the east/south edges of the
        grid belong to the last column/row. Longitudes wrap around."""
        self.check((0, 0, z))
        lon = _wrap_lon(lon)
        lat_min, lat_max = self.lat_limits
        if not lat_min <= lat <= lat_max:
            raise TileOutsideGrid(
                f"latitude {lat} is outside {self.identifier}'s range {lat_min}..{lat_max}"
            )
        return self._tile(lon, lat, z)

    def _tile(self, lon: float, lat: float, z: int) -> Tile:
        # The same arithmetic as _index_range for a point, so that a point's tile
        # and the tiles of a box around it agree to the last bit. A point a hair's
        # breadth before an edge (a projected tile corner) belongs past it.
        x, y = self.to_xy(lon, lat)
        span = self.tile_span(z)
        left, top = self.origin
        col = min(math.floor((x - left) / span + EDGE_TOLERANCE), self.matrix_width(z) - 1)
        row = min(math.floor((top - y) / span + EDGE_TOLERANCE), self.matrix_height(z) - 1)
        return Tile(max(col, 0), max(row, 0), z)

    # -- areas ---------------------------------------------------------------------

    def tile_ranges(self, bbox: BBox, z: int) -> list[TileRange]:
        """Ranges of tiles at zoom ``z`` covering a WGS84 bounding box.

        A box with ``west > east`` crosses the antimeridian and gives two ranges;
        latitudes beyond the grid (the poles in Web Mercator) are clipped away.
        Tiles that only touch the box at an edge are left out.
        """
        self.check((0, 0, z))
        west, south, east, north = (float(v) for v in bbox)
        if not all(math.isfinite(v) for v in (west, south, east, north)) or south > north:
            raise TilesError(f"invalid bounding box {bbox!r}")
        lat_min, lat_max = self.lat_limits
        south, north = max(south, lat_min), min(north, lat_max)
        if south > north:
            return []
        span = self.tile_span(z)
        left, top = self.origin
        # Projected y of the box; a zero-height box still covers its row.
        _, y_top = self.to_xy(0.0, north)
        _, y_bottom = self.to_xy(0.0, south)
        min_row, max_row = _index_range(top - y_top, top - y_bottom, span, self.matrix_height(z))
        ranges = []
        for part_west, part_east in _split_antimeridian(west, east):
            x_west, _ = self.to_xy(part_west, 0.0)
            x_east, _ = self.to_xy(part_east, 0.0)
            min_col, max_col = _index_range(
                x_west - left, x_east - left, span, self.matrix_width(z)
            )
            ranges.append(TileRange(z, min_col, max_col, min_row, max_row))
        return ranges

    def tiles(self, bbox: BBox, z: int) -> Iterator[Tile]:
        """All tiles at zoom ``z`` covering a WGS84 bounding box (see tile_ranges)."""
        for tile_range in self.tile_ranges(bbox, z):
            yield from tile_range.tiles()

    # -- coordinates -----------------------------------------------------------------

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        """WGS84 longitude/latitude to the set's CRS."""
        raise NotImplementedError

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """The set's CRS to WGS84 longitude/latitude."""
        raise NotImplementedError


@dataclass(frozen=True)
class WebMercatorQuad(TileMatrixSet):
    """EPSG:3857, one tile at zoom 0: the XYZ scheme of web maps."""

    max_zoom: int = field(default=24)

    identifier: ClassVar[str] = "WebMercatorQuad"
    title: ClassVar[str] = "Google Maps Compatible for the World"
    crs: ClassVar[str] = "EPSG:3857"
    crs_uri: ClassVar[str] = "http://www.opengis.net/def/crs/EPSG/0/3857"
    wmts_crs: ClassVar[str] = "urn:ogc:def:crs:EPSG::3857"
    well_known_scale_set: ClassVar[str | None] = "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible"
    meters_per_unit: ClassVar[float] = 1.0
    extent: ClassVar[BBox] = (
        -WEB_MERCATOR_HALF_EXTENT,
        -WEB_MERCATOR_HALF_EXTENT,
        WEB_MERCATOR_HALF_EXTENT,
        WEB_MERCATOR_HALF_EXTENT,
    )
    lat_limits: ClassVar[tuple[float, float]] = (-WEB_MERCATOR_MAX_LAT, WEB_MERCATOR_MAX_LAT)
    zoom0_width: ClassVar[int] = 1

    def bounds(self, tile: Tile | tuple[int, int, int]) -> BBox:
        west, south, east, north = mercantile.bounds(*self.check(tile))
        return west, south, east, north

    def xy_bounds(self, tile: Tile | tuple[int, int, int]) -> BBox:
        left, bottom, right, top = mercantile.xy_bounds(*self.check(tile))
        return left, bottom, right, top

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        lat = min(max(lat, -WEB_MERCATOR_MAX_LAT), WEB_MERCATOR_MAX_LAT)
        x, y = mercantile.xy(lon, lat)
        return x, y

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = mercantile.lnglat(x, y)
        return lon, lat

    def x_to_lon(self, x: np.ndarray) -> np.ndarray:
        return np.degrees(np.asarray(x, dtype=np.float64) / EARTH_RADIUS_M)

    def y_to_lat(self, y: np.ndarray) -> np.ndarray:
        # Inverse of the spherical Mercator's y = R ln(tan(pi/4 + lat/2)).
        return np.degrees(np.arctan(np.sinh(np.asarray(y, dtype=np.float64) / EARTH_RADIUS_M)))


@dataclass(frozen=True)
class WorldCRS84Quad(TileMatrixSet):
    """CRS84 (longitude, latitude), two tiles side by side at zoom 0."""

    max_zoom: int = field(default=23)

    identifier: ClassVar[str] = "WorldCRS84Quad"
    title: ClassVar[str] = "CRS84 for the World"
    crs: ClassVar[str] = "OGC:CRS84"
    crs_uri: ClassVar[str] = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    wmts_crs: ClassVar[str] = "urn:ogc:def:crs:OGC:1.3:CRS84"
    # WMTS 1.0.0's GoogleCRS84Quad has one square tile at zoom 0: not this set.
    well_known_scale_set: ClassVar[str | None] = None
    meters_per_unit: ClassVar[float] = METERS_PER_DEGREE
    extent: ClassVar[BBox] = (-180.0, -90.0, 180.0, 90.0)
    lat_limits: ClassVar[tuple[float, float]] = (-90.0, 90.0)
    zoom0_width: ClassVar[int] = 2

    def bounds(self, tile: Tile | tuple[int, int, int]) -> BBox:
        return self.xy_bounds(tile)

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return lon, lat

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        return x, y

    def x_to_lon(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def y_to_lat(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.float64)


TILE_MATRIX_SETS: dict[str, type[TileMatrixSet]] = {
    WebMercatorQuad.identifier: WebMercatorQuad,
    WorldCRS84Quad.identifier: WorldCRS84Quad,
}


def get_tile_matrix_set(identifier: str, tile_size: int = 256) -> TileMatrixSet:
    """A tile matrix set by identifier (case-insensitive)."""
    for name, cls in TILE_MATRIX_SETS.items():
        if name.lower() == str(identifier).lower():
            return cls(tile_size=tile_size)
    raise UnknownTileMatrixSet(
        f"unknown tile matrix set {identifier!r}; known: {', '.join(TILE_MATRIX_SETS)}"
    )


def _as_int(value: object) -> int:
    """Integers and their decimal strings (from URLs); no silent float truncation."""
    if isinstance(value, str):
        return int(value.strip())
    return operator.index(value)  # type: ignore[arg-type]


def _wrap_lon(lon: float) -> float:
    if -180.0 <= lon <= 180.0:
        return lon
    return (lon + 180.0) % 360.0 - 180.0


def _split_antimeridian(west: float, east: float) -> list[tuple[float, float]]:
    """Longitude intervals within [-180, 180] covering west..east (eastwards)."""
    if east - west >= 360.0 or (west == -180.0 and east == 180.0):
        return [(-180.0, 180.0)]
    west, east = _wrap_lon(west), _wrap_lon(east)
    if west <= east:
        return [(west, east)]
    # Across the antimeridian; an edge on it leaves one interval.
    if west == 180.0:
        return [(-180.0, east)]
    if east == -180.0:
        return [(west, 180.0)]
    return [(west, 180.0), (-180.0, east)]


def _index_range(start: float, stop: float, span: float, count: int) -> tuple[int, int]:
    """Indices of the cells of size ``span`` covering [start, stop] (offsets from the
    grid origin), leaving out a cell the interval only touches at its far edge."""
    # The tolerance keeps float noise at cell edges from adding a neighbour cell.
    first = math.floor(start / span + EDGE_TOLERANCE)
    last = math.ceil(stop / span - EDGE_TOLERANCE) - 1
    if last < first:
        # A point, or an interval within the tolerance of an edge: the cell of its
        # middle, as for points (TileMatrixSet._tile).
        first = last = math.floor((start + stop) / 2 / span + EDGE_TOLERANCE)
    return min(max(first, 0), count - 1), min(max(last, 0), count - 1)
