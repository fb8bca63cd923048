"""RenderStyle: validation up front, stable keys, rendering with empty tiles."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from xcube_openeo_tiles import (
    ImageData,
    InvalidColormap,
    InvalidParameter,
    InvalidValueRange,
    RenderStyle,
    UnsupportedFormat,
    empty_tile,
    get_colormap,
)

BOUNDS = (0.0, 0.0, 1.0, 1.0)


def test_style_normalises_and_validates():
    style = RenderStyle("RdYlGn", (-1, 1), image_format="image/png")
    assert style.image_format == "png" and style.media_type == "image/png"
    assert style.value_range == (-1.0, 1.0)
    rgb = RenderStyle(value_range=[(0, 3000), (0, 3000), (0, 2500)], image_format="jpg")
    assert rgb.value_range == ((0.0, 3000.0), (0.0, 3000.0), (0.0, 2500.0))
    assert rgb.media_type == "image/jpeg"


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"colormap": "nope"}, InvalidColormap),
        ({"image_format": "gif"}, UnsupportedFormat),
        ({"value_range": (1, 0)}, InvalidValueRange),
        ({"value_range": (0, 1), "log": True}, InvalidValueRange),
        ({"value_range": [(0, 1), (0, 1)]}, InvalidValueRange),
        ({"value_range": [(0, 1, 2)]}, InvalidValueRange),
        ({"value_range": ("a", "b")}, InvalidValueRange),
        ({"background": (0, 0, 256)}, InvalidParameter),
        ({"background": (0, 0)}, InvalidParameter),
        ({"quality": 0}, InvalidParameter),
        ({"quality": 101}, InvalidParameter),
    ],
)
def test_style_rejects_bad_settings(kwargs, error):
    with pytest.raises(error) as info:
        RenderStyle(**kwargs)
    assert info.value.http_status == 400


def test_style_keys_are_stable_and_distinct():
    assert RenderStyle("viridis", (0, 1)).key == RenderStyle("viridis", [0.0, 1.0]).key
    keys = {
        RenderStyle("viridis", (0, 1)).key,
        RenderStyle("magma", (0, 1)).key,
        RenderStyle("viridis", (0, 2)).key,
        RenderStyle("viridis", (0, 1), log=False, image_format="webp").key,
    }
    assert len(keys) == 4


def test_style_renders_data_and_empty_tiles():
    style = RenderStyle("magma", (0.0, 10.0))
    values = np.full((1, 256, 256), 10.0)
    values[0, :8] = np.nan
    data = style.render(ImageData(values, BOUNDS, "EPSG:3857"))
    rgba = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
    assert tuple(rgba[100, 100]) == tuple(get_colormap("magma").colors[-1])
    assert (rgba[:8, :, 3] == 0).all()
    empty = ImageData(np.full((1, 256, 256), np.nan), BOUNDS, "EPSG:3857")
    assert style.render(empty) is empty_tile("png", 256)


def test_jpeg_style_fills_empty_tiles_with_the_background():
    style = RenderStyle(value_range=(0, 1), image_format="jpeg", background=(0, 0, 0))
    empty = ImageData(np.full((1, 512, 512), np.nan), BOUNDS, "EPSG:3857")
    pixels = np.asarray(Image.open(io.BytesIO(style.render(empty))))
    assert pixels.shape == (512, 512, 3) and pixels.max() <= 2
