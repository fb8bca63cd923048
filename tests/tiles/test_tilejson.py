"""TileJSON documents for XYZ layers."""

from __future__ import annotations

import pytest

from xcube_openeo_tiles import TilesError
from xcube_openeo_tiles.tilejson import tilejson

URL = "https://example.org/services/abc/tiles/{z}/{x}/{y}.png"


def test_tilejson_for_a_regional_layer():
    document = tilejson(URL, name="NDVI", bounds=(5.0, 50.0, 15.0, 55.0), min_zoom=1, max_zoom=14)
    assert document["tilejson"] == "3.0.0" and document["tiles"] == [URL]
    assert (document["minzoom"], document["maxzoom"]) == (1, 14)
    assert document["bounds"] == [5.0, 50.0, 15.0, 55.0]
    # 10 degrees wide: a zoom-5 tile spans 11.25 degrees.
    assert document["center"] == [10.0, 52.5, 5]
    assert document["name"] == "NDVI" and "attribution" not in document


def test_tilejson_centre_across_the_antimeridian():
    document = tilejson(URL, bounds=(170.0, -20.0, -170.0, 0.0))
    assert document["center"][:2] == [180.0, -10.0]


def test_tilejson_for_the_world_starts_at_zoom_zero():
    assert tilejson(URL, bounds=(-180, -85, 180, 85))["center"] == [0.0, 0.0, 0]


@pytest.mark.parametrize("url", ["https://x/{z}/{x}.png", "https://x/tiles"])
def test_tilejson_needs_xyz_placeholders(url):
    with pytest.raises(TilesError):
        tilejson(url)


def test_tilejson_rejects_bad_zoom_ranges():
    with pytest.raises(TilesError):
        tilejson(URL, min_zoom=5, max_zoom=3)
