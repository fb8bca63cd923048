"""Layout, types, metadata and CRS of the generated demo datasets, read by xarray and xcube."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from xcube.core.gridmapping import GridMapping
from xcube.core.mldataset import FsMultiLevelDataset, MultiLevelDataset
from xcube.core.store import new_data_store

from xcube_openeo.demo import sentinel2
from xcube_openeo.demo.scene import BANDS

S2 = "SENTINEL2_L2A_DEMO.levels"
CLIMATE = "GLOBAL_CLIMATE_DEMO.zarr"
SMALL_DATES = pd.to_datetime(
    ["2022-01-01", "2022-03-12", "2022-05-21", "2022-07-30", "2022-10-08", "2022-12-17"]
)


def test_full_schedule_is_every_5_days_of_2022() -> None:
    dates = sentinel2.FULL_DATES
    assert len(dates) == 73
    assert dates[0] == pd.Timestamp("2022-01-01") and dates[-1] <= pd.Timestamp("2022-12-31")
    assert set(np.diff(dates.values).astype("timedelta64[D]").astype(int)) == {5}
    assert (sentinel2.FULL.size, sentinel2.FULL.resolution) == (1000, 10.0)


def test_sentinel2_level0_layout(small_demo_dir: Path) -> None:
    ds = xr.open_zarr(small_demo_dir / S2 / "0.zarr")
    assert set(ds.data_vars) == {*BANDS, "SCL"}
    assert dict(ds.sizes) == {"time": 6, "y": 100, "x": 100}
    for name in BANDS:
        assert ds[name].dims == ("time", "y", "x")
        assert ds[name].dtype == np.uint16, name
    assert ds.SCL.dtype == np.uint8
    # Pixel centres over x 675000-685000, y 5146000-5156000, y descending.
    np.testing.assert_allclose(ds.x.values, 675_050 + 100 * np.arange(100))
    np.testing.assert_allclose(ds.y.values, 5_155_950 - 100 * np.arange(100))
    assert (ds.time.values == SMALL_DATES.values).all()
    assert ds.B04.encoding["chunks"] == (2, 64, 64)


def test_sentinel2_band_and_dataset_attrs(small_demo_dir: Path) -> None:
    ds = xr.open_zarr(small_demo_dir / S2 / "0.zarr")
    expected_common = {
        "B02": "blue", "B03": "green", "B04": "red", "B08": "nir", "B8A": "nir08",
        "B11": "swir16", "B12": "swir22",
    }  # fmt: skip
    for name in BANDS:
        attrs = ds[name].attrs
        assert attrs["nodata"] == 0 and attrs["scale"] == 0.0001 and attrs["offset"] == 0
        assert "scale_factor" not in attrs and "_FillValue" not in attrs
        assert attrs["units"] and attrs["long_name"]
        assert 0.4 < attrs["center_wavelength"] < 2.3 and attrs["full_width_half_max"] > 0
        if name in expected_common:
            assert attrs["common_name"] == expected_common[name]
    assert ds.B05.attrs["common_name"].startswith("rededge")
    scl = ds.SCL.attrs
    assert scl["nodata"] == 0
    assert len(scl["flag_values"]) == len(scl["flag_meanings"].split()) == 12
    assert scl["flag_meanings"].split()[9] == "cloud_high_probability"

    attrs = ds.attrs
    assert attrs["license"] == "CC-BY-4.0"
    assert attrs["providers"][0]["name"] and "producer" in attrs["providers"][0]["roles"]
    assert attrs["title"] and attrs["description"]
    assert attrs["time_coverage_start"].startswith("2022-01-01")
    assert attrs["time_coverage_end"].startswith("2022-12-17")
    # The tile lies near Bolzano (46.5 N, 11.35 E).
    assert 11.2 < attrs["geospatial_lon_min"] < attrs["geospatial_lon_max"] < 11.5
    assert 46.4 < attrs["geospatial_lat_min"] < attrs["geospatial_lat_max"] < 46.6


def test_sentinel2_crs_found_by_xcube(small_demo_dir: Path) -> None:
    ds = xr.open_zarr(small_demo_dir / S2 / "0.zarr")
    assert "crs" in ds.coords and ds.crs.attrs["grid_mapping_name"] == "transverse_mercator"
    gm = GridMapping.from_dataset(ds)
    assert gm.crs.to_epsg() == 32632
    assert gm.xy_dim_names == ("x", "y")
    assert gm.xy_res == (100.0, 100.0)
    assert gm.xy_bbox == (675_000.0, 5_146_000.0, 685_000.0, 5_156_000.0)


def test_sentinel2_multilevel_with_xcube(small_demo_dir: Path) -> None:
    ml = FsMultiLevelDataset(str(small_demo_dir / S2))
    assert ml.num_levels == 3
    assert ml.grid_mapping.crs.to_epsg() == 32632
    assert [res[0] for res in ml.resolutions] == [100.0, 200.0, 400.0]
    for level, size in enumerate([100, 50, 25]):
        level_ds = ml.get_dataset(level)
        assert dict(level_ds.sizes) == {"time": 6, "y": size, "x": size}
        assert level_ds.B04.dtype == np.uint16 and level_ds.SCL.dtype == np.uint8
        assert GridMapping.from_dataset(level_ds).crs.to_epsg() == 32632

    store = new_data_store("file", root=str(small_demo_dir))
    assert set(store.list_data_ids()) >= {S2, CLIMATE}
    opened = store.open_data(S2)
    assert isinstance(opened, MultiLevelDataset)
    assert opened.num_levels == 3


def test_pyramid_levels_aggregate_level0(small_demo_dir: Path) -> None:
    ml = FsMultiLevelDataset(str(small_demo_dir / S2))
    level0, level1 = ml.get_dataset(0).load(), ml.get_dataset(1).load()
    blocks = level0.B08.values.reshape(6, 50, 2, 50, 2).astype(np.float64)
    valid = blocks != 0
    count = valid.sum(axis=(2, 4))
    mean = np.where(count > 0, blocks.sum(axis=(2, 4)) / np.maximum(count, 1), 0)
    np.testing.assert_allclose(level1.B08.values, mean, atol=0.51)
    # SCL is categorical: every coarse value is one of its block's values.
    scl_blocks = level0.SCL.values.reshape(6, 50, 2, 50, 2)
    coarse = level1.SCL.values[:, :, None, :, None]
    assert (scl_blocks == coarse).any(axis=(2, 4)).all()
    np.testing.assert_allclose(level1.x.values, 675_100 + 200 * np.arange(50))


def test_climate_layout_and_crs(small_demo_dir: Path) -> None:
    ds = xr.open_zarr(small_demo_dir / CLIMATE)
    assert set(ds.data_vars) == {"t2m", "tp"}
    assert dict(ds.sizes) == {"time": 6, "lat": 180, "lon": 360}
    np.testing.assert_allclose(ds.lat.values, 89.5 - np.arange(180))
    np.testing.assert_allclose(ds.lon.values, -179.5 + np.arange(360))
    assert ds.time.values[0] == np.datetime64("2022-01-01")
    for name, units in [("t2m", "K"), ("tp", "m")]:
        assert ds[name].dtype == np.float32
        assert ds[name].dims == ("time", "lat", "lon")
        assert ds[name].attrs["units"] == units and ds[name].attrs["long_name"]
    assert ds.attrs["license"] == "CC-BY-4.0" and ds.attrs["providers"]
    assert ds.attrs["time_coverage_start"].startswith("2022-01-01")
    gm = GridMapping.from_dataset(ds)
    assert gm.crs.to_epsg() == 4326
    assert gm.xy_bbox == (-180.0, -90.0, 180.0, 90.0)


@pytest.mark.parametrize("name", [S2, CLIMATE])
def test_only_datasets_and_markers_in_data_dir(small_demo_dir: Path, name: str) -> None:
    assert (small_demo_dir / name).is_dir()
    assert (small_demo_dir / f".{name}.complete").is_file()
    assert not list(small_demo_dir.glob(f".{name}.partial-*"))


def test_full_variant_grid_and_chunks_without_generating() -> None:
    sizes = []
    for level in range(sentinel2.FULL.num_levels):
        ds, encoding = sentinel2.level_template(sentinel2.FULL, level)
        sizes.append(ds.sizes["x"])
        assert ds.sizes["time"] == 73 and ds.sizes["y"] == ds.sizes["x"]
        res = 10.0 * 2**level
        assert ds.x.values[0] == 675_000 + res / 2 and ds.x.values[-1] == 685_000 - res / 2
        assert ds.y.values[0] == 5_156_000 - res / 2 and ds.y.values[-1] == 5_146_000 + res / 2
        assert encoding["B04"]["chunks"] == (8, min(256, sizes[-1]), min(256, sizes[-1]))
        assert ds.attrs["time_coverage_end"].startswith("2022-12-27")
    assert sizes == [1000, 500, 250, 125]
