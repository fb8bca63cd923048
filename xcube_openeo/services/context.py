"""The services components of the openEO API context (mixed into ``OpenEOContext``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from xcube_openeo.services.cache import TileCache, get_tile_cache, get_tile_executor
from xcube_openeo.services.repository import ServiceRepository

DEFAULT_TILE_CACHE_SIZE = 256 * 2**20
DEFAULT_MAX_AGE = 300
DEFAULT_TILE_THREADS = 4


class ServicesContextMixin:
    """Needs ``openeo_config`` and ``store`` from the context."""

    openeo_config: Mapping[str, Any]
    store: Any

    @property
    def services_config(self) -> Mapping[str, Any]:
        return self.openeo_config.get("Services") or {}

    @cached_property
    def services(self) -> ServiceRepository:
        return ServiceRepository(self.store)

    @cached_property
    def tile_cache(self) -> TileCache:
        return get_tile_cache(
            int(self.services_config.get("TileCacheSize", DEFAULT_TILE_CACHE_SIZE))
        )

    @property
    def tile_executor(self) -> Any:
        """Threads computing tiles: their own pool, so that a flood of tile requests
        cannot occupy the threads every other endpoint runs in."""
        return get_tile_executor(int(self.services_config.get("TileThreads", DEFAULT_TILE_THREADS)))

    @property
    def tile_max_age(self) -> int:
        """Seconds clients may reuse a tile without asking again (Cache-Control)."""
        return int(self.services_config.get("TileMaxAge", DEFAULT_MAX_AGE))

    @property
    def web_map_library_dir(self) -> str | None:
        return self.services_config.get("WebMapLibraryDir")
