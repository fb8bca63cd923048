"""Pyramid levels for map tiles: which level of a collection a tile reads, and the
collection seen from that level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyproj

from xcube_openeo.services import sampling
from xcube_openeo.util.identity_cache import IdentityCache


@dataclass(frozen=True)
class CollectionInfo:
    ml_dataset: Any
    crs: str  # sampling.crs_key
    bbox_wgs84: tuple[float, float, float, float]
    resolutions: tuple[tuple[float, float], ...]


_INFO: IdentityCache[CollectionInfo] = IdentityCache(max_entries=256)
_LEVEL_GRIDS: IdentityCache[Any] = IdentityCache(max_entries=256)


def collection_info(collections: Any, collection_id: str) -> CollectionInfo:
    ml = collections.get_ml_dataset(collection_id)
    info = _INFO.get(ml, collection_id)
    if info is not None:
        return info
    gm = ml.grid_mapping
    crs = sampling.crs_key(gm.crs)
    x0, y0, x1, y1 = (float(v) for v in gm.xy_bbox)
    if sampling.is_geographic_lonlat(crs):
        bbox = (max(x0, -180.0), max(y0, -90.0), min(x1, 180.0), min(y1, 90.0))
    else:
        transformer = pyproj.Transformer.from_crs(gm.crs, "EPSG:4326", always_xy=True)
        west, south, east, north = transformer.transform_bounds(x0, y0, x1, y1, densify_pts=21)
        bbox = (float(west), float(south), float(east), float(north))
    info = CollectionInfo(ml, crs, bbox, tuple((abs(rx), abs(ry)) for rx, ry in ml.resolutions))
    _INFO.put(ml, info, collection_id)
    return info


def matching_level(info: CollectionInfo, resolution: float) -> int:
    """The coarsest level at least as detailed as ``resolution`` (data CRS units)."""
    level = 0
    for index, (rx, ry) in enumerate(info.resolutions):
        if max(rx, ry) <= resolution * (1 + 1e-9):
            level = index
    return level


def level_grid_mapping(ml: Any, level: int) -> Any:
    """The grid mapping of one level (xcube keeps only level 0's), computed once."""
    if level == 0:
        return ml.grid_mapping
    cached = _LEVEL_GRIDS.get(ml, level)
    if cached is not None:
        return cached
    from xcube.core.gridmapping import GridMapping

    grid = GridMapping.from_dataset(ml.get_dataset(level))
    _LEVEL_GRIDS.put(ml, grid, level)
    return grid


class LevelView:
    """A multi-level dataset seen from one of its levels: level 0 of the view is level
    ``base`` of ``ml``, so ``load_collection`` (which reads level 0) reads ``base``."""

    def __init__(self, ml: Any, base: int):
        self._ml, self._base = ml, base

    def get_dataset(self, index: int) -> Any:
        return self._ml.get_dataset(self._base + index)

    @property
    def grid_mapping(self) -> Any:
        """The grid mapping of the base level (``load_collection`` uses a multi-level
        dataset's grid mapping for its level 0)."""
        return level_grid_mapping(self._ml, self._base)

    @property
    def resolutions(self) -> list[tuple[float, float]]:
        return list(self._ml.resolutions[self._base :])

    @property
    def num_levels(self) -> int:
        return self._ml.num_levels - self._base

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ml, name)
