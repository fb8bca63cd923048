"""The demo data behaves like the real thing where openEO examples look: NDVI by land
cover, seasons, clouds against SCL, climate patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from xcube_openeo.demo import LandCover, make_landscape
from xcube_openeo.demo.landscape import CropType
from xcube_openeo.demo.scene import SCL, SurfaceModel, render
from xcube_openeo.demo.sentinel2 import FULL_DATES

CLEAR = [SCL.VEGETATION, SCL.NOT_VEGETATED, SCL.WATER, SCL.UNCLASSIFIED]
CLOUD = [SCL.CLOUD_MEDIUM_PROBABILITY, SCL.CLOUD_HIGH_PROBABILITY, SCL.THIN_CIRRUS]


@pytest.fixture(scope="module")
def s2(small_demo_dir: Path) -> xr.Dataset:
    return xr.open_zarr(small_demo_dir / "SENTINEL2_L2A_DEMO.levels" / "0.zarr").load()


@pytest.fixture(scope="module")
def land_cover() -> np.ndarray:
    return make_landscape(100, 100).land_cover


def _ndvi(ds: xr.Dataset) -> np.ndarray:
    red = ds.B04.values * 1e-4
    nir = ds.B08.values * 1e-4
    with np.errstate(invalid="ignore", divide="ignore"):
        return (nir - red) / (nir + red)


def test_landscape_has_every_class_with_structure() -> None:
    ls = make_landscape(1000, 1000)
    shares = np.bincount(ls.land_cover.ravel(), minlength=6)[1:] / ls.land_cover.size
    assert (shares > 0.02).all(), shares  # water, urban, forest, cropland, grassland
    fields = np.unique(ls.unit[ls.land_cover == LandCover.CROPLAND])
    assert len(fields) > 50
    assert set(np.unique(ls.crop_type)) == {-1, *CropType}
    # The small raster is the same landscape, sampled more coarsely.
    small = make_landscape(100, 100).land_cover
    agreement = (small == ls.land_cover[5::10, 5::10]).mean()
    assert agreement > 0.95


def test_fields_have_a_summer_peak_with_per_field_phase() -> None:
    ls = make_landscape(200, 200)
    crops = ls.land_cover == LandCover.CROPLAND
    peak_days = [
        np.argmax([ls.vegetation_fraction(doy)[ls.unit == unit][0] for doy in range(1, 366, 5)])
        for unit in np.unique(ls.unit[crops])[:40]
    ]
    assert len(set(peak_days)) > 5  # phases differ between fields
    assert all(20 <= d <= 50 for d in peak_days)  # peaks between early May and September
    winter = ls.vegetation_fraction(15)[crops].mean()
    summer = ls.vegetation_fraction(200)[crops].mean()
    assert summer > winter + 0.4


def test_summer_ndvi_by_land_cover(s2: xr.Dataset, land_cover: np.ndarray) -> None:
    summer = s2.sel(time="2022-07-30")
    ndvi = _ndvi(summer)
    clear = np.isin(summer.SCL.values, CLEAR)
    medians = {}
    for cls in LandCover:
        pixels = clear & (land_cover == cls)
        assert pixels.sum() >= 50, cls
        medians[cls] = np.median(ndvi[pixels])
    assert medians[LandCover.FOREST] > 0.6
    assert medians[LandCover.WATER] < 0.1
    assert medians[LandCover.URBAN] < 0.3
    assert medians[LandCover.GRASSLAND] > 0.5
    # Typical vegetation reflectances: red a few percent, NIR well above.
    forest = clear & (land_cover == LandCover.FOREST)
    assert 0.01 < np.median(summer.B04.values[forest]) * 1e-4 < 0.08
    assert 0.2 < np.median(summer.B08.values[forest]) * 1e-4 < 0.5
    water = clear & (land_cover == LandCover.WATER)
    assert np.median(summer.B08.values[water]) * 1e-4 < 0.05


def test_cropland_greener_in_summer_than_in_winter(s2: xr.Dataset, land_cover: np.ndarray) -> None:
    ndvi = _ndvi(s2)
    clear = np.isin(s2.SCL.values, CLEAR) & (land_cover == LandCover.CROPLAND)
    per_date = {
        str(t)[:10]: np.median(ndvi[i][clear[i]])
        for i, t in enumerate(s2.time.values)
        if clear[i].sum() >= 200
    }
    assert per_date["2022-07-30"] > per_date["2022-01-01"] + 0.2
    assert per_date["2022-12-17"] < 0.4


def test_clouds_are_bright_and_flagged(s2: xr.Dataset) -> None:
    scl = s2.SCL.values
    b02 = s2.B02.values * 1e-4
    thick = scl == SCL.CLOUD_HIGH_PROBABILITY
    assert thick.sum() > 1000
    assert np.quantile(b02[thick], 0.05) > 0.3
    clear = np.isin(scl, CLEAR)
    assert np.quantile(b02[clear], 0.95) < 0.15
    # Conversely, bright in blue and in short-wave infrared (unlike snow) means cloud.
    bright = (b02 > 0.4) & (s2.B11.values * 1e-4 > 0.3)
    assert bright.sum() > 1000
    assert np.isin(scl[bright], CLOUD).all()


def test_shadows_are_dark(s2: xr.Dataset, land_cover: np.ndarray) -> None:
    scl = s2.SCL.values
    nir = s2.B08.values * 1e-4
    forest = land_cover == LandCover.FOREST
    shadow = (scl == SCL.CLOUD_SHADOW) & forest
    lit = (scl == SCL.VEGETATION) & forest
    assert shadow.sum() > 50
    assert np.median(nir[shadow]) < 0.75 * np.median(nir[lit])


def test_no_data_pixels_agree(s2: xr.Dataset) -> None:
    nodata = s2.SCL.values == SCL.NO_DATA
    assert nodata.any()
    for band in ("B02", "B08", "B12"):
        assert np.array_equal(s2[band].values == 0, nodata)


def test_clouds_move_and_vary_over_the_year() -> None:
    ls = make_landscape(60, 60)
    model = SurfaceModel.from_landscape(ls)
    acquisitions = [render(model, i, d.dayofyear) for i, d in enumerate(FULL_DATES)]
    cloud = np.array([np.isin(a.scl, CLOUD) for a in acquisitions])
    fractions = cloud.mean(axis=(1, 2))
    assert (fractions < 0.05).sum() >= 10  # some dates mostly clear
    assert (fractions > 0.8).sum() >= 5  # some mostly cloudy
    # Clouds move: partly cloudy consecutive dates do not share one mask.
    partly = (fractions > 0.2) & (fractions < 0.6)
    both = partly[:-1] & partly[1:]
    overlap = (cloud[:-1] & cloud[1:]).sum(axis=(1, 2)) / np.maximum(cloud[:-1].sum(axis=(1, 2)), 1)
    assert both.any() and (overlap[both] < 0.9).all()
    # Snow only in winter.
    snow_days = [
        d.dayofyear
        for d, a in zip(FULL_DATES, acquisitions, strict=True)
        if (a.scl == SCL.SNOW).any()
    ]
    assert snow_days and all(d < 100 or d > 300 for d in snow_days)
    assert any((a.scl == SCL.CLOUD_SHADOW).any() for a in acquisitions)
    assert any((a.scl == SCL.THIN_CIRRUS).any() for a in acquisitions)


@pytest.fixture(scope="module")
def climate(small_demo_dir: Path) -> xr.Dataset:
    return xr.open_zarr(small_demo_dir / "GLOBAL_CLIMATE_DEMO.zarr").load()


def test_temperature_latitude_and_opposite_seasons(climate: xr.Dataset) -> None:
    t2m = climate.t2m
    assert 180 < float(t2m.min()) and float(t2m.max()) < 325
    zonal = t2m.mean(["time", "lon"])
    assert float(zonal.sel(lat=0.5)) > float(zonal.sel(lat=70.5)) + 20
    assert float(zonal.sel(lat=0.5)) > float(zonal.sel(lat=-70.5)) + 20
    north = t2m.sel(lat=slice(60, 40)).mean(["lat", "lon"])
    south = t2m.sel(lat=slice(-40, -60)).mean(["lat", "lon"])
    january, july = north.time.values[0], north.time.values[3]
    assert str(july).startswith("2022-07")
    assert float(north.sel(time=july) - north.sel(time=january)) > 10
    assert float(south.sel(time=january) - south.sel(time=july)) > 3


def test_fields_continuous_across_the_dateline_and_poles(climate: xr.Dataset) -> None:
    t2m = climate.t2m.values
    step_inside = np.abs(np.diff(t2m, axis=2)).mean()
    step_dateline = np.abs(t2m[:, :, 0] - t2m[:, :, -1]).mean()
    assert step_dateline < 2 * step_inside
    # Around a pole all longitudes are close together: little spread in the top row.
    assert t2m[:, 0, :].std(axis=1).max() < 3.0


def test_precipitation_non_negative_with_dry_and_wet_days(climate: xr.Dataset) -> None:
    tp = climate.tp.values
    assert tp.min() >= 0
    dry = (tp == 0).mean()
    assert 0.3 < dry < 0.8
    assert 0.02 < tp.max() < 0.3  # heaviest daily totals: a few centimetres
    tropics = climate.tp.sel(lat=slice(15, -15)).mean()
    subtropics = climate.tp.sel(lat=slice(-20, -30)).mean()
    assert float(tropics) > 2 * float(subtropics)
