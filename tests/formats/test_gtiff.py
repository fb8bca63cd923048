"""GTiff: every written COG is read back with rasterio and compared with the cube."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio

from tests.formats.cubes import encoded_cube, period_cube, raster_cube
from tests.formats.raster_contract import RasterWriterContract, ReadBack
from xcube_openeo.engine.cube import DataCube, Dimension
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats import WrittenFile, load_formats

GTIFF = load_formats().find_output("GTiff")


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(), ds.profile, ds


def test_one_cog_per_time_step_matches_the_cube(tmp_path):
    cube = raster_cube(times=2, height=300, width=520, chunks=(1, 2, 64, 128))
    files = GTIFF.write(cube, {"blocksize": 128}, str(tmp_path), "out")
    assert [f.name for f in files] == ["out_2022-01-01.tif", "out_2022-01-06.tif"]
    expected = cube.data.values
    for i, file in enumerate(files):
        path = tmp_path / file.name
        assert file.size == path.stat().st_size
        assert file.datetime == ["2022-01-01T00:00:00Z", "2022-01-06T00:00:00Z"][i]
        assert file.title == file.datetime
        assert file.media_type.startswith("image/tiff; application=geotiff")
        with rasterio.open(path) as ds:
            assert ds.driver == "GTiff"
            assert ds.profile["tiled"] and ds.profile["blockxsize"] == 128
            assert ds.compression.name.lower() == "deflate"
            assert ds.overviews(1) == [2, 4, 8]  # until the image fits one 128 px tile
            assert ds.descriptions == ("B04", "B08")
            assert np.isnan(ds.nodata)
            assert ds.crs.to_epsg() == 32632
            assert tuple(ds.transform)[:6] == (10.0, 0.0, 500000.0, 0.0, -10.0, 5600000.0)
            assert ds.tags()["datetime"] == file.datetime
            np.testing.assert_array_equal(ds.read(), expected[i])
            # GDAL's own COG layout check: the IFDs and tiles are ordered for streaming.
            assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        band = file.raster_bands[0]
        valid = expected[i, 0][np.isfinite(expected[i, 0])]
        assert band["data_type"] == "float32" and band["nodata"] == "nan"
        assert band["statistics"]["minimum"] == pytest.approx(valid.min())
        assert band["statistics"]["maximum"] == pytest.approx(valid.max())
        assert band["statistics"]["mean"] == pytest.approx(valid.mean(), rel=1e-6)
        assert file.projection["proj:epsg"] == 32632
        assert file.projection["proj:shape"] == [300, 520]


def test_y_ascending_is_written_north_up(tmp_path):
    cube = raster_cube(times=None, y_ascending=True)
    (file,) = GTIFF.write(cube, {}, str(tmp_path), "out")
    assert file.name == "out.tif" and file.datetime is None
    data, profile, _ = read(tmp_path / file.name)
    assert profile["transform"].e < 0
    np.testing.assert_array_equal(data, cube.data.values[:, ::-1, :])
    assert profile["transform"].f == pytest.approx(float(cube.data.y.max()) + 5)


def test_encoded_integers_keep_nodata_scale_and_offset(tmp_path):
    cube = encoded_cube(times=1)
    (file,) = GTIFF.write(cube, {"compression": "zstd"}, str(tmp_path), "out")
    with rasterio.open(tmp_path / file.name) as ds:
        assert ds.dtypes == ("int16", "int16")
        assert ds.nodata == 0
        assert ds.scales == (0.0001, 0.0001) and ds.offsets == (-0.1, -0.1)
        assert ds.compression.name.lower() == "zstd"
        np.testing.assert_array_equal(ds.read(), cube.data.values[0])
        physical = ds.read(1, masked=True) * ds.scales[0] + ds.offsets[0]
    expected = cube.masked_float().values[0, 0]
    np.testing.assert_allclose(physical.filled(np.nan), expected, rtol=1e-6)
    assert file.raster_bands[0] | {"statistics": None} == {
        "data_type": "int16",
        "nodata": 0,
        "scale": 0.0001,
        "offset": -0.1,
        "statistics": None,
    }


def test_cube_without_bands_and_booleans(tmp_path):
    cube = raster_cube(times=None, bands=None)
    boolean = cube.with_data(cube.data > 100, encoded=False)
    (file,) = GTIFF.write(boolean, {}, str(tmp_path), "mask")
    data, profile, _ = read(tmp_path / file.name)
    assert profile["dtype"] == "uint8" and profile["count"] == 1
    np.testing.assert_array_equal(data[0], (cube.data > 100).values.astype("uint8"))


def test_other_dimensions_are_refused(tmp_path):
    cube = raster_cube(times=None)
    data = cube.data.expand_dims(level=[1, 2])
    other = DataCube(data, [Dimension("level", "other"), *cube.dimensions])
    with pytest.raises(OpenEOError) as e:
        GTIFF.write(other, {}, str(tmp_path), "out")
    assert e.value.code == "FormatUnsuitable" and "level" in e.value.message


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (42, "FormatUnsuitable"),
        (
            raster_cube(times=None).with_data(raster_cube(times=None).data.isel(x=slice(0, 0))),
            "DataCubeEmpty",
        ),
    ],
)
def test_unsuitable_values_are_refused(tmp_path, value, code):
    with pytest.raises(OpenEOError) as e:
        GTIFF.write(value, {}, str(tmp_path), "out")
    assert e.value.code == code


def test_irregular_grid_is_refused(tmp_path):
    cube = raster_cube(times=None)
    x = cube.data.x.values.copy()
    x[-1] += 3
    irregular = cube.with_data(cube.data.assign_coords(x=x))
    with pytest.raises(OpenEOError, match="not regular"):
        GTIFF.write(irregular, {}, str(tmp_path), "out")


def test_remote_target_through_fsspec():
    import fsspec

    cube = raster_cube(times=1)
    files = GTIFF.write(cube, {}, "memory://jobs/j1", "out")
    fs = fsspec.filesystem("memory")
    raw = fs.cat_file("/jobs/j1/" + files[0].name)
    assert len(raw) == files[0].size
    with rasterio.MemoryFile(raw) as mem, mem.open() as ds:
        np.testing.assert_array_equal(ds.read(), cube.data.values[0])
    fs.rm("/jobs/j1", recursive=True)


def test_file_names_keep_the_time_of_day_when_there_is_one(tmp_path):
    cube = raster_cube(times=2, height=8, width=8)
    times = cube.data.t.values + np.timedelta64(10 * 3600 + 30 * 60, "s")
    timed = cube.with_data(cube.data.assign_coords(t=times))
    files = GTIFF.write(timed, {}, str(tmp_path), "out")
    assert [f.name for f in files] == ["out_2022-01-01T103000Z.tif", "out_2022-01-06T103000Z.tif"]
    assert files[1].datetime == "2022-01-06T10:30:00Z"


def test_period_labels_name_the_files(tmp_path):
    tifs = GTIFF.write(period_cube(), {}, str(tmp_path), "p")
    assert [f.name for f in tifs] == ["p_2022-001.tif", "p_2022-002.tif"]
    assert [f.datetime for f in tifs] == [None, None]  # not RFC 3339 date-times
    assert [f.title for f in tifs] == ["2022-001", "2022-002"]


class TestGTiffWriter(RasterWriterContract):
    format_name = "GTiff"

    def read(self, directory: Path, files: list[WrittenFile]) -> ReadBack:
        stored: dict[str, list] = {}
        physical: dict[str, list] = {}
        times = []
        for file in files:  # one file per time step
            with rasterio.open(directory / file.name) as ds:
                times.append(ds.tags().get("datetime"))
                nodata = ds.nodata
                crs = pyproj.CRS.from_wkt(ds.crs.to_wkt()) if ds.crs else None
                for i, name in enumerate(ds.descriptions):
                    stored.setdefault(name, []).append(ds.read(i + 1))
                    masked = ds.read(i + 1, masked=True).astype("float64")
                    decoded = masked * ds.scales[i] + ds.offsets[i]
                    physical.setdefault(name, []).append(decoded.filled(np.nan))
        timed = times[0] is not None

        def stack(arrays: list) -> np.ndarray:
            return np.stack(arrays) if timed else arrays[0]

        return ReadBack(
            stored={name: stack(arrays) for name, arrays in stored.items()},
            physical={name: stack(arrays) for name, arrays in physical.items()},
            nodata=nodata,
            crs=crs,
            times=times if timed else None,
        )
