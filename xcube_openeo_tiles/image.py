"""The image type handed between reading, computing and encoding a tile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from xcube_openeo_tiles.colormaps import get_colormap, scale_bands, scale_to_indices
from xcube_openeo_tiles.encoders import (
    DEFAULT_BACKGROUND,
    Color,
    encode_indexed,
    encode_rgba,
    media_type,
)
from xcube_openeo_tiles.errors import InvalidImage, InvalidValueRange

BBox = tuple[float, float, float, float]
ValueRange = tuple[float, float]


@dataclass(frozen=True)
class ImageData:
    """Pixel values of a tile (or any north-up image) with their georeference.

    ``array`` has shape (bands, height, width), any numeric dtype, NaN for no data;
    ``mask`` (height, width) is True where there is no data (as in numpy masked
    arrays), on top of NaN. ``bounds`` (minx, miny, maxx, maxy) are in ``crs``.
    """

    array: np.ndarray
    bounds: BBox
    crs: str
    mask: np.ndarray | None = None
    band_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        array = np.asarray(self.array)
        if array.ndim == 2:
            array = array[np.newaxis]
        if array.ndim != 3 or 0 in array.shape:
            raise InvalidImage(f"image data must have shape (bands, h, w), not {array.shape}")
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise InvalidImage(f"image data must be numeric, not {array.dtype}")
        object.__setattr__(self, "array", array)
        if self.mask is not None:
            mask = np.asarray(self.mask, dtype=bool)
            if mask.shape != array.shape[1:]:
                raise InvalidImage(f"mask shape {mask.shape} differs from image {array.shape[1:]}")
            object.__setattr__(self, "mask", mask)
        if self.band_names and len(self.band_names) != array.shape[0]:
            raise InvalidImage(f"{len(self.band_names)} band names for {array.shape[0]} bands")
        object.__setattr__(self, "bounds", tuple(float(v) for v in self.bounds))

    @classmethod
    def from_masked(
        cls, data: np.ma.MaskedArray, bounds: BBox, crs: str, band_names: Sequence[str] = ()
    ) -> ImageData:
        """From a numpy masked array (bands, h, w) or (h, w): masked in any band is no data."""
        array = np.ma.getdata(data)
        mask = np.ma.getmaskarray(data)
        if mask.ndim == 3:
            mask = mask.any(axis=0)  # type: ignore[assignment]  # numpy's stubs: an array here
        return cls(
            array, bounds, crs, mask=mask if mask.any() else None, band_names=tuple(band_names)
        )

    @property
    def count(self) -> int:
        return self.array.shape[0]

    @property
    def height(self) -> int:
        return self.array.shape[1]

    @property
    def width(self) -> int:
        return self.array.shape[2]

    def nodata(self) -> np.ndarray:
        """Boolean (h, w): True where any band is NaN or the mask is set."""
        nodata = np.zeros(self.array.shape[1:], dtype=bool)
        if np.issubdtype(self.array.dtype, np.floating):
            nodata |= np.isnan(self.array).any(axis=0)
        if self.mask is not None:
            nodata |= self.mask
        return nodata

    def is_empty(self) -> bool:
        """True when no pixel has data (the tile can be answered by an empty tile)."""
        return bool(self.nodata().all())

    def render(
        self,
        image_format: str = "png",
        *,
        colormap: str = "viridis",
        value_range: ValueRange | Sequence[ValueRange] | None = None,
        log: bool = False,
        background: Color = DEFAULT_BACKGROUND,
        quality: int | None = None,
    ) -> bytes:
        """Encode as image bytes.

        One band goes through ``colormap`` over ``value_range`` (vmin, vmax); PNG is
        then an 8-bit palette PNG. Three bands are RGB with one range per band (or one
        range for all). No data is transparent (JPEG: ``background``). Without a
        value range the data's own minimum and maximum are used.
        """
        media_type(image_format)  # fails early on an unknown format
        if self.count == 1:
            vmin, vmax = self._single_range(value_range, log)
            indices = scale_to_indices(self.array[0], vmin, vmax, log=log, mask=self.mask)
            return encode_indexed(
                indices,
                get_colormap(colormap).palette,
                image_format,
                background=background,
                quality=quality,
            )
        if self.count == 3:
            rgba = scale_bands(self.array, self._band_ranges(value_range), mask=self.mask)
            return encode_rgba(rgba, image_format, background=background, quality=quality)
        raise InvalidImage(f"can render 1 band (colour map) or 3 bands (RGB), not {self.count}")

    def _single_range(
        self, value_range: ValueRange | Sequence[ValueRange] | None, log: bool
    ) -> ValueRange:
        if value_range is None:
            return self._data_range(0, positive=log)
        ranges = _as_ranges(value_range)
        if len(ranges) != 1:
            raise InvalidValueRange(f"one band needs one value range, got {len(ranges)}")
        return ranges[0]

    def _band_ranges(
        self, value_range: ValueRange | Sequence[ValueRange] | None
    ) -> list[ValueRange]:
        if value_range is None:
            return [self._data_range(i) for i in range(self.count)]
        ranges = _as_ranges(value_range)
        if len(ranges) == 1:
            return ranges * self.count
        return ranges

    def _data_range(self, band: int, positive: bool = False) -> ValueRange:
        # Eager, but over one tile's pixels only.
        values = self.array[band][~self.nodata()]
        values = values[np.isfinite(values)] if values.dtype.kind == "f" else values
        if positive:
            values = values[values > 0]
        if values.size == 0:
            return (1.0, 10.0) if positive else (0.0, 1.0)
        low, high = float(values.min()), float(values.max())
        if low < high:
            return low, high
        return (low, low * 10.0) if positive else (low, low + 1.0)


def _as_ranges(value_range: ValueRange | Sequence[ValueRange]) -> list[ValueRange]:
    """Accept (vmin, vmax) or [(vmin, vmax), ...]."""
    items = list(value_range)
    if len(items) == 2 and all(np.isscalar(v) for v in items):
        return [(items[0], items[1])]  # type: ignore[list-item]
    ranges = []
    for item in items:
        pair = list(item) if isinstance(item, Sequence | np.ndarray) else None
        if pair is None or len(pair) != 2:
            raise InvalidValueRange(f"a value range is (vmin, vmax), not {item!r}")
        ranges.append((pair[0], pair[1]))
    return ranges
