"""Colour maps, value scaling, encoders and ImageData rendering."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from PIL import Image

from xcube_openeo_tiles import (
    ImageData,
    InvalidColormap,
    InvalidImage,
    InvalidParameter,
    InvalidValueRange,
    UnsupportedFormat,
    apply_colormap,
    colormap_names,
    empty_tile,
    encode_palette_png,
    encode_rgba,
    get_colormap,
    legend_png,
    media_type,
    normalize_format,
    scale_to_indices,
)
from xcube_openeo_tiles.colormaps import N_COLORS, NODATA_INDEX

BOUNDS = (0.0, 0.0, 10.0, 10.0)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rgba_of(data: bytes) -> np.ndarray:
    return np.asarray(decode(data).convert("RGBA"))


def ramp(height: int = 64, width: int = 64) -> np.ndarray:
    return np.linspace(0.0, 1.0, height * width).reshape(height, width)


# -- colour maps -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["viridis", "RdBu_r", "gray", "terrain", "cmo.thermal", "thermal", "cmo.balance_r", "deep_r"],
)
def test_known_colormaps(name):
    cmap = get_colormap(name)
    assert cmap.palette.shape == (256, 4) and cmap.palette.dtype == np.uint8
    assert cmap.palette[NODATA_INDEX, 3] == 0  # transparent no-data entry
    assert (cmap.colors[:, 3] == 255).all()


def test_colormap_ends_and_reversal():
    viridis = get_colormap("viridis")
    mpl = matplotlib.colormaps["viridis"]
    assert tuple(viridis.colors[0]) == mpl(0.0, bytes=True)
    assert tuple(viridis.colors[-1]) == mpl(1.0, bytes=True)
    # Sampling 256 entries at 255 points rounds differently in reverse: one step at most.
    reversed_colors = get_colormap("viridis_r").colors.astype(int)
    assert np.abs(reversed_colors - viridis.colors[::-1]).max() <= 1
    assert tuple(reversed_colors[0]) == tuple(viridis.colors[-1])
    # Case does not matter, unless two names differ by case alone (none do).
    assert (get_colormap("rdylgn").colors == get_colormap("RdYlGn").colors).all()
    assert (get_colormap("greys_r").colors == get_colormap("Greys_r").colors).all()
    # cmocean names work with and without the prefix.
    assert (get_colormap("haline").colors == get_colormap("cmo.haline").colors).all()


@pytest.mark.parametrize("name", ["", "viridiss", "cmo.nothing", None, 3, ["viridis"]])
def test_unknown_colormaps(name):
    with pytest.raises(InvalidColormap):
        get_colormap(name)


def test_unknown_colormap_suggests_names():
    with pytest.raises(InvalidColormap, match="viridis"):
        get_colormap("viridiss")


def test_colormap_names_include_matplotlib_and_cmocean_and_all_load():
    names = colormap_names()
    assert {"viridis", "viridis_r", "cmo.thermal", "cmo.thermal_r"} <= set(names)
    plain = [n for n in matplotlib.colormaps if not n.startswith("cmo.") and not n.endswith("_r")]
    assert {name + "_r" for name in plain} <= set(names)
    for name in names:
        colors = get_colormap(name).colors
        assert colors.shape == (N_COLORS, 4)


# -- value scaling ---------------------------------------------------------------


def test_scaling_to_palette_indices():
    values = np.array([0.0, 0.5, 1.0, -3.0, 7.0, np.nan, np.inf, -np.inf])
    indices = scale_to_indices(values, 0.0, 1.0)
    assert indices.tolist() == [1, 128, 255, 1, 255, NODATA_INDEX, 255, 1]


def test_vmin_maps_to_first_colour_and_nan_is_transparent():
    cmap = get_colormap("magma")
    rgba = apply_colormap(np.array([[2.0, 4.0, np.nan]]), "magma", 2.0, 4.0)
    assert tuple(rgba[0, 0]) == tuple(cmap.colors[0])
    assert tuple(rgba[0, 1]) == tuple(cmap.colors[-1])
    assert rgba[0, 2, 3] == 0


def test_scaling_with_mask_and_integers():
    values = np.array([[0, 50, 100]], dtype=np.int16)
    indices = scale_to_indices(values, 0, 100, mask=np.array([[False, True, False]]))
    assert indices.tolist() == [[1, NODATA_INDEX, N_COLORS]]


def test_scaling_numpy_masked_arrays():
    values = np.ma.masked_array([0.0, 0.5, 1.0], mask=[False, True, False])
    assert scale_to_indices(values, 0.0, 1.0).tolist() == [1, NODATA_INDEX, 255]


def test_log_scaling():
    values = np.array([1.0, 10.0, 100.0, 0.0, -5.0])
    indices = scale_to_indices(values, 1.0, 100.0, log=True)
    assert indices.tolist() == [1, 128, 255, NODATA_INDEX, NODATA_INDEX]


@pytest.mark.parametrize(
    "vmin, vmax, log",
    [
        (1.0, 1.0, False),
        (2.0, 1.0, False),
        (np.nan, 1.0, False),
        (0.0, np.inf, False),
        (0.0, 10.0, True),
        ("a", 1.0, False),
    ],
)
def test_invalid_value_ranges(vmin, vmax, log):
    with pytest.raises(InvalidValueRange):
        scale_to_indices(np.zeros(3), vmin, vmax, log=log)


def test_scaling_is_vectorised_and_keeps_float32():
    values = np.random.default_rng(0).random((512, 512), dtype=np.float32)
    indices = scale_to_indices(values, 0.0, 1.0)
    assert indices.shape == (512, 512) and indices.dtype == np.uint8
    assert indices.min() >= 1


# -- encoders -----------------------------------------------------------------------


def test_palette_png_decodes_to_the_expected_rgba():
    values = ramp()
    values[:4] = np.nan
    cmap = get_colormap("viridis")
    indices = scale_to_indices(values, 0.0, 1.0)
    data = encode_palette_png(indices, cmap.palette)
    image = decode(data)
    assert image.format == "PNG" and image.mode == "P" and image.size == (64, 64)
    decoded = np.asarray(image.convert("RGBA"))
    assert (decoded == apply_colormap(values, cmap, 0.0, 1.0)).all()
    assert (decoded[:4, :, 3] == 0).all() and (decoded[4:, :, 3] == 255).all()


def test_palette_png_is_smaller_than_rgba_png_for_noisy_data():
    values = np.random.default_rng(1).random((256, 256))
    cmap = get_colormap("viridis")
    palette_png = encode_palette_png(scale_to_indices(values, 0, 1), cmap.palette)
    rgba_png = encode_rgba(apply_colormap(values, cmap, 0, 1), "png")
    assert len(palette_png) < len(rgba_png) / 2


def test_rgba_png_round_trip():
    rgba = np.random.default_rng(2).integers(0, 256, (32, 48, 4), dtype=np.uint8)
    decoded = rgba_of(encode_rgba(rgba, "png"))
    assert decoded.shape == (32, 48, 4) and (decoded == rgba).all()


def test_jpeg_has_background_where_transparent():
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[:, 32:] = (200, 30, 30, 255)
    image = decode(encode_rgba(rgba, "jpeg", background=(0, 0, 255)))
    assert image.format == "JPEG" and image.mode == "RGB"
    pixels = np.asarray(image).astype(int)
    assert np.abs(pixels[32, 8] - (0, 0, 255)).max() < 8
    assert np.abs(pixels[32, 56] - (200, 30, 30)).max() < 8


def test_webp_keeps_alpha():
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[:32] = (10, 200, 10, 255)
    image = decode(encode_rgba(rgba, "image/webp"))
    assert image.format == "WEBP"
    decoded = np.asarray(image.convert("RGBA")).astype(int)
    assert (decoded[48:, :, 3] == 0).all() and (decoded[:16, :, 3] == 255).all()
    assert np.abs(decoded[8, 8, :3] - (10, 200, 10)).max() < 12


@pytest.mark.parametrize(
    "name, expected",
    [
        ("png", "png"),
        ("PNG", "png"),
        ("image/png", "png"),
        ("jpg", "jpeg"),
        (".jpeg", "jpeg"),
        ("image/jpeg", "jpeg"),
        ("webp", "webp"),
    ],
)
def test_format_names(name, expected):
    assert normalize_format(name) == expected
    assert media_type(name) == f"image/{expected}"


@pytest.mark.parametrize("name", ["gif", "tiff", "image/svg+xml", ""])
def test_unsupported_formats(name):
    with pytest.raises(UnsupportedFormat):
        normalize_format(name)


@pytest.mark.parametrize("image_format, size", [("png", 256), ("png", 512), ("webp", 256)])
def test_empty_tiles_are_transparent_and_cached(image_format, size):
    data = empty_tile(image_format, size)
    assert empty_tile(image_format, size) is data
    rgba = rgba_of(data)
    assert rgba.shape == (size, size, 4) and (rgba[..., 3] == 0).all()


def test_empty_jpeg_tile_is_background():
    pixels = np.asarray(decode(empty_tile("jpeg", 256, (10, 20, 30)))).astype(int)
    assert pixels.shape == (256, 256, 3)
    assert np.abs(pixels - (10, 20, 30)).max() <= 2


def test_encoders_reject_bad_arrays():
    with pytest.raises(InvalidImage):
        encode_rgba(np.zeros((4, 4, 3), dtype=np.uint8))
    with pytest.raises(InvalidImage):
        encode_rgba(np.zeros((4, 4, 4), dtype=np.float32))
    with pytest.raises(InvalidImage):
        encode_palette_png(np.zeros((4, 4), dtype=np.uint8), np.zeros((300, 4), dtype=np.uint8))
    with pytest.raises(InvalidImage):
        encode_palette_png(np.full((4, 4), 2, dtype=np.uint8), np.zeros((2, 4), dtype=np.uint8))


# -- legend ---------------------------------------------------------------------


def test_legend_png_shows_the_colour_map():
    data = legend_png("viridis", 0.0, 1.0, label="NDVI")
    image = decode(data)
    assert image.format == "PNG" and image.size == (320, 64)
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    ends = get_colormap("viridis").colors[[0, -1], :3]
    # The bar is resampled to the image width, so the ends are near, not exact.
    for colour in ends:
        assert (np.abs(pixels.astype(int) - colour).max(axis=1) <= 6).any()
    assert legend_png("viridis", 0.0, 1.0, label="NDVI") is data


def test_log_legend():
    image = decode(legend_png("cmo.thermal", 1.0, 1000.0, log=True, width=400, height=80))
    assert image.size == (400, 80)
    assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 100


def test_legend_rejects_bad_ranges():
    with pytest.raises(InvalidValueRange):
        legend_png("viridis", 0.0, 100.0, log=True)
    with pytest.raises(InvalidColormap):
        legend_png("nope", 0.0, 1.0)
    with pytest.raises(InvalidParameter):
        legend_png("viridis", 0.0, 1.0, width=0)


# -- ImageData ------------------------------------------------------------------------


def test_image_data_single_band_renders_palette_png():
    values = ramp()
    values[0, 0] = np.nan
    image = ImageData(values, BOUNDS, "EPSG:3857")
    assert (image.count, image.height, image.width) == (1, 64, 64)
    data = image.render("png", colormap="plasma", value_range=(0.0, 1.0))
    decoded = decode(data)
    assert decoded.mode == "P"
    expected = apply_colormap(values, "plasma", 0.0, 1.0)
    assert (np.asarray(decoded.convert("RGBA")) == expected).all()
    assert np.asarray(decoded.convert("RGBA"))[0, 0, 3] == 0


def test_image_data_mask_is_transparent():
    mask = np.zeros((64, 64), dtype=bool)
    mask[10:20] = True
    image = ImageData(ramp()[np.newaxis], BOUNDS, "EPSG:3857", mask=mask)
    rgba = rgba_of(image.render(value_range=(0, 1)))
    assert (rgba[10:20, :, 3] == 0).all() and (rgba[20:, :, 3] == 255).all()


def test_image_data_from_masked_array():
    data = np.ma.masked_greater(ramp(), 0.5)
    image = ImageData.from_masked(data, BOUNDS, "EPSG:4326")
    assert image.mask is not None and image.mask.sum() == (ramp() > 0.5).sum()
    assert not image.is_empty()
    assert ImageData(np.full((1, 4, 4), np.nan), BOUNDS, "EPSG:4326").is_empty()


def test_image_data_rgb_with_per_band_ranges():
    red = np.full((8, 8), 100.0)
    green = np.full((8, 8), 0.5)
    blue = np.full((8, 8), -1.0)
    blue[0, 0] = np.nan
    image = ImageData(
        np.stack([red, green, blue]), BOUNDS, "EPSG:3857", band_names=("B04", "B03", "B02")
    )
    rgba = rgba_of(image.render("png", value_range=[(0, 200), (0, 1), (-1, 1)]))
    assert tuple(rgba[4, 4]) == (128, 128, 0, 255)
    assert rgba[0, 0, 3] == 0
    jpeg = np.asarray(decode(image.render("jpeg", value_range=[(0, 200), (0, 1), (-1, 1)])))
    assert np.abs(jpeg[4, 4].astype(int) - (128, 128, 0)).max() < 8


def test_image_data_without_range_uses_data_range():
    image = ImageData(np.array([[[10.0, 20.0], [30.0, np.nan]]]), BOUNDS, "EPSG:3857")
    rgba = rgba_of(image.render(colormap="gray"))
    assert tuple(rgba[0, 0, :3]) == (0, 0, 0) and tuple(rgba[1, 0, :3]) == (255, 255, 255)


def test_image_data_renders_jpeg_and_webp():
    image = ImageData(ramp(), BOUNDS, "EPSG:3857")
    assert decode(image.render("jpeg", value_range=(0, 1))).format == "JPEG"
    assert decode(image.render("webp", value_range=(0, 1))).format == "WEBP"


def test_image_data_errors():
    with pytest.raises(InvalidImage):
        ImageData(np.zeros((2, 4, 4)), BOUNDS, "EPSG:3857").render()
    with pytest.raises(InvalidImage):
        ImageData(np.zeros(4), BOUNDS, "EPSG:3857")
    with pytest.raises(InvalidImage):
        ImageData(np.zeros((1, 4, 4)), BOUNDS, "EPSG:3857", mask=np.zeros((3, 3)))
    with pytest.raises(InvalidImage):
        ImageData(np.array([["a"]]), BOUNDS, "EPSG:3857")
    image = ImageData(np.zeros((1, 4, 4)), BOUNDS, "EPSG:3857")
    with pytest.raises(UnsupportedFormat):
        image.render("gif")
    with pytest.raises(InvalidValueRange):
        image.render(value_range=[(0, 1), (0, 2)])
    with pytest.raises(InvalidValueRange):
        ImageData(np.zeros((3, 4, 4)), BOUNDS, "EPSG:3857").render(value_range=[(0, 1)] * 2)
