"""Rendering one Sentinel-2 L2A-like acquisition of the synthetic landscape.

Surface reflectance is a per-pixel mix of a green-vegetation and a background
spectrum (soil, forest floor, water, roofs) weighted by the seasonal vegetation
fraction; snow, cloud shadows, cirrus and clouds are laid over it, and SCL is derived
from the same quantities so that masks and reflectances agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .landscape import LandCover, Landscape
from .noise import fractal_field, pixel_centres, smooth_field

BANDS = ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B11", "B12")

# Reflectance spectra (0..1) in the order of BANDS.
_GREEN_VEGETATION = (0.030, 0.065, 0.035, 0.110, 0.300, 0.380, 0.420, 0.440, 0.210, 0.100)
_CONIFER_CANOPY = (0.020, 0.040, 0.020, 0.070, 0.200, 0.250, 0.280, 0.290, 0.130, 0.060)
_FOREST_FLOOR = (0.040, 0.060, 0.070, 0.090, 0.120, 0.140, 0.150, 0.160, 0.200, 0.140)
_BARE_SOIL = (0.080, 0.110, 0.140, 0.160, 0.180, 0.200, 0.220, 0.230, 0.300, 0.250)
_WATER = (0.050, 0.055, 0.030, 0.020, 0.012, 0.010, 0.008, 0.008, 0.005, 0.003)
_ROOFS = (0.120, 0.130, 0.140, 0.150, 0.160, 0.170, 0.180, 0.185, 0.220, 0.200)
_SNOW = (0.880, 0.860, 0.830, 0.800, 0.780, 0.760, 0.720, 0.700, 0.080, 0.060)
_CLOUD = (0.500, 0.490, 0.480, 0.480, 0.490, 0.490, 0.500, 0.500, 0.380, 0.280)
_CIRRUS = (0.300, 0.280, 0.270, 0.260, 0.260, 0.250, 0.250, 0.250, 0.150, 0.100)


class SCL:
    """Sentinel-2 scene classification values used by the demo."""

    NO_DATA = 0
    CLOUD_SHADOW = 3
    VEGETATION = 4
    NOT_VEGETATED = 5
    WATER = 6
    UNCLASSIFIED = 7
    CLOUD_MEDIUM_PROBABILITY = 8
    CLOUD_HIGH_PROBABILITY = 9
    THIN_CIRRUS = 10
    SNOW = 11


SCENE_SEED = 2022
REFLECTANCE_SCALE = 0.0001  # reflectance per digital number
# Sensor noise std = 5 DN + 0.2 % of the signal: visible, yet small, because noise is
# what costs storage (it cannot be compressed).
_NOISE_ABSOLUTE, _NOISE_RELATIVE = 5.0, 0.002
SCENE_LATITUDE = 46.5  # for the solar elevation that sets cloud-shadow lengths
_SCENE_WIDTH_M = 10_000.0  # shadow lengths are expressed relative to the full scene
_MAX_SHADOW_LENGTH = 0.3  # as a fraction of the scene (low winter sun, low clouds)


def _spectrum(values: tuple[float, ...]) -> np.ndarray:
    """(band, 1, 1) in digital numbers."""
    return (np.asarray(values, dtype=np.float32) / REFLECTANCE_SCALE)[:, None, None]


@dataclass(frozen=True)
class SurfaceModel:
    """What rendering needs per pixel, prepared once; reflectances in digital numbers.

    Rendering works in digital numbers (reflectance / 0.0001) and in place, because
    per-pixel passes over the ten bands dominate the generation time.
    """

    landscape: Landscape
    background: np.ndarray  # float32 (band, y, x): spectrum without green vegetation
    green_minus_background: np.ndarray  # float32 (band, y, x)
    snow_cover: np.ndarray  # float32 (y, x): snow fraction where snow lies (0 on water)
    # Noise: a random window into fixed banks (fresh noise per date would cost more
    # than all the rest of a date). Multiplicative part, and additive part + 0.5 for
    # rounding by truncation.
    noise_gain: np.ndarray  # float32, flat, twice the size of one date's bands
    noise_offset: np.ndarray  # float32, flat, same size

    @classmethod
    def from_landscape(cls, ls: Landscape) -> SurfaceModel:
        lc = ls.land_cover[None]
        texture = ls.texture[None]
        brightness = ls.soil_brightness.astype(np.float32)[ls.unit][None]
        green = np.where(
            lc == LandCover.FOREST, _spectrum(_CONIFER_CANOPY), _spectrum(_GREEN_VEGETATION)
        )
        background = np.select(
            [lc == LandCover.FOREST, lc == LandCover.WATER, lc == LandCover.URBAN],
            [
                _spectrum(_FOREST_FLOOR),
                _spectrum(_WATER) * (2.0 - texture),
                _spectrum(_ROOFS) * brightness,
            ],
            _spectrum(_BARE_SOIL) * brightness,
        )
        green = (green * texture).astype(np.float32)
        background = (background * texture).astype(np.float32)
        snow_cover = np.select(
            [ls.land_cover == LandCover.WATER, ls.land_cover == LandCover.FOREST], [0.0, 0.5], 1.0
        ).astype(np.float32)
        rng = np.random.default_rng([SCENE_SEED, 1_000_000])
        noise = rng.standard_normal(2 * green.size, dtype=np.float32)
        return cls(
            landscape=ls,
            background=background,
            green_minus_background=green - background,
            snow_cover=snow_cover,
            noise_gain=1.0 + _NOISE_RELATIVE * noise,
            noise_offset=_NOISE_ABSOLUTE * noise + 0.5,
        )


@dataclass(frozen=True)
class Acquisition:
    """One date: 10 bands of reflectance as uint16 digital numbers, and SCL."""

    bands: np.ndarray  # uint16 (band, y, x); 0 = no data
    scl: np.ndarray  # uint8 (y, x)
    cloud_cover: float  # the drawn fraction of the scene covered by cloud


def _solar_elevation_deg(doy: int) -> float:
    declination = 23.44 * np.sin(2 * np.pi * (284 + doy) / 365.0)
    return float(90.0 - SCENE_LATITUDE + declination - 3.0)  # about 10:30 local time


def _clouds(
    rng: np.random.Generator, shape: tuple[int, int], cover: float, doy: int, height_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cloud opacity, cloud texture and cloud-shadow strength, each (y, x) in [0, 1].

    Clouds are the top ``cover`` fraction of a fractal field, soft at the edges. The
    field extends beyond the scene to the south and east, where clouds casting
    shadows into the scene can be.
    """
    length = height_m / np.tan(np.deg2rad(_solar_elevation_deg(doy))) / _SCENE_WIDTH_M
    length = min(length, _MAX_SHADOW_LENGTH)
    azimuth = np.deg2rad(340.0)  # shadows point away from the sun, to the north-north-west
    drow = round(length * np.cos(azimuth) * shape[0])
    dcol = round(-length * np.sin(azimuth) * shape[1])
    extended = (
        shape[0] + int(np.ceil(_MAX_SHADOW_LENGTH * shape[0])),
        shape[1] + int(np.ceil(_MAX_SHADOW_LENGTH * shape[1])),
    )
    field = fractal_field(rng, extended, 4, 5)
    if cover > 0.0:
        threshold = np.quantile(field[: shape[0] : 4, : shape[1] : 4], 1.0 - cover)
        opacity_ext = np.clip((field - threshold) / 0.8, 0.0, 1.0) ** 0.8
    else:
        opacity_ext = np.zeros(extended, np.float32)
    opacity = opacity_ext[: shape[0], : shape[1]]
    shadow = np.minimum(1.0, 1.5 * opacity_ext[drow : drow + shape[0], dcol : dcol + shape[1]])
    shadow[opacity > 0.1] = 0.0  # under the cloud itself the cloud dominates
    return opacity, field[: shape[0], : shape[1]], shadow


def render(model: SurfaceModel, date_index: int, doy: int) -> Acquisition:
    """Render the acquisition with the given index in the full 5-day schedule.

    Random draws depend only on ``date_index``, so a date looks the same (up to
    resolution) in the full and in the small variant.
    """
    ls = model.landscape
    shape = ls.shape
    rng = np.random.default_rng([SCENE_SEED, date_index])
    winter = np.cos(2 * np.pi * (doy - 15) / 365.0)  # 1 in mid-January, -1 in July
    cover = float(min(1.0, rng.beta(0.45, 1.0) * (1.0 + 0.3 * winter)))
    height_m = rng.uniform(600.0, 1500.0)
    snowline = 1.25 - 0.65 * max(0.0, winter) ** 1.5 + rng.uniform(-0.05, 0.05)
    has_cirrus = rng.random() < 0.3
    swath_edge = rng.uniform(0.08, 0.3) if rng.random() < 0.12 else None

    # Clear-sky surface.
    veg = ls.vegetation_fraction(doy)
    refl = np.multiply(veg, model.green_minus_background)
    refl += model.background
    lc = ls.land_cover
    scl = np.where(veg >= 0.45, SCL.VEGETATION, SCL.NOT_VEGETATED).astype(np.uint8)
    scl[lc == LandCover.WATER] = SCL.WATER
    scl[ls.unit == ls.street_unit] = SCL.UNCLASSIFIED  # streets: dark, mixed pixels

    if snowline < float(ls.elevation.max()):
        snow = np.clip((ls.elevation - snowline) / 0.04, 0.0, 1.0) * model.snow_cover
        refl *= 1.0 - snow
        refl += snow * _spectrum(_SNOW)
        scl[snow >= 0.3] = SCL.SNOW

    opacity, texture, shadow = _clouds(rng, shape, cover, doy, height_m)
    if shadow.any():
        refl *= 1.0 - 0.6 * shadow  # (y, x) factor: one pass over the bands
        scl[shadow > 0.2] = SCL.CLOUD_SHADOW

    if has_cirrus:
        streaks = smooth_field(rng, shape, (3, 14))
        cirrus = 0.3 * np.clip((streaks - 0.3) / 1.5, 0.0, 1.0)
        refl += cirrus * _spectrum(_CIRRUS)
        scl[cirrus > 0.06] = SCL.THIN_CIRRUS

    if cover > 0.0:  # blend towards the (textured) cloud spectrum
        refl *= 1.0 - opacity
        refl += (opacity * (1.0 + 0.1 * texture)) * _spectrum(_CLOUD)
    scl[opacity > 0.1] = SCL.CLOUD_MEDIUM_PROBABILITY
    scl[opacity > 0.6] = SCL.CLOUD_HIGH_PROBABILITY

    # Sensor noise, then digital numbers (0 = no data).
    start = int(rng.integers(0, model.noise_gain.size - refl.size))
    window = slice(start, start + refl.size)
    refl *= model.noise_gain[window].reshape(refl.shape)
    refl += model.noise_offset[window].reshape(refl.shape)
    np.clip(refl, 1.0, 65_535.0, out=refl)
    dn = refl.astype(np.uint16)  # truncation of value + 0.5: rounding

    if swath_edge is not None:
        u = pixel_centres(shape[1])[None, :]
        v = pixel_centres(shape[0])[:, None]
        outside = u + 0.25 * v < swath_edge
        dn[:, outside] = 0
        scl[outside] = SCL.NO_DATA
    return Acquisition(bands=dn, scl=scl, cloud_cover=cover)
