"""The services components of the openEO API context (mixed into ``OpenEOContext``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from xcube_openeo.services.cache import TileCache, get_tile_cache, get_tile_executor
from xcube_openeo.services.config import ServicesSettings
from xcube_openeo.services.repository import ServiceRepository


class ServicesContextSettings(Protocol):
    """The part of the ``OpenEO`` settings the services components read."""

    @property
    def services(self) -> ServicesSettings: ...


class ServicesContextMixin:
    """Needs ``settings`` and ``store`` from the context."""

    if TYPE_CHECKING:  # the composed context provides it (a cached property)

        @property
        def settings(self) -> ServicesContextSettings: ...

    store: Any

    @cached_property
    def services(self) -> ServiceRepository:
        return ServiceRepository(self.store)

    @cached_property
    def tile_cache(self) -> TileCache:
        return get_tile_cache(self.settings.services.tile_cache_size)

    @property
    def tile_executor(self) -> Any:
        """Threads computing tiles: their own pool, so that a flood of tile requests
        cannot occupy the threads every other endpoint runs in."""
        return get_tile_executor(self.settings.services.tile_threads)
