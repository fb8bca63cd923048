"""A tiny stand-in for ``SENTINEL2_L2A_DEMO`` (``--small`` runs and the smoke test).

Same layout and encoding as the demo cube (a ``.levels`` directory whose level 0 is a
Zarr with uint16 B04/B08, nodata 0, scale 0.0001, and uint8 SCL), but 48 x 48 pixels
and 6 dates inside the default season, in several chunks per dimension so that
chunked code paths run. Random but seeded: the same every time.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import ndvi_common as common
import numpy as np
import pandas as pd
import pyproj
import xarray as xr

SIZE = 48
CHUNKS = {"time": 2, "y": 24, "x": 24}
DATES = pd.date_range("2022-06-03", periods=6, freq="15D")


def _dataset() -> xr.Dataset:
    rng = np.random.default_rng(42)
    shape = (len(DATES), SIZE, SIZE)
    red = rng.integers(1, 3000, shape, dtype=np.uint16)
    nir = rng.integers(1, 6000, shape, dtype=np.uint16)
    for band in (red, nir):
        band[rng.random(shape) < 0.03] = 0  # scattered no-data
    scl = rng.integers(0, 12, shape, dtype=np.uint8)
    reflectance = {"nodata": 0, "scale": 0.0001, "offset": 0.0, "grid_mapping": "crs"}
    crs = pyproj.CRS.from_epsg(32632)
    x = 675_000.0 + 10 * (np.arange(SIZE) + 0.5)
    y = 5_156_000.0 - 10 * (np.arange(SIZE) + 0.5)
    dims = ("time", "y", "x")
    return xr.Dataset(
        {
            "B04": (dims, red, reflectance),
            "B08": (dims, nir, reflectance),
            "SCL": (dims, scl, {"nodata": 0, "grid_mapping": "crs"}),
        },
        coords={
            "time": DATES.values,
            "y": y,
            "x": x,
            "crs": xr.DataArray(np.int32(0), attrs={**crs.to_cf(), "spatial_ref": crs.to_wkt()}),
        },
    ).chunk(CHUNKS)


def write_tiny_cube(data_dir: Path) -> Path:
    """Write ``<data_dir>/SENTINEL2_L2A_DEMO.levels`` (replacing it); its path."""
    levels = data_dir / f"{common.COLLECTION}.levels"
    if levels.exists():
        shutil.rmtree(levels)
    levels.mkdir(parents=True)
    with warnings.catch_warnings():
        # Consolidated like the demo cube; zarr warns that v3 has no such standard.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        _dataset().to_zarr(levels / "0.zarr", mode="w", consolidated=True)
    (levels / ".zlevels").write_text(json.dumps({"version": "1.0", "num_levels": 1}))
    return levels
