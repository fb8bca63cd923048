"""Small generated datasets for tests (the full demo data is not needed by tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

S2_BANDS = {
    # name: (common_name, centre wavelength in micrometres)
    "B02": ("blue", 0.49),
    "B04": ("red", 0.665),
    "B08": ("nir", 0.842),
}


def crs_variable(epsg: int) -> xr.DataArray:
    import pyproj

    attrs = pyproj.CRS.from_epsg(epsg).to_cf()
    return xr.DataArray(0, attrs=attrs)


def make_s2_cube(nx: int = 40, ny: int = 30, nt: int = 6, seed: int = 0) -> xr.Dataset:
    """A small Sentinel-2-like cube in EPSG:32632 at 10 m, one date every 5 days."""
    rng = np.random.default_rng(seed)
    x = 675000 + 5 + 10 * np.arange(nx)
    y = 5156000 - 5 - 10 * np.arange(ny)
    time = pd.date_range("2022-01-01", periods=nt, freq="5D")
    data_vars = {}
    for name, (common_name, wavelength) in S2_BANDS.items():
        values = rng.integers(100, 5000, size=(nt, ny, nx), dtype=np.uint16)
        data_vars[name] = xr.DataArray(
            values,
            dims=("time", "y", "x"),
            attrs={
                "nodata": 0,
                "scale": 0.0001,
                "offset": 0,
                "common_name": common_name,
                "center_wavelength": wavelength,
                "long_name": f"Band {name}",
                "grid_mapping": "crs",
            },
        )
    ds = xr.Dataset(data_vars, coords={"x": x, "y": y, "time": time})
    ds["crs"] = crs_variable(32632)
    ds.attrs.update(title="Small S2 cube", description="Generated test cube", license="CC-BY-4.0")
    return ds


def make_global_cube(nt: int = 4) -> xr.Dataset:
    """A global 10-degree lat/lon cube with one variable."""
    lon = np.arange(-175, 180, 10.0)
    lat = np.arange(85, -90, -10.0)
    time = pd.date_range("2022-01-01", periods=nt, freq="1D")
    t2m = 288 - 0.5 * np.abs(lat)[None, :, None] + np.zeros((nt, lat.size, lon.size))
    ds = xr.Dataset(
        {"t2m": (("time", "lat", "lon"), t2m.astype("float32"), {"units": "K"})},
        coords={"lon": lon, "lat": lat, "time": time},
    )
    return ds


def write_fixture_datasets(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "S2_SMALL": directory / "s2_small.zarr",
        "GLOBAL_SMALL": directory / "global_small.zarr",
    }
    make_s2_cube().to_zarr(paths["S2_SMALL"], mode="w")
    make_global_cube().to_zarr(paths["GLOBAL_SMALL"], mode="w")
    return paths
