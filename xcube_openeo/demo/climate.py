"""``GLOBAL_CLIMATE_DEMO``: global daily 2022 2 m temperature and precipitation at 1 degree.

A single Zarr (no pyramid: 360 x 180 pixels are cheap at every zoom level). Weather
anomalies are sums of random plane waves evaluated on the unit sphere, so fields are
continuous across the dateline and over the poles; their amplitudes follow AR(1)
processes over the days and their phases drift, so weather persists and moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pandas as pd
import pyproj
import xarray as xr
from scipy.stats import norm
from zarr.codecs import BloscCodec

from .sentinel2 import PROVIDERS
from .storage import Progress
from .zarrio import write_template, write_time_region

NAME = "GLOBAL_CLIMATE_DEMO"
CLIMATE_SEED = 4326
FULL_DAYS = pd.date_range("2022-01-01", "2022-12-31", freq="D")  # 365 days
LAT = 89.5 - np.arange(180, dtype=np.float64)
LON = -179.5 + np.arange(360, dtype=np.float64)
_WET_DAY_PROBABILITY = 0.45

_COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")


@dataclass(frozen=True)
class Variant:
    day_indexes: tuple[int, ...]  # indexes into FULL_DAYS
    # (time, lat, lon) chunks: whole globe per chunk for tiles; 8 days per chunk
    # (2 MB uncompressed) so a point time series needs 46 chunk reads, not 365.
    time_chunk: int = 8

    @property
    def dates(self) -> pd.DatetimeIndex:
        return FULL_DAYS[list(self.day_indexes)]


FULL = Variant(day_indexes=tuple(range(len(FULL_DAYS))))
SMALL = Variant(day_indexes=tuple(range(0, len(FULL_DAYS), 61)), time_chunk=2)  # 6 days


def _bit_round(values: np.ndarray, keep_bits: int) -> np.ndarray:
    """Round float32 mantissas to ``keep_bits`` bits: the zeroed bits compress well.

    The precision left (about 0.02 K for temperatures with 14 bits) is far below what
    synthetic weather means.
    """
    drop = 23 - keep_bits
    bits = values.astype(np.float32).view(np.uint32)
    half = np.uint32(1 << (drop - 1))
    mask = np.uint32(~((1 << drop) - 1) & 0xFFFFFFFF)
    return ((bits + half) & mask).view(np.float32)


class _WaveField:
    """Sum of ``n`` moving plane waves on the sphere with AR(1) amplitudes (unit variance)."""

    def __init__(
        self,
        rng: np.random.Generator,
        n: int,
        wavenumbers: tuple[float, float],
        persistence: float,
        speed: float,
    ):
        lat, lon = np.deg2rad(LAT)[:, None], np.deg2rad(LON)[None, :]
        points = np.stack(
            [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat) + 0 * lon]
        ).reshape(3, -1)
        directions = rng.standard_normal((n, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        k = directions * rng.uniform(*wavenumbers, size=(n, 1))
        phase = k @ points + rng.uniform(0, 2 * np.pi, size=(n, 1))
        self._cos, self._sin = np.cos(phase), np.sin(phase)
        self._omega = rng.uniform(-speed, speed, size=n)
        sigma = np.sqrt(2.0 / n)
        days = len(FULL_DAYS)
        shocks = rng.standard_normal((days, n))
        amplitude = np.empty((days, n))
        amplitude[0] = sigma * shocks[0]
        for d in range(1, days):
            amplitude[d] = (
                persistence * amplitude[d - 1] + np.sqrt(1 - persistence**2) * sigma * shocks[d]
            )
        self._amplitude = amplitude

    def __call__(self, day_indexes: np.ndarray) -> np.ndarray:
        """Fields (day, lat, lon) for the given day indexes."""
        a = self._amplitude[day_indexes]
        turn = self._omega[None, :] * day_indexes[:, None]
        fields = (a * np.cos(turn)) @ self._cos - (a * np.sin(turn)) @ self._sin
        return fields.reshape(len(day_indexes), len(LAT), len(LON))


class _ClimateModel:
    def __init__(self) -> None:
        rng = np.random.default_rng(CLIMATE_SEED)
        # Static "continentality" in [0, 1]: larger seasonal amplitude, drier.
        land = _WaveField(rng, 24, (1.5, 5.0), 0.0, 0.0)(np.array([0]))[0]
        self.continentality = 1.0 / (1.0 + np.exp(-2.5 * land))
        self.weather = _WaveField(rng, 48, (3.0, 12.0), 0.8, 0.25)
        self.rain = _WaveField(rng, 48, (4.0, 14.0), 0.5, 0.35)
        self.rain_threshold = norm.ppf(1.0 - _WET_DAY_PROBABILITY)
        # E[max(0, Z - q)] for standard normal Z: scales rain amounts to the climatology.
        q = self.rain_threshold
        self.rain_excess_mean = norm.pdf(q) - q * norm.sf(q)

    def t2m(self, day_indexes: np.ndarray) -> np.ndarray:
        lat = np.deg2rad(LAT)[None, :, None]
        doy = (day_indexes + 1)[:, None, None]
        # Annual zonal means close to observed ones: 299 K at the equator, about 283 K
        # at 45 degrees, 250 K at the North Pole and 225 K at the South Pole.
        mean = 299.0 - 49.0 * (np.sin(lat) ** 2) ** 1.6 - 25.0 * np.clip(-np.sin(lat), 0, None) ** 8
        amplitude = (1.0 + 20.0 * np.abs(np.sin(lat)) ** 1.5) * np.where(lat > 0, 1.0, 0.6)
        amplitude = amplitude * (0.5 + self.continentality[None])
        # Coldest in mid-January in the north, warmest there in mid-July; opposite south.
        season = -np.sign(lat) * amplitude * np.cos(2 * np.pi * (doy - 16) / 365.25)
        spread = 1.5 + 4.0 * np.abs(np.sin(lat))
        return mean + season + spread * self.weather(day_indexes)

    def tp(self, day_indexes: np.ndarray) -> np.ndarray:
        """Daily precipitation in metres (water equivalent), non-negative."""
        lat = LAT[None, :, None]
        doy = (day_indexes + 1)[:, None, None]
        itcz = 6.0 + 8.0 * np.sin(2 * np.pi * (doy - 105) / 365.25)
        climatology = (
            0.0070 * np.exp(-(((lat - itcz) / 8.0) ** 2))
            + 0.0030 * np.exp(-(((np.abs(lat) - 50.0) / 12.0) ** 2))
            + 0.0005
        ) * (1.3 - 0.6 * self.continentality[None])
        excess = np.clip(self.rain(day_indexes) - self.rain_threshold, 0.0, None)
        return climatology * excess / self.rain_excess_mean


def _template(variant: Variant) -> tuple[xr.Dataset, dict[str, Any]]:
    shape = (len(variant.day_indexes), len(LAT), len(LON))
    chunks = (variant.time_chunk, len(LAT), len(LON))
    crs = pyproj.CRS.from_epsg(4326)
    crs_attrs = crs.to_cf()
    crs_attrs["spatial_ref"] = crs.to_wkt()
    coords = {
        "time": ("time", variant.dates.values, {"standard_name": "time", "long_name": "time"}),
        "lat": (
            "lat",
            LAT,
            {"standard_name": "latitude", "long_name": "latitude", "units": "degrees_north"},
        ),
        "lon": (
            "lon",
            LON,
            {"standard_name": "longitude", "long_name": "longitude", "units": "degrees_east"},
        ),
        "crs": xr.DataArray(np.int32(0), attrs=crs_attrs),
    }
    var_attrs = {
        "t2m": {
            "long_name": "2 metre temperature (daily mean)",
            "standard_name": "air_temperature",
            "units": "K",
        },
        "tp": {
            "long_name": "Total precipitation (daily sum)",
            "standard_name": "precipitation_amount_in_metres",
            "units": "m",
        },
    }
    data_vars = {
        name: (
            ("time", "lat", "lon"),
            da.zeros(shape, dtype=np.float32, chunks=chunks),
            {**attrs, "grid_mapping": "crs"},
        )
        for name, attrs in var_attrs.items()
    }
    dates = variant.dates
    attrs = {
        "Conventions": "CF-1.10",
        "title": "Global climate demo (synthetic)",
        "description": (
            "Synthetic global daily 2 m temperature and precipitation for 2022 on a 1 degree "
            "grid, with plausible latitudinal and seasonal patterns (opposite seasons in the "
            "hemispheres) and moving weather. Generated deterministically by xcube_openeo.demo."
        ),
        "license": "CC-BY-4.0",
        "providers": PROVIDERS,
        "source": "synthetic data generated by xcube_openeo.demo.generate",
        "time_coverage_start": dates[0].isoformat(),
        "time_coverage_end": dates[-1].isoformat(),
        "geospatial_lon_min": -180.0,
        "geospatial_lon_max": 180.0,
        "geospatial_lat_min": -90.0,
        "geospatial_lat_max": 90.0,
    }
    encoding: dict[str, Any] = {
        name: {"chunks": chunks, "compressors": (_COMPRESSOR,)} for name in data_vars
    }
    encoding["time"] = {
        "units": "days since 2022-01-01",
        "calendar": "proleptic_gregorian",
        "dtype": "int32",
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs), encoding


def write_climate(path: Path, variant: Variant) -> None:
    """Write the dataset as a Zarr into the (new, empty) directory ``path``."""
    ds, encoding = _template(variant)
    # ``path`` itself is the Zarr group.
    write_template(ds, path, encoding)
    model = _ClimateModel()
    indexes = np.asarray(variant.day_indexes)
    progress = Progress(f"{NAME} days", len(indexes))
    for start in range(0, len(indexes), variant.time_chunk):
        days = indexes[start : start + variant.time_chunk]
        write_time_region(
            path,
            start,
            {"t2m": _bit_round(model.t2m(days), 14), "tp": _bit_round(model.tp(days), 10)},
        )
        progress.advance(len(days))
