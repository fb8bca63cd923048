"""Units of the services package: sampling, tile cache, service configuration."""

from __future__ import annotations

import threading
import time

import numpy as np
import pyproj
import pytest

from xcube_openeo.errors import OpenEOError
from xcube_openeo.services import sampling
from xcube_openeo.services.cache import TileCache
from xcube_openeo.services.types import settings
from xcube_openeo_tiles import WebMercatorQuad, WorldCRS84Quad


def test_nearest_sampling_on_a_lonlat_grid():
    # A 1-degree global grid whose value is its column index (lon) + 1000 * row (lat).
    lons = np.arange(-179.5, 180, 1.0)
    lats = np.arange(89.5, -90, -1.0)
    values = (np.arange(360)[None, :] + 1000 * np.arange(180)[:, None])[None].astype("float32")
    tms = WorldCRS84Quad()
    points = sampling.tile_points(tms, (0, 0, 0), "EPSG:4326")
    out = sampling.sample(values, (lons[0], 1.0), (lats[0], -1.0), points)
    lon_grid, lat_grid = points
    expected = np.floor(lon_grid + 180) + 1000 * np.floor(90 - lat_grid)
    np.testing.assert_array_equal(out[0], expected)


def test_points_outside_the_window_are_nan():
    values = np.ones((1, 2, 2), "float32")
    xs = np.array([[-0.6, -0.4, 1.4, 1.6, np.nan]])
    ys = np.zeros_like(xs)
    out = sampling.sample(values, (0.0, 1.0), (0.0, 1.0), (xs, ys))
    np.testing.assert_array_equal(np.isnan(out[0, 0]), [True, False, False, True, True])


def test_bilinear_sampling_interpolates():
    values = np.array([[[0.0, 10.0], [0.0, 10.0]]], "float32")
    xs = np.array([[0.0, 0.25, 1.0]])
    out = sampling.sample(values, (0.0, 1.0), (0.0, 1.0), (xs, np.zeros_like(xs)), "bilinear")
    np.testing.assert_allclose(out[0, 0], [0.0, 2.5, 10.0])


def test_projected_tile_points_match_exact_projection():
    tms = WebMercatorQuad()
    tile = tms.tile(11.34, 46.49, 12)
    xs, ys = sampling.tile_points(tms, tile, "EPSG:32632")
    cx, cy = tms.pixel_centers(tile)
    exact_x, exact_y = pyproj.Transformer.from_crs(3857, 32632, always_xy=True).transform(
        *np.meshgrid(cx, cy)
    )
    # Far below a data pixel (10 m) even for a tile of ~6 km.
    assert np.abs(xs - exact_x).max() < 0.05 and np.abs(ys - exact_y).max() < 0.05


def test_cache_evicts_least_recently_used_and_invalidates_by_service():
    cache = TileCache(max_bytes=10)
    for name in ("a", "b"):
        cache.get_or_compute((name, 1), lambda: b"1234")
    cache.get_or_compute(("a", 1), lambda: b"never")  # a hit: a becomes the newest
    cache.get_or_compute(("c", 1), lambda: b"1234")  # evicts b
    assert cache.get_or_compute(("a", 1), lambda: b"new!") == b"1234"
    assert cache.get_or_compute(("b", 1), lambda: b"5678") == b"5678"
    assert cache.size <= 10
    cache.invalidate("a")
    assert cache.get_or_compute(("a", 1), lambda: b"9999") == b"9999"


def test_cache_computes_once_for_concurrent_callers_and_shares_errors():
    cache = TileCache(max_bytes=1000)
    calls = []

    def slow() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"tile"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute(("s",), slow)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [b"tile"] * 4 and len(calls) == 1

    def failing() -> bytes:
        raise OpenEOError("Internal", "boom")

    with pytest.raises(OpenEOError):
        cache.get_or_compute(("f",), failing)
    assert cache.get_or_compute(("f",), lambda: b"ok") == b"ok"  # failures are not cached


@pytest.mark.parametrize(
    "configuration, code",
    [
        ({"public": "yes"}, "ServiceConfigInvalid"),
        ({"resampling": "cubic"}, "ServiceConfigInvalid"),
        ({"value_range": "0,1"}, "ServiceConfigInvalid"),
        ({"value_range": [[0, 1], [0, 1]]}, "ServiceConfigInvalid"),
        ({"tile_matrix_sets": []}, "ServiceConfigInvalid"),
        ({"tile_matrix_sets": ["WebMercatorQuad", "WebMercatorQuad"]}, "ServiceConfigInvalid"),
        ([], "ServiceConfigInvalid"),
    ],
)
def test_invalid_configurations(configuration, code):
    with pytest.raises(OpenEOError) as raised:
        settings("WMTS", configuration)
    assert raised.value.code == code


def test_configuration_defaults():
    checked = settings("XYZ", {})
    assert checked.tile_size == 256 and checked.public and checked.resampling == "nearest"
    assert checked.tile_matrix_sets == ("WebMercatorQuad",)
    assert checked.style.image_format == "png" and checked.style.colormap == "viridis"
