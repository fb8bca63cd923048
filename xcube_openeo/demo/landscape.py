"""The synthetic landscape behind ``SENTINEL2_L2A_DEMO``: land cover, fields, phenology.

Everything is laid out in normalised scene coordinates (u west->east, v north->south,
both in [0, 1]), so a raster of any size shows the same landscape. The layout is loosely
an Alpine valley (the demo tile lies near Bolzano): mountains with forest to the
north-east, a lake and a river in the valley, a town, and a patchwork of fields slightly
rotated against the pixel grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .noise import fractal_field, pixel_centres

LANDSCAPE_SEED = 20220101


class LandCover(IntEnum):
    WATER = 1
    URBAN = 2
    FOREST = 3
    CROPLAND = 4
    GRASSLAND = 5


class CropType(IntEnum):
    MEADOW = 0
    WINTER_CEREAL = 1
    MAIZE = 2
    SUMMER_CROP = 3


# Phenology per crop type: (base, amplitude, peak day-of-year range, width in days range).
# The vegetation fraction is base + amplitude * gauss(doy; peak, width).
_CROP_PHENOLOGY: dict[CropType, tuple[float, float, tuple[float, float], tuple[float, float]]] = {
    CropType.MEADOW: (0.35, 0.55, (150, 200), (55, 75)),
    CropType.WINTER_CEREAL: (0.15, 0.80, (120, 150), (28, 38)),
    CropType.MAIZE: (0.03, 0.92, (200, 225), (24, 32)),
    CropType.SUMMER_CROP: (0.03, 0.87, (170, 200), (28, 38)),
}
_CROP_SHARES = {
    CropType.MEADOW: 0.25,
    CropType.WINTER_CEREAL: 0.30,
    CropType.MAIZE: 0.25,
    CropType.SUMMER_CROP: 0.20,
}

# Rotation of the field pattern against the pixel grid, and the parcel-splitting domain
# in rotated coordinates (it must cover the rotated unit square).
_FIELD_ROTATION_DEG = 12.0
_DOMAIN = (-0.25, 1.25)
_MARGIN_WIDTH = 0.0012  # field margins / tracks / streets, in scene units


@dataclass(frozen=True)
class Landscape:
    """Static maps of the scene; arrays are (y, x) with row 0 in the north.

    ``unit`` indexes the per-unit phenology arrays: units ``0 .. n_parcels-1`` are
    fields and meadows, ``n_parcels .. 2*n_parcels-1`` town blocks on the same
    rectangles, then four shared units: margins, forest, water, streets.
    """

    land_cover: np.ndarray  # uint8, LandCover values
    unit: np.ndarray  # int32 index into the phenology arrays
    crop_type: np.ndarray  # int8, CropType per pixel, -1 where not a field/meadow parcel
    elevation: np.ndarray  # float32 in [0, 1], high in the north-east
    texture: np.ndarray  # float32 around 1.0: static small-scale brightness variation
    base: np.ndarray
    amplitude: np.ndarray
    peak_doy: np.ndarray
    width_days: np.ndarray
    soil_brightness: np.ndarray  # per unit, multiplies the soil/urban spectrum
    n_parcels: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.land_cover.shape

    @property
    def street_unit(self) -> int:
        return len(self.base) - 1

    def vegetation_fraction(self, doy: float) -> np.ndarray:
        """Green-vegetation cover fraction of every pixel on the given day of year."""
        per_unit = self.base + self.amplitude * np.exp(
            -0.5 * ((doy - self.peak_doy) / self.width_days) ** 2
        )
        return per_unit.astype(np.float32)[self.unit]


def _split_parcels(rng: np.random.Generator) -> np.ndarray:
    """Recursive splitting of the domain into rectangles (x0, y0, x1, y1)."""
    lo, hi = _DOMAIN
    todo = [(lo, lo, hi, hi)]
    done: list[tuple[float, float, float, float]] = []
    while todo:
        x0, y0, x1, y1 = todo.pop()
        w, h = x1 - x0, y1 - y0
        longest = max(w, h)
        if longest > 0.12 or (longest > 0.05 and rng.random() < 0.35):
            f = rng.uniform(0.3, 0.7)
            if w >= h:
                xm = x0 + f * w
                todo += [(x0, y0, xm, y1), (xm, y0, x1, y1)]
            else:
                ym = y0 + f * h
                todo += [(x0, y0, x1, ym), (x0, ym, x1, y1)]
        else:
            done.append((x0, y0, x1, y1))
    return np.array(done, dtype=np.float64)


def _rasterise_parcels(rects: np.ndarray, resolution: int) -> np.ndarray:
    lo, hi = _DOMAIN
    grid = np.zeros((resolution, resolution), dtype=np.int32)
    scale = resolution / (hi - lo)
    for i, (x0, y0, x1, y1) in enumerate(rects):
        c0, c1 = round((x0 - lo) * scale), round((x1 - lo) * scale)
        r0, r1 = round((y0 - lo) * scale), round((y1 - lo) * scale)
        grid[r0:r1, c0:c1] = i
    return grid


def _parcels(
    rng: np.random.Generator, u: np.ndarray, v: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Parcel index and field-margin mask per pixel, and the number of parcels.

    Parcels are split in coordinates rotated against the pixel grid, rasterised there,
    and each pixel looks its parcel up in that raster.
    """
    rects = _split_parcels(rng)
    resolution = int(np.ceil((_DOMAIN[1] - _DOMAIN[0]) * size))
    parcel_grid = _rasterise_parcels(rects, resolution)
    angle = np.deg2rad(_FIELD_ROTATION_DEG)
    ur = np.cos(angle) * (u - 0.5) - np.sin(angle) * (v - 0.5) + 0.5
    vr = np.sin(angle) * (u - 0.5) + np.cos(angle) * (v - 0.5) + 0.5
    scale = resolution / (_DOMAIN[1] - _DOMAIN[0])
    col = np.clip(((ur - _DOMAIN[0]) * scale).astype(np.int64), 0, resolution - 1)
    row = np.clip(((vr - _DOMAIN[0]) * scale).astype(np.int64), 0, resolution - 1)
    parcel = parcel_grid[row, col]
    px0, py0, px1, py1 = (rects[:, k][parcel] for k in range(4))
    edge_distance = np.minimum.reduce([ur - px0, px1 - ur, vr - py0, py1 - vr])
    return parcel, edge_distance < _MARGIN_WIDTH, len(rects)


def _phenology(rng: np.random.Generator, n_parcels: int) -> tuple[np.ndarray, ...]:
    """Crop type per parcel, and per-unit tables: base, amplitude, peak, width, soil.

    Units: parcels 0..n-1, town blocks n..2n-1 (same rectangles), then four shared
    units: margins, forest, water, streets.
    """
    types = list(_CROP_SHARES)
    parcel_type = rng.choice(len(types), size=n_parcels, p=list(_CROP_SHARES.values()))
    n_units = 2 * n_parcels + 4
    base, amplitude = np.empty(n_units), np.empty(n_units)
    peak, width_days = np.empty(n_units), np.empty(n_units)
    for i, t in enumerate(parcel_type):
        b, a, (p0, p1), (w0, w1) = _CROP_PHENOLOGY[types[t]]
        base[i], amplitude[i] = b, a
        peak[i], width_days[i] = rng.uniform(p0, p1), rng.uniform(w0, w1)
    blocks = slice(n_parcels, 2 * n_parcels)
    base[blocks], amplitude[blocks], peak[blocks], width_days[blocks] = 0.06, 0.06, 180, 50
    soil = np.concatenate(
        [rng.uniform(0.8, 1.2, n_parcels), rng.uniform(0.8, 1.3, n_parcels), np.ones(4)]
    )
    margin_unit, forest_unit, water_unit, street_unit = range(2 * n_parcels, n_units)
    # Margins: grass; forest: high and stable; water: none; streets: a little greenery.
    for unit_id, (b, a, p, w) in {
        margin_unit: (0.45, 0.40, 170, 70),
        forest_unit: (0.84, 0.10, 190, 70),
        water_unit: (0.0, 0.0, 180, 50),
        street_unit: (0.03, 0.04, 180, 50),
    }.items():
        base[unit_id], amplitude[unit_id], peak[unit_id], width_days[unit_id] = b, a, p, w
    soil[street_unit] = 0.75  # asphalt is darker than roofs
    return parcel_type, base, amplitude, peak, width_days, soil


def make_landscape(height: int, width: int) -> Landscape:
    """The landscape sampled on a ``height`` x ``width`` raster (deterministic)."""
    rng = np.random.default_rng(LANDSCAPE_SEED)
    shape = (height, width)
    v = pixel_centres(height)[:, None].astype(np.float32)
    u = pixel_centres(width)[None, :].astype(np.float32)

    elevation = np.clip(
        0.55 * (1 - v) + 0.45 * u + 0.12 * fractal_field(rng, shape, 3, 4), 0, 1
    ).astype(np.float32)
    texture = (1.0 + 0.03 * fractal_field(rng, shape, 24, 3)).astype(np.float32)

    # Lake with a ragged shore and a meandering river flowing into it from the north.
    shore = fractal_field(rng, shape, 4, 3)
    lake = ((u - 0.28) / 0.17) ** 2 + ((v - 0.70) / 0.11) ** 2 + 0.25 * shore < 1.0
    river_centre = 0.40 + 0.05 * np.sin(2 * np.pi * 2.3 * v) - 0.12 * v
    river = (np.abs(u - river_centre) < 0.004) & (v < 0.64)
    water = lake | river

    town_edge = fractal_field(rng, shape, 5, 3)
    urban = (((u - 0.64) / 0.12) ** 2 + ((v - 0.56) / 0.10) ** 2 + 0.3 * town_edge < 1.0) & ~water

    woods = fractal_field(rng, shape, 6, 3)
    forest = ((elevation + 0.10 * woods > 0.66) | (woods > 2.2)) & ~water & ~urban

    parcel, margin, n_parcels = _parcels(rng, u, v, max(height, width))
    parcel_type, base, amplitude, peak, width_days, soil = _phenology(rng, n_parcels)
    margin_unit, forest_unit, water_unit, street_unit = range(2 * n_parcels, len(base))

    unit = parcel.astype(np.int32)
    unit[urban] += n_parcels
    unit[margin] = margin_unit
    unit[urban & margin] = street_unit
    unit[forest] = forest_unit
    unit[water] = water_unit

    is_parcel = unit < n_parcels
    crop_type = np.where(is_parcel & ~urban, parcel_type[parcel], -1).astype(np.int8)
    land_cover = np.full(shape, LandCover.GRASSLAND, dtype=np.uint8)
    land_cover[crop_type > CropType.MEADOW] = LandCover.CROPLAND
    land_cover[forest] = LandCover.FOREST
    land_cover[urban] = LandCover.URBAN
    land_cover[water] = LandCover.WATER

    return Landscape(
        land_cover=land_cover,
        unit=unit,
        crop_type=crop_type,
        elevation=elevation,
        texture=texture,
        base=base,
        amplitude=amplitude,
        peak_doy=peak,
        width_days=width_days,
        soil_brightness=soil,
        n_parcels=n_parcels,
    )
