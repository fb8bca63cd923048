"""The ``PNG`` output format: an 8-bit picture of one band (colour map) or three (RGB).

Colour maps, value scaling and encoding come from the ``xcube_openeo_tiles`` package
(the same colours as the map tiles); no data is transparent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xcube_openeo.engine.cube import DataCube
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats.raster import Grid, band_names, cube_grid, north_up
from xcube_openeo.formats.registry import COMMON_PARAMETERS, FORMATS, FileFormat, WrittenFile
from xcube_openeo.formats.writing import Target, require_cube, unsuitable
from xcube_openeo_tiles.colormaps import apply_colormap, scale_bands
from xcube_openeo_tiles.encoders import encode_rgba
from xcube_openeo_tiles.errors import TilesError

NAME = "PNG"
MEDIA_TYPE = "image/png"
#: The picture is computed and encoded in memory: its size is bounded.
MAX_PIXELS = 4096 * 4096
#: Percentiles of the valid values giving the default value range.
DEFAULT_PERCENTILES = (2.0, 98.0)

_RANGE_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "number"},
        {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 3},
    ]
}

PARAMETERS: dict[str, Any] = {
    **COMMON_PARAMETERS,
    "bands": {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "maxItems": 3,
        "description": "One band (colour map) or three bands (red, green, blue); by default"
        " the cube's bands if there are one or three.",
    },
    "colormap": {
        "type": "string",
        "default": "viridis",
        "description": "Colour map of a single band (a matplotlib name such as viridis,"
        " greys_r or RdYlGn).",
    },
    "min": {
        **_RANGE_SCHEMA,
        "description": "Value shown as the lowest colour (one number, or one per band);"
        f" by default the {DEFAULT_PERCENTILES[0]:g}th percentile of the band.",
    },
    "max": {
        **_RANGE_SCHEMA,
        "description": "Value shown as the highest colour (one number, or one per band);"
        f" by default the {DEFAULT_PERCENTILES[1]:g}th percentile of the band.",
    },
}


def check_png(value: Any, options: dict[str, Any]) -> None:
    _prepare(value, options)


def _prepare(value: Any, options: dict[str, Any]) -> tuple[Any, Grid, list[str], list[int]]:
    """(lazy picture values (band, y, x) north up, grid, band names, selected bands)."""
    cube = require_cube(value, NAME, vector=False)
    grid = cube_grid(cube, NAME)
    band_dim, names = band_names(cube)
    selected = _selected_bands(options.get("bands"), names)
    data = cube.masked_float() if cube.is_encoded else cube.data
    if data.dtype.kind not in "fiub":
        raise unsuitable(NAME, f"its values have data type {data.dtype}, not numbers.")
    data = _squeezed(cube, data, band_dim)
    if band_dim is None:
        data = data.expand_dims("_band")
        band_dim = "_band"
    data = north_up(data.isel({band_dim: selected}), grid)
    if grid.width * grid.height > MAX_PIXELS:
        raise unsuitable(
            NAME,
            f"it has {grid.width} x {grid.height} pixels, more than {MAX_PIXELS} for a"
            " picture; use GTiff, or reduce the extent or resolution.",
        )
    return data.transpose(band_dim, grid.y_dim, grid.x_dim), grid, names, selected


def write_png(value: Any, options: dict[str, Any], target_dir: str, stem: str) -> list[WrittenFile]:
    data, grid, names, selected = _prepare(value, options)
    # Eager: PNG encoders need the whole picture in memory (bounded by MAX_PIXELS).
    values = np.asarray(data.values, dtype=np.float32)
    ranges = [_value_range(values[i], options, i) for i in range(len(selected))]
    try:
        if len(selected) == 1:
            rgba = apply_colormap(values[0], options["colormap"], *ranges[0])
        else:
            rgba = scale_bands(values, ranges)
    except TilesError as e:
        raise OpenEOError("FormatArgumentInvalid", f"PNG options: {e}") from None
    name = f"{stem}.png"
    target = Target(target_dir)
    size = target.write_bytes(name, encode_rgba(rgba, "png"))
    return [
        WrittenFile(
            name=name,
            media_type=MEDIA_TYPE,
            size=size,
            roles=("visual",),
            band_names=tuple(names[i] for i in selected),
            projection=grid.projection_fields(),
        )
    ]


def _selected_bands(requested: list[str] | None, names: list[str]) -> list[int]:
    if requested is None:
        if len(names) not in (1, 3):
            raise unsuitable(
                NAME, f"it has {len(names)} bands; choose one or three with the 'bands' option."
            )
        return list(range(len(names)))
    if len(requested) == 2:
        raise OpenEOError("FormatArgumentInvalid", "PNG renders one band or three bands, not two.")
    missing = [b for b in requested if b not in names]
    if missing:
        raise OpenEOError(
            "FormatArgumentInvalid", f"Band(s) {missing} are not in the data cube (bands: {names})."
        )
    return [names.index(b) for b in requested]


def _squeezed(cube: DataCube, data: Any, band_dim: str | None) -> Any:
    """Drops dimensions other than x, y and bands, which must have one label."""
    extra = [n for n in cube.dim_names if n not in (cube.x_dim, cube.y_dim, band_dim)]
    too_long = [n for n in extra if cube.data.sizes[n] > 1]
    if too_long:
        raise unsuitable(
            NAME, f"a picture has one time step at most; reduce dimension(s) {too_long} first."
        )
    return data.isel({n: 0 for n in extra}, drop=True) if extra else data


def _value_range(band: np.ndarray, options: dict[str, Any], index: int) -> tuple[float, float]:
    low = _option_for_band(options.get("min"), index, "min")
    high = _option_for_band(options.get("max"), index, "max")
    if low is None or high is None:
        valid = band[np.isfinite(band)]
        if valid.size:
            p_low, p_high = np.percentile(valid, DEFAULT_PERCENTILES)
        else:
            p_low, p_high = 0.0, 1.0
        low = float(p_low) if low is None else low
        high = float(p_high) if high is None else high
    if low == high:  # a constant band: any colour will do, but the range must not be empty
        low, high = low - 0.5, high + 0.5
    if low > high:
        raise OpenEOError("FormatArgumentInvalid", f"PNG value range min {low} > max {high}.")
    return low, high


def _option_for_band(option: Any, index: int, name: str) -> float | None:
    if option is None:
        return None
    if isinstance(option, list):
        if len(option) == 1:
            return float(option[0])
        if index >= len(option):
            raise OpenEOError(
                "FormatArgumentInvalid", f"PNG option {name!r} needs one value per band."
            )
        return float(option[index])
    return float(option)


FORMATS.add_output(
    FileFormat(
        name=NAME,
        gis_data_types=("raster",),
        title="Portable Network Graphics (8-bit rendering)",
        description="A picture of a cube with x, y and at most one time step: one band"
        " through a colour map or three bands as red, green and blue, each scaled"
        " linearly from min to max (default: 2nd and 98th percentile); no data is"
        " transparent.",
        parameters=PARAMETERS,
        writer=write_png,
        checker=check_png,
        media_type=MEDIA_TYPE,
    )
)
