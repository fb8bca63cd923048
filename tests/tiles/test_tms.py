"""Tile matrix sets: grid shapes, scale denominators, bounds, points, areas."""

from __future__ import annotations

import math

import mercantile
import pyproj
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xcube_openeo_tiles import (
    InvalidTileSize,
    Tile,
    TileOutsideGrid,
    UnknownTileMatrixSet,
    WebMercatorQuad,
    WorldCRS84Quad,
    get_tile_matrix_set,
)
from xcube_openeo_tiles.tms import EDGE_TOLERANCE, WEB_MERCATOR_MAX_LAT

MERC = WebMercatorQuad()
CRS84 = WorldCRS84Quad()


# -- grids and scales ------------------------------------------------------------


def test_web_mercator_latitude_limit():
    assert WEB_MERCATOR_MAX_LAT == pytest.approx(85.0511287798066, abs=1e-12)


@pytest.mark.parametrize(
    "tms, z, width, height",
    [
        (MERC, 0, 1, 1),
        (MERC, 3, 8, 8),
        (CRS84, 0, 2, 1),
        (CRS84, 1, 4, 2),
        (CRS84, 5, 64, 32),
    ],
)
def test_matrix_shapes(tms, z, width, height):
    assert (tms.matrix_width(z), tms.matrix_height(z)) == (width, height)


def test_world_crs84_quad_zoom0_is_two_tiles():
    assert CRS84.bounds((0, 0, 0)) == (-180.0, -90.0, 0.0, 90.0)
    assert CRS84.bounds((1, 0, 0)) == (0.0, -90.0, 180.0, 90.0)
    assert list(CRS84.tiles((-180, -90, 180, 90), 0)) == [Tile(0, 0, 0), Tile(1, 0, 0)]


@pytest.mark.parametrize(
    "tms, z, expected",
    [
        # OGC 2D TMS (17-083r4) Annex D values.
        (MERC, 0, 559082264.0287178),
        (MERC, 1, 279541132.0143589),
        (MERC, 18, 2132.72958384878),
        (CRS84, 0, 279541132.0143589),
        (CRS84, 1, 139770566.0071794),
    ],
)
def test_scale_denominators_match_ogc(tms, z, expected):
    assert tms.scale_denominator(z) == pytest.approx(expected, rel=1e-12)


def test_resolutions_and_tile_size_512():
    assert MERC.resolution(0) == pytest.approx(156543.03392804097)
    assert CRS84.resolution(0) == 0.703125
    big = WebMercatorQuad(tile_size=512)
    # Same tiles, twice the pixels: half the pixel size and scale.
    assert big.xy_bounds((3, 2, 4)) == MERC.xy_bounds((3, 2, 4))
    assert big.resolution(4) == MERC.resolution(4) / 2
    assert big.scale_denominator(0) == pytest.approx(279541132.0143589)


@pytest.mark.parametrize("size", [0, 128, 300, 1024])
def test_invalid_tile_sizes(size):
    with pytest.raises(InvalidTileSize):
        WebMercatorQuad(tile_size=size)


def test_lookup_by_identifier():
    assert isinstance(get_tile_matrix_set("webmercatorquad", 512), WebMercatorQuad)
    assert get_tile_matrix_set("WorldCRS84Quad").tile_size == 256
    with pytest.raises(UnknownTileMatrixSet):
        get_tile_matrix_set("GoogleCRS84Quad")


@pytest.mark.parametrize("tms", [MERC, CRS84])
def test_zoom_for_resolution(tms):
    for z in (0, 5, 12):
        assert tms.zoom_for_resolution(tms.resolution(z)) == z
        between = tms.resolution(z) * 0.7  # between z and z+1, nearer to z+1
        assert tms.zoom_for_resolution(between) == z + 1
        assert tms.zoom_for_resolution(between, "coarser") == z
        assert tms.zoom_for_resolution(between, "finer") == z + 1
    assert tms.zoom_for_resolution(1e-12) == tms.max_zoom
    assert tms.zoom_for_resolution(1e12) == tms.min_zoom


def test_zoom_for_ten_metre_pixels():
    # Sentinel-2's 10 m is between zooms 13 (19.1 m) and 14 (9.55 m).
    assert MERC.zoom_for_resolution(10.0, "finer") == 14
    assert MERC.zoom_for_resolution(10.0, "coarser") == 13


# -- single tiles -------------------------------------------------------------


@pytest.mark.parametrize(
    "tms, tile",
    [
        (MERC, (1, 0, 0)),
        (MERC, (0, 1, 0)),
        (MERC, (-1, 0, 3)),
        (MERC, (8, 0, 3)),
        (MERC, (0, 8, 3)),
        (MERC, (0, 0, -1)),
        (MERC, (0, 0, 25)),
        (CRS84, (2, 0, 0)),
        (CRS84, (0, 1, 0)),
        (CRS84, (4, 0, 1)),
        (CRS84, (0, 0, 24)),
    ],
)
def test_tiles_outside_the_grid(tms, tile):
    assert not tms.is_valid(tile)
    with pytest.raises(TileOutsideGrid):
        tms.check(tile)
    with pytest.raises(TileOutsideGrid):
        tms.bounds(tile)
    with pytest.raises(TileOutsideGrid):
        tms.xy_bounds(tile)


def test_zoom_range_limits_validity():
    limited = WebMercatorQuad(min_zoom=2, max_zoom=10)
    assert limited.is_valid((0, 0, 2))
    with pytest.raises(TileOutsideGrid):
        limited.check((0, 0, 1))
    with pytest.raises(TileOutsideGrid):
        limited.check((0, 0, 11))


def test_web_mercator_bounds_agree_with_mercantile_and_pyproj():
    tile = Tile(8508, 5489, 14)
    assert MERC.bounds(tile) == pytest.approx(tuple(mercantile.bounds(*tile)))
    to_merc = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    west, south, east, north = MERC.bounds(tile)
    minx, miny, maxx, maxy = MERC.xy_bounds(tile)
    assert to_merc.transform(west, south) == pytest.approx((minx, miny), abs=1e-6)
    assert to_merc.transform(east, north) == pytest.approx((maxx, maxy), abs=1e-6)
    assert maxx - minx == pytest.approx(MERC.tile_span(14))


def test_world_bounds_and_poles():
    assert MERC.bounds((0, 0, 0)) == pytest.approx(
        (-180, -WEB_MERCATOR_MAX_LAT, 180, WEB_MERCATOR_MAX_LAT)
    )
    assert MERC.xy_bounds((0, 0, 0)) == pytest.approx(MERC.extent)
    # The top row touches the Mercator limit, not the pole.
    assert MERC.bounds((0, 0, 5))[3] == pytest.approx(WEB_MERCATOR_MAX_LAT)
    assert CRS84.bounds((0, 0, 5))[3] == 90.0
    assert CRS84.bounds((63, 31, 5))[1:3] == (-90.0, 180.0)


@pytest.mark.parametrize("tms", [MERC, CRS84])
@settings(deadline=None)
@given(data=st.data())
def test_bounds_round_trip(tms, data):
    z = data.draw(st.integers(0, 20))
    x = data.draw(st.integers(0, tms.matrix_width(z) - 1))
    y = data.draw(st.integers(0, tms.matrix_height(z) - 1))
    west, south, east, north = tms.bounds((x, y, z))
    assert west < east and south < north
    # The tile's centre and its inner corners lie in the tile itself.
    centre = tms.to_lonlat(*_centre(tms.xy_bounds((x, y, z))))
    assert tms.tile(*centre, z) == (x, y, z)
    assert tms.tile(west, north, z) == (x, y, z)
    # Pixel centres stay inside the tile.
    xs, ys = tms.pixel_centers((x, y, z))
    minx, miny, maxx, maxy = tms.xy_bounds((x, y, z))
    assert minx < xs[0] < xs[-1] < maxx and maxy > ys[0] > ys[-1] > miny
    assert xs[1] - xs[0] == pytest.approx(tms.resolution(z), rel=1e-6)


def _centre(bounds):
    minx, miny, maxx, maxy = bounds
    return (minx + maxx) / 2, (miny + maxy) / 2


def test_points_on_the_edges_of_the_grid():
    last = 2**4 - 1
    assert MERC.tile(180.0, -WEB_MERCATOR_MAX_LAT, 4) == (last, last, 4)
    assert MERC.tile(-180.0, WEB_MERCATOR_MAX_LAT, 4) == (0, 0, 4)
    assert CRS84.tile(180.0, -90.0, 4) == (2 * 2**4 - 1, 2**4 - 1, 4)
    assert CRS84.tile(-180.0, 90.0, 4) == (0, 0, 4)


def test_points_at_the_poles():
    # Web Mercator stops at ±85.0511°: the poles are outside its grid.
    for lat in (90.0, -90.0, 85.06, -86.0):
        with pytest.raises(TileOutsideGrid):
            MERC.tile(0.0, lat, 3)
    assert MERC.tile(0.0, 85.05, 3).y == 0
    assert MERC.tile(0.0, -85.05, 3).y == 7
    assert CRS84.tile(10.0, 90.0, 3) == CRS84.tile(10.0, 89.9, 3)
    with pytest.raises(TileOutsideGrid):
        CRS84.tile(0.0, 90.5, 3)


def test_points_around_the_antimeridian():
    assert MERC.tile(179.999, 0.0, 3).x == 7
    assert MERC.tile(-179.999, 0.0, 3).x == 0
    # Longitudes wrap: 181° is -179°.
    assert MERC.tile(181.0, 10.0, 3) == MERC.tile(-179.0, 10.0, 3)
    assert CRS84.tile(-181.0, 10.0, 3) == CRS84.tile(179.0, 10.0, 3)


def test_point_agrees_with_mercantile():
    for lon, lat, z in [(8.68, 50.11, 12), (-122.42, 37.77, 15), (151.2, -33.87, 9)]:
        assert MERC.tile(lon, lat, z) == tuple(mercantile.tile(lon, lat, z))


def test_point_in_world_crs84_quad():
    # 1° tiles? No: at zoom 7 a tile spans 180 / 128 = 1.40625°.
    span = 180 / 2**7
    tile = CRS84.tile(8.68, 50.11, 7)
    assert tile == (math.floor((8.68 + 180) / span), math.floor((90 - 50.11) / span), 7)


# -- areas -------------------------------------------------------------------------


@pytest.mark.parametrize("tms", [MERC, CRS84])
def test_bbox_crossing_the_antimeridian_splits(tms):
    z = 4
    ranges = tms.tile_ranges((170.0, -10.0, -170.0, 10.0), z)
    assert len(ranges) == 2
    east_part, west_part = ranges
    assert east_part.max_col == tms.matrix_width(z) - 1
    assert west_part.min_col == 0
    tiles = set(tms.tiles((170.0, -10.0, -170.0, 10.0), z))
    assert tms.tile(175.0, 0.0, z) in tiles and tms.tile(-175.0, 0.0, z) in tiles
    assert tms.tile(0.0, 0.0, z) not in tiles
    # The same area written with an east longitude beyond 180°.
    assert set(tms.tiles((170.0, -10.0, 190.0, 10.0), z)) == tiles


def test_bbox_agrees_with_mercantile():
    for bbox, z in [
        ((5.0, 45.0, 15.0, 55.0), 6),
        ((-10.0, -60.0, 40.0, 0.0), 4),
        ((170.0, -10.0, -170.0, 10.0), 5),
    ]:
        assert set(MERC.tiles(bbox, z)) == {tuple(t) for t in mercantile.tiles(*bbox, z)}


def test_bbox_at_the_poles_is_clipped():
    # The whole world in Web Mercator is every tile, with no rows beyond the limit.
    assert len(list(MERC.tiles((-180, -90, 180, 90), 3))) == 64
    # A polar cap north of 85.0511° is outside the grid.
    assert MERC.tile_ranges((-180, 86, 180, 90), 3) == []
    assert len(list(CRS84.tiles((-180, 86, 180, 90), 3))) == 16  # the top row


def test_bbox_edges_on_tile_boundaries_add_no_neighbours():
    # Exactly the north-east quarter at zoom 1: one tile, not its neighbours.
    assert list(CRS84.tiles((90.0, 0.0, 180.0, 90.0), 1)) == [Tile(3, 0, 1)]
    assert list(MERC.tiles((0.0, 0.0, 180.0, WEB_MERCATOR_MAX_LAT), 1)) == [Tile(1, 0, 1)]


@pytest.mark.parametrize("tms", [MERC, CRS84])
def test_boxes_with_an_edge_on_the_antimeridian(tms):
    last = tms.matrix_width(3) - 1
    # A point on the antimeridian is in the last column, like tile() says.
    assert [t.x for t in tms.tiles((180.0, 1.0, 180.0, 1.0), 3)] == [last]
    # Starting at 180° is starting at -180°; ending at -180° is ending at 180°.
    assert {t.x for t in tms.tiles((180.0, 1.0, -170.0, 2.0), 3)} == {0}
    assert {t.x for t in tms.tiles((170.0, 1.0, -180.0, 2.0), 3)} == {last}


def test_degenerate_and_invalid_bboxes():
    assert list(MERC.tiles((8.0, 50.0, 8.0, 50.0), 10)) == [MERC.tile(8.0, 50.0, 10)]
    with pytest.raises(TileOutsideGrid):
        MERC.tile_ranges((0, 0, 1, 1), 30)
    from xcube_openeo_tiles import TilesError

    with pytest.raises(TilesError):
        MERC.tile_ranges((0, 10, 1, 0), 3)  # south > north
    with pytest.raises(TilesError):
        MERC.tile_ranges((0, float("nan"), 1, 1), 3)


def test_zoom_for_resolution_in_metres():
    # 10 m on the equator is about 9e-5 degrees: zoom 13 of CRS84 has 8.4e-5 degrees.
    assert CRS84.zoom_for_resolution(10.0, "finer", metres=True) == 13
    assert MERC.zoom_for_resolution(10.0, "finer", metres=True) == 14


def test_geotransform_matches_bounds():
    for tms in (MERC, CRS84, WebMercatorQuad(tile_size=512)):
        tile = (5, 3, 4)
        minx, res, _, maxy, _, neg_res = tms.geotransform(tile)
        bounds = tms.xy_bounds(tile)
        assert (minx, maxy) == (bounds[0], bounds[3])
        assert minx + res * tms.tile_size == pytest.approx(bounds[2])
        assert maxy + neg_res * tms.tile_size == pytest.approx(bounds[1])


@pytest.mark.parametrize("tile", [(1.5, 0, 1), ("a", 0, 1), (0, 0), None])
def test_not_a_tile(tile):
    with pytest.raises(TileOutsideGrid):
        MERC.check(tile)


def test_tile_from_url_strings():
    assert MERC.check(("3", "2", "4")) == Tile(3, 2, 4)


@pytest.mark.parametrize("tms", [MERC, CRS84])
def test_pixel_centres_in_lonlat(tms):
    tile = tms.tile(8.68, 50.11, 9)
    lons, lats = tms.pixel_centers_lonlat(tile)
    west, south, east, north = tms.bounds(tile)
    assert lons.shape == lats.shape == (256,)
    assert west < lons[0] < lons[-1] < east and north > lats[0] > lats[-1] > south
    xs, ys = tms.pixel_centers(tile)
    for i in (0, 100, 255):
        assert tms.to_lonlat(xs[i], ys[i]) == pytest.approx((lons[i], lats[i]), abs=1e-9)


def test_pixel_latitudes_near_the_mercator_limit():
    lons, lats = MERC.pixel_centers_lonlat((0, 0, 0))
    assert lats[0] < WEB_MERCATOR_MAX_LAT and lats[0] > 84.9
    assert lats[-1] == pytest.approx(-lats[0])
    assert lons[0] == pytest.approx(-lons[-1])


def test_base_class_is_abstract():
    from xcube_openeo_tiles import TileMatrixSet

    with pytest.raises(TypeError):
        TileMatrixSet()


lons = st.floats(-180.0, 180.0, allow_nan=False)
lats = st.floats(-85.0, 85.0, allow_nan=False)


@settings(deadline=None, max_examples=60)
@given(west=lons, east=lons, a=lats, b=lats, z=st.integers(0, 6))
def test_bbox_tiles_agree_with_mercantile_anywhere(west, east, a, b, z):
    south, north = min(a, b), max(a, b)
    ours = set(MERC.tiles((west, south, east, north), z))
    theirs = {tuple(t) for t in mercantile.tiles(west, south, east, north, z)}
    # mercantile nudges edges by a tiny epsilon; only tiles the box merely touches
    # at an edge may differ.
    for x, y, tz in ours ^ theirs:
        w, s, e, n = MERC.bounds((x, y, tz))
        # Our edge tolerance is a fraction of a tile (EDGE_TOLERANCE), mercantile's a
        # fixed epsilon: at low zooms a tile's fraction exceeds 1e-7 degrees.
        tol = max(1e-7, 2 * EDGE_TOLERANCE * max(e - w, n - s))
        touches = any(
            math.isclose(v, edge, abs_tol=tol) for v in (w, e) for edge in (west, east)
        ) or any(math.isclose(v, edge, abs_tol=tol) for v in (s, n) for edge in (south, north))
        assert touches, (x, y, tz)


@pytest.mark.parametrize("tms", [MERC, CRS84])
@settings(deadline=None, max_examples=60)
@given(
    lon=lons, lat=lats, dlon=st.floats(0.0, 30.0), dlat=st.floats(0.0, 5.0), z=st.integers(0, 10)
)
def test_bbox_ranges_contain_the_tiles_of_their_points(tms, lon, lat, dlon, dlat, z):
    # Boxes overlapping a tile by a hair's breadth (1e-9 of a tile) leave it out: test
    # points and proper boxes only.
    assume(dlon == 0 or dlon > 1e-6)
    assume(dlat == 0 or dlat > 1e-6)
    lon = -180.0 if lon == 180.0 else lon  # a box starting at 180° starts at -180°
    west, east = lon, lon + dlon  # east may pass 180: the box crosses the antimeridian
    south, north = lat, min(lat + dlat, 85.0)
    ranges = tms.tile_ranges((west, south, east if east <= 180 else east - 360, north), z)
    # Only a box starting west of 180° and ending east of it crosses the antimeridian.
    assert len(ranges) == (2 if west < 180 < east else 1)

    def covered(tile):
        return any(
            r.min_col <= tile.x <= r.max_col and r.min_row <= tile.y <= r.max_row for r in ranges
        )

    centre_lon = west + dlon / 2
    centre_lon = centre_lon - 360 if centre_lon > 180 else centre_lon
    assert covered(tms.tile(centre_lon, (south + north) / 2, z))
    assert covered(tms.tile(west, north, z))
    # The first and last rows reach the box's latitudes (up to the tolerance that
    # drops tiles touched by a hair's breadth), and no further.
    for r in ranges:
        _, _, _, top = tms.bounds((r.min_col, r.min_row, z))
        _, bottom, _, _ = tms.bounds((r.min_col, r.max_row, z))
        assert top >= north - 1e-6 and bottom <= south + 1e-6
        assert tms.bounds((r.min_col, r.min_row, z))[1] < north or north == south
        assert r.count == (r.max_col - r.min_col + 1) * (r.max_row - r.min_row + 1)


@pytest.mark.parametrize("tms", [MERC, CRS84])
@pytest.mark.parametrize(
    "lon, lat", [(-1e-10, 0.0), (0.0, 0.0), (1e-10, -1e-10), (90.0, 45.0), (179.9999, -60.0)]
)
def test_point_boxes_cover_the_point_tile(tms, lon, lat):
    for z in (1, 5, 12):
        assert list(tms.tiles((lon, lat, lon, lat), z)) == [tms.tile(lon, lat, z)]
