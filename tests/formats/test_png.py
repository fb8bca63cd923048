"""PNG: pictures are decoded with Pillow and compared with the cube's values."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.formats.cubes import raster_cube
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats import load_formats
from xcube_openeo.formats.writing import encode_response
from xcube_openeo_tiles.colormaps import get_colormap

PNG = load_formats().find_output("PNG")


def decode(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGBA"))


def test_single_band_through_a_colour_map():
    cube = raster_cube(times=1, bands=("NDVI",), height=20, width=30)
    data, media_type, filename = encode_response(
        PNG, cube, {"colormap": "viridis", "min": 0.1, "max": 50}
    )
    assert media_type == "image/png" and filename == "result.png"
    rgba = decode(data)
    assert rgba.shape == (20, 30, 4)
    values = cube.data.values[0, 0]
    nodata = np.isnan(values)
    assert (rgba[nodata, 3] == 0).all() and (rgba[~nodata, 3] == 255).all()
    palette = get_colormap("viridis").colors
    # <= 0.1 -> first colour, >= 50 -> last colour (values are clipped to the range).
    low = values <= 0.1
    high = values >= 50
    assert low.any() and high.any()
    assert (rgba[low, :3] == palette[0, :3]).all()
    assert (rgba[high, :3] == palette[-1, :3]).all()
    # Colours grow monotonously along viridis' green channel.
    ordered = np.argsort(values[~nodata & ~high])
    green = rgba[~nodata & ~high, 1][ordered].astype(int)
    assert (np.diff(green) >= 0).all()


def test_three_bands_as_rgb_with_default_percentile_range(tmp_path):
    cube = raster_cube(times=None, bands=("B04", "B03", "B02"), height=25, width=25)
    (file,) = PNG.write(cube, {}, str(tmp_path), "rgb")
    assert file.roles == ("visual",) and file.band_names == ("B04", "B03", "B02")
    rgba = decode((tmp_path / "rgb.png").read_bytes())
    values = cube.data.values
    nodata = np.isnan(values).any(axis=0)
    assert (rgba[nodata, 3] == 0).all() and (rgba[~nodata, 3] == 255).all()
    for band in range(3):
        valid = values[band][~nodata]
        low, high = np.percentile(values[band][np.isfinite(values[band])], [2, 98])
        expected = np.rint(np.clip((valid - low) / (high - low), 0, 1) * 255)
        np.testing.assert_allclose(rgba[~nodata, band], expected, atol=1)


def test_band_choice_and_north_up():
    cube = raster_cube(times=None, bands=("a", "b", "c", "d"), y_ascending=True)
    rgba = decode(
        encode_response(PNG, cube, {"bands": ["d"], "colormap": "gray", "min": 0, "max": 997.2})[0]
    )
    values = cube.data.values[3, ::-1]  # north up: the largest y first
    finite = np.isfinite(values)
    expected = np.rint(values[finite] / 997.2 * 254) + 1  # palette index 1..255
    gray = get_colormap("gray").palette[expected.astype(int), 0]
    np.testing.assert_array_equal(rgba[finite, 0], gray)


@pytest.mark.parametrize(
    ("options", "cube_args", "code"),
    [
        ({}, {"bands": ("a", "b")}, "FormatUnsuitable"),
        ({"bands": ["a", "b"]}, {"bands": ("a", "b")}, "FormatArgumentInvalid"),
        ({"bands": ["zz"]}, {"bands": ("a", "b")}, "FormatArgumentInvalid"),
        ({"colormap": "no-such-map"}, {"bands": ("a",)}, "FormatArgumentInvalid"),
        ({"min": 5, "max": 1}, {"bands": ("a",)}, "FormatArgumentInvalid"),
        ({"min": "low"}, {"bands": ("a",)}, "FormatArgumentInvalid"),
        ({}, {"bands": ("a",), "times": 2}, "FormatUnsuitable"),
    ],
)
def test_bad_options_and_cubes_are_refused(options, cube_args, code):
    cube = raster_cube(**{"times": None, **cube_args})
    with pytest.raises(OpenEOError) as e:
        encode_response(PNG, cube, options)
    assert e.value.code == code
