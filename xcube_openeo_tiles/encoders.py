"""Image encoders (Pillow): palette PNG, RGBA PNG, JPEG and WebP, and empty tiles."""

from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image

from xcube_openeo_tiles.errors import InvalidImage, UnsupportedFormat

Color = tuple[int, int, int]

# Canonical format name -> media type.
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_ALIASES = {"jpg": "jpeg", **{media: name for name, media in MEDIA_TYPES.items()}}

DEFAULT_BACKGROUND: Color = (255, 255, 255)
JPEG_QUALITY = 85
WEBP_QUALITY = 80
# zlib levels: tiles are made on demand, so balance size against time. Palette
# PNGs compress fast at the default level; RGBA PNGs four times the bytes take
# about 20 ms at level 6 (256 x 256) and under half that at level 3.
PNG_COMPRESS_LEVEL = 6
RGBA_PNG_COMPRESS_LEVEL = 3


def normalize_format(image_format: str) -> str:
    """``"png"``, ``"jpeg"`` or ``"webp"`` from a name, extension or media type."""
    name = str(image_format).strip().lower().lstrip(".")
    name = _ALIASES.get(name, name)
    if name not in MEDIA_TYPES:
        raise UnsupportedFormat(
            f"unsupported image format {image_format!r}; use one of {', '.join(MEDIA_TYPES)}"
        )
    return name


def media_type(image_format: str) -> str:
    return MEDIA_TYPES[normalize_format(image_format)]


def encode_palette_png(
    indices: np.ndarray, palette: np.ndarray, *, compress_level: int = PNG_COMPRESS_LEVEL
) -> bytes:
    """An 8-bit indexed PNG from (h, w) uint8 indices and a (n <= 256, 4) RGBA palette;
    palette alpha becomes the PNG transparency chunk."""
    indices = _check_array(indices, ndim=2, name="indices")
    palette = np.asarray(palette, dtype=np.uint8)
    if palette.ndim != 2 or palette.shape[1] != 4 or not 0 < palette.shape[0] <= 256:
        raise InvalidImage(f"a palette must have shape (n <= 256, 4), not {palette.shape}")
    if palette.shape[0] < 256 and indices.size and int(indices.max()) >= palette.shape[0]:
        raise InvalidImage(
            f"indices reach {int(indices.max())}, beyond the {palette.shape[0]}-colour palette"
        )
    image = Image.fromarray(indices, mode="P")
    image.putpalette(palette[:, :3].tobytes(), rawmode="RGB")
    alpha = palette[:, 3]
    # tRNS lists alpha up to the last non-opaque entry only.
    translucent = np.flatnonzero(alpha < 255)
    options: dict = {"compress_level": compress_level}
    if translucent.size:
        options["transparency"] = alpha[: translucent[-1] + 1].tobytes()
    return _save(image, "PNG", **options)


def encode_rgba(
    rgba: np.ndarray,
    image_format: str = "png",
    *,
    background: Color = DEFAULT_BACKGROUND,
    quality: int | None = None,
) -> bytes:
    """Encode an (h, w, 4) uint8 RGBA array; JPEG has no alpha, so transparent
    pixels are blended onto ``background``."""
    rgba = _check_array(rgba, ndim=3, name="rgba")
    if rgba.shape[2] != 4:
        raise InvalidImage(f"an RGBA array must have 4 channels, not {rgba.shape[2]}")
    name = normalize_format(image_format)
    if name == "png":
        opaque = bool((rgba[..., 3] == 255).all())
        # Without transparency RGB is smaller and faster to compress.
        image = (
            Image.fromarray(np.ascontiguousarray(rgba[..., :3]), mode="RGB")
            if opaque
            else Image.fromarray(rgba, mode="RGBA")
        )
        return _save(image, "PNG", compress_level=RGBA_PNG_COMPRESS_LEVEL)
    if name == "webp":
        return _save(
            Image.fromarray(rgba, mode="RGBA"), "WEBP", quality=quality or WEBP_QUALITY, method=2
        )
    return _save(
        Image.fromarray(flatten_alpha(rgba, background), mode="RGB"),
        "JPEG",
        quality=quality or JPEG_QUALITY,
    )


def encode_indexed(
    indices: np.ndarray,
    palette: np.ndarray,
    image_format: str = "png",
    *,
    background: Color = DEFAULT_BACKGROUND,
    quality: int | None = None,
) -> bytes:
    """Encode palette indices: a palette PNG for PNG, colour lookups otherwise."""
    name = normalize_format(image_format)
    if name == "png":
        return encode_palette_png(indices, palette)
    indices = _check_array(indices, ndim=2, name="indices")
    palette = np.asarray(palette, dtype=np.uint8)
    if name == "jpeg":
        # Blend the palette, not every pixel, onto the background.
        rgb = flatten_alpha(palette, background)[indices]
        return _save(Image.fromarray(rgb, mode="RGB"), "JPEG", quality=quality or JPEG_QUALITY)
    return encode_rgba(palette[indices], name, background=background, quality=quality)


def flatten_alpha(rgba: np.ndarray, background: Color = DEFAULT_BACKGROUND) -> np.ndarray:
    """Blend RGBA onto an opaque background colour: an (h, w, 3) uint8 array."""
    if (rgba[..., 3] == 255).all():
        return np.ascontiguousarray(rgba[..., :3])
    alpha = rgba[..., 3:4].astype(np.uint16)
    back = np.asarray(background, dtype=np.uint16)
    blended = (rgba[..., :3] * alpha + back * (255 - alpha) + 127) // 255
    return blended.astype(np.uint8)


def empty_tile(
    image_format: str = "png", size: int = 256, background: Color = DEFAULT_BACKGROUND
) -> bytes:
    """A fully transparent tile (JPEG: filled with ``background``), cached."""
    return _empty_tile(normalize_format(image_format), int(size), tuple(int(c) for c in background))


@functools.lru_cache(maxsize=32)
def _empty_tile(name: str, size: int, background: Color) -> bytes:
    if name == "png":
        # One transparent palette entry: the smallest PNG for an empty tile.
        return encode_palette_png(
            np.zeros((size, size), dtype=np.uint8), np.zeros((1, 4), dtype=np.uint8)
        )
    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    return encode_rgba(rgba, name, background=background)


def _check_array(array: np.ndarray, *, ndim: int, name: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != ndim or array.dtype != np.uint8:
        raise InvalidImage(
            f"{name} must be a {ndim}-D uint8 array, not {array.ndim}-D {array.dtype}"
        )
    return np.ascontiguousarray(array)


def _save(image: Image.Image, pil_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=pil_format, **options)
    return buffer.getvalue()
