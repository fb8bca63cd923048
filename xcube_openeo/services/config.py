"""Settings of ``OpenEO.Services``: map tiles of secondary web services."""

from __future__ import annotations

from dataclasses import dataclass

from xcube_openeo.settings import setting


@dataclass(frozen=True)
class ServicesSettings:
    tile_cache_size: int = setting(
        256 * 2**20, "bytes of encoded tiles kept in memory", minimum=0, unit="bytes"
    )
    tile_threads: int = setting(
        4,
        "threads computing tiles at once (their own pool: a flood of tile requests cannot"
        " occupy the threads every other endpoint runs in)",
        minimum=1,
    )
    tile_max_age: int = setting(
        300, "seconds in the tiles' `Cache-Control` max-age", minimum=0, unit="seconds"
    )
    web_map_library_dir: str | None = setting(
        None,
        "folder of the vendored Leaflet of the web map pages",
        shown="`var/vendor/leaflet` of the source tree (`scripts/vendor_web.sh`)",
    )
