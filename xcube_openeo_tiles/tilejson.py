"""TileJSON 3.0.0 documents describing an XYZ layer for web map clients."""

from __future__ import annotations

import math
from typing import Any

from xcube_openeo_tiles.errors import TilesError
from xcube_openeo_tiles.tms import BBox, WebMercatorQuad

XYZ_PLACEHOLDERS = ("{z}", "{x}", "{y}")


def tilejson(
    tile_url: str,
    *,
    name: str | None = None,
    description: str | None = None,
    attribution: str | None = None,
    bounds: BBox = (-180.0, -85.0511287798066, 180.0, 85.0511287798066),
    min_zoom: int = 0,
    max_zoom: int = 22,
) -> dict[str, Any]:
    """A TileJSON document for an XYZ template (``{z}``, ``{x}``, ``{y}``, rows from
    the top as in WebMercatorQuad); the centre is the middle of ``bounds``
    (across the antimeridian when west > east) at a zoom showing their width."""
    missing = [p for p in XYZ_PLACEHOLDERS if p not in tile_url]
    if missing:
        raise TilesError(f"XYZ tile URL {tile_url!r} lacks {', '.join(missing)}")
    WebMercatorQuad(min_zoom=min_zoom, max_zoom=max_zoom)  # validates the zoom range
    west, south, east, north = (float(v) for v in bounds)
    width = east - west if east >= west else east + 360.0 - west
    centre_lon = west + width / 2
    if centre_lon > 180.0:
        centre_lon -= 360.0
    document: dict[str, Any] = {
        "tilejson": "3.0.0",
        "tiles": [tile_url],
        "scheme": "xyz",
        "minzoom": min_zoom,
        "maxzoom": max_zoom,
        "bounds": [west, south, east, north],
        "center": [centre_lon, (south + north) / 2, _fitting_zoom(width, min_zoom, max_zoom)],
    }
    optional = {"name": name, "description": description, "attribution": attribution}
    document.update({key: value for key, value in optional.items() if value})
    return document


def _fitting_zoom(width: float, min_zoom: int, max_zoom: int) -> int:
    """The highest zoom whose single tile is at least ``width`` degrees wide."""
    zoom = math.floor(math.log2(360.0 / width)) if width > 0 else max_zoom
    return min(max(zoom, min_zoom), max_zoom)
