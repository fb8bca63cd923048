"""A validated rendering style: how a service turns tile values into image bytes.

Building a :class:`RenderStyle` checks the colour map, value ranges, format and
colours at once, so a service can reject a bad configuration when it is created
rather than on its first tile; :attr:`RenderStyle.key` identifies the style in
ETags and cache keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xcube_openeo_tiles.colormaps import check_value_range, get_colormap
from xcube_openeo_tiles.encoders import (
    DEFAULT_BACKGROUND,
    Color,
    empty_tile,
    media_type,
    normalize_format,
)
from xcube_openeo_tiles.errors import InvalidParameter, InvalidValueRange
from xcube_openeo_tiles.image import ImageData, ValueRange


@dataclass(frozen=True)
class RenderStyle:
    """``value_range``: one (vmin, vmax) for one band, or one per band for three
    (RGB); None renders each tile over its own data range."""

    colormap: str = "viridis"
    value_range: ValueRange | Sequence[ValueRange] | None = None
    log: bool = False
    image_format: str = "png"
    background: Color = DEFAULT_BACKGROUND
    quality: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "image_format", normalize_format(self.image_format))
        get_colormap(self.colormap)
        if self.value_range is not None:
            object.__setattr__(self, "value_range", self._checked_ranges(self.value_range))
        background = tuple(self.background)
        if len(background) != 3 or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in background
        ):
            raise InvalidParameter(
                f"background must be three integers 0..255, not {background!r}",
                locator="background",
            )
        object.__setattr__(self, "background", background)
        if self.quality is not None and not (
            isinstance(self.quality, int) and 1 <= self.quality <= 100
        ):
            raise InvalidParameter(
                f"quality must be an integer 1..100, not {self.quality!r}", locator="quality"
            )

    def _checked_ranges(self, value_range: ValueRange | Sequence[ValueRange]) -> tuple:
        items: list[Any] = list(value_range)
        if len(items) == 2 and not any(isinstance(v, Sequence) for v in items):
            return check_value_range(items[0], items[1], self.log)
        if len(items) not in (1, 3):
            raise InvalidValueRange(
                f"value_range is (vmin, vmax) or one per band of three, not {value_range!r}",
                locator="value_range",
            )
        ranges = []
        for item in items:
            if not isinstance(item, Sequence) or len(item) != 2:
                raise InvalidValueRange(
                    f"a value range is (vmin, vmax), not {item!r}", locator="value_range"
                )
            ranges.append(check_value_range(item[0], item[1]))
        return tuple(ranges)

    @property
    def media_type(self) -> str:
        return media_type(self.image_format)

    @property
    def key(self) -> str:
        """A short stable digest of the style, for ETags and cache keys."""
        fields = [
            self.colormap,
            self.value_range,
            self.log,
            self.image_format,
            self.background,
            self.quality,
        ]
        text = json.dumps(fields, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def render(self, image: ImageData) -> bytes:
        """Image bytes for ``image``; the cached empty tile when it has no data."""
        if image.is_empty() and image.width == image.height:
            return empty_tile(self.image_format, image.width, self.background)
        return image.render(
            self.image_format,
            colormap=self.colormap,
            value_range=self.value_range,
            log=self.log,
            background=self.background,
            quality=self.quality,
        )
