"""The writer interface: registry, options, responses, strips, remote targets."""

from __future__ import annotations

import io
import tarfile

import dask
import numpy as np
import pytest
import rasterio

from tests.formats.cubes import raster_cube
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats import load_formats
from xcube_openeo.formats.raster import iter_strips
from xcube_openeo.formats.writing import encode_response

FORMATS = load_formats()


def test_registry_lists_exactly_the_implemented_formats():
    doc = FORMATS.to_json()
    assert set(doc["output"]) == {"GTiff", "netCDF", "Zarr", "JSON", "PNG", "CSV", "GeoJSON"}
    assert doc["input"] == {}
    for name, fmt in doc["output"].items():
        assert fmt["title"] and fmt["gis_data_types"]
        for param in fmt["parameters"].values():
            assert param["description"]
        assert FORMATS.find_output(name.lower()) is FORMATS.output[name]
    assert doc["output"]["GTiff"]["parameters"]["compression"]["default"] == "deflate"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"no_such_option": 1}, "FormatArgumentUnsupported"),
        ({"compression": "jpeg2000"}, "FormatArgumentInvalid"),
        ({"blocksize": "big"}, "FormatArgumentInvalid"),
        ({"filename_prefix": "../escape"}, "FormatArgumentInvalid"),
        ("not an object", "FormatArgumentInvalid"),
    ],
)
def test_bad_options_are_refused_before_computing(options, code, tmp_path):
    with pytest.raises(OpenEOError) as e:
        FORMATS.find_output("GTiff").write(raster_cube(), options, str(tmp_path), "out")
    assert e.value.code == code and e.value.status == 400
    assert not list(tmp_path.iterdir())


def test_defaults_are_filled_in():
    checked = FORMATS.find_output("GTiff").validate_options({"blocksize": 256})
    assert checked == {
        "blocksize": 256,
        "compression": "deflate",
        "overview_resampling": "nearest",
        "filename_prefix": None,
    }


def test_several_time_steps_come_as_a_tar(tmp_path):
    cube = raster_cube(times=3)
    data, media_type, filename = encode_response(FORMATS.find_output("GTiff"), cube, {})
    assert media_type == "application/x-tar" and filename == "result.tar"
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        assert names == [f"result_2022-01-{d}.tif" for d in ("01", "06", "11")]
        raw = tar.extractfile(names[2]).read()
    with rasterio.MemoryFile(raw) as mem, mem.open() as ds:
        np.testing.assert_array_equal(ds.read(), cube.data.values[2])


def test_strips_follow_the_chunks_and_stay_small():
    cube = raster_cube(times=2, height=100, width=10, chunks=(2, 2, 10, 10))
    data = cube.data
    row_bytes = data.nbytes // 100
    strips = list(iter_strips(data, "y", max_bytes=row_bytes * 25))
    assert [(s.start, s.stop) for s, _ in strips] == [
        (0, 20),
        (20, 40),
        (40, 60),
        (60, 80),
        (80, 100),
    ]
    np.testing.assert_array_equal(np.concatenate([v for _, v in strips], axis=2), data.values)


def test_writing_computes_strip_by_strip(tmp_path, monkeypatch):
    """No computation covers the whole cube: each covers a strip of chunks, once."""
    from dask.callbacks import Callback

    import xcube_openeo.formats.raster as raster

    cube = raster_cube(times=1, height=64, width=8, chunks=(1, 2, 8, 8))
    rows: list[int] = []

    def record(block):
        rows.append(block.shape[-2])
        return block

    blocks = cube.data.data.map_blocks(record, meta=np.array((), dtype=cube.data.dtype))
    traced = cube.with_data(cube.data.copy(data=blocks))
    monkeypatch.setattr(raster, "STRIP_BYTES", traced.data.nbytes // 4)
    computes: list[int] = []
    with (
        Callback(start=lambda dsk: computes.append(len(dsk))),
        dask.config.set(scheduler="synchronous"),
    ):
        FORMATS.find_output("netCDF").write(traced, {}, str(tmp_path), "out")
        FORMATS.find_output("GTiff").write(traced, {}, str(tmp_path), "out")
    assert len(computes) == 8  # four strips per file
    assert sorted(rows) == [8] * 16  # each of the 8 chunks computed once per file


def test_writers_on_a_dask_worker_compute_on_its_threads(tmp_path):
    """A writing task computes its strips on its worker, not by submitting them to the
    cluster (which is the default scheduler inside a task of an in-process cluster)."""
    from distributed import Client, LocalCluster

    cube = raster_cube(times=1, height=32, width=8, chunks=(1, 2, 8, 8))
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):

        def write() -> tuple[str, list]:
            import dask.base

            from xcube_openeo.formats.registry import writer_scheduler

            with writer_scheduler():
                scheduler = str(dask.base.get_scheduler())
            return scheduler, FORMATS.find_output("netCDF").write(cube, {}, str(tmp_path), "out")

        scheduler, files = client.submit(write, pure=False).result(timeout=60)
    assert "Client" not in scheduler
    import xarray as xr

    with xr.open_dataset(tmp_path / files[0].name) as ds:
        np.testing.assert_array_equal(ds.B04.values, cube.data.values[:, 0])


def test_computed_cubes_get_file_chunks(tmp_path):
    import xarray as xr

    cube = raster_cube(times=3, height=300, width=20)
    computed = cube.with_data(cube.data.compute())
    FORMATS.find_output("Zarr").write(computed, {}, str(tmp_path), "c")
    FORMATS.find_output("netCDF").write(computed, {}, str(tmp_path), "c")
    assert xr.open_zarr(tmp_path / "c.zarr").B04.encoding["chunks"] == (3, 256, 20)
    with xr.open_dataset(tmp_path / "c.nc") as ds:
        assert ds.B04.encoding["chunksizes"] == (3, 256, 20)
        np.testing.assert_array_equal(ds.B08.values, cube.data.values[:, 1])


def _exploding(cube):
    """The cube with data that fails when computed."""

    def explode(block):
        raise AssertionError("computed")

    blocks = cube.data.data.map_blocks(explode, meta=np.array((), dtype=cube.data.dtype))
    return cube.with_data(cube.data.copy(data=blocks))


def test_check_finds_unsuitable_values_without_computing():
    from tests.formats.cubes import vector_cube
    from xcube_openeo.engine.cube import DataCube, Dimension

    raster = _exploding(raster_cube(times=2))
    for name in ("GTiff", "netCDF", "Zarr", "JSON"):
        assert FORMATS.find_output(name).check(raster, {}) is not None
    with pytest.raises(OpenEOError) as e:
        FORMATS.find_output("PNG").check(raster, {})  # two bands, two dates
    assert e.value.code == "FormatUnsuitable"
    for name in ("GeoJSON", "CSV"):
        with pytest.raises(OpenEOError) as e:
            FORMATS.find_output(name).check(raster, {})
        assert e.value.code == "FormatUnsuitable" and name in e.value.message
    with pytest.raises(OpenEOError) as e:
        FORMATS.find_output("GeoJSON").check(vector_cube(), {"bogus": 1})
    assert e.value.code == "FormatArgumentUnsupported"
    extra = DataCube(
        raster.data.expand_dims(z=[1, 2]), [Dimension("z", "other"), *raster.dimensions]
    )
    with pytest.raises(OpenEOError, match="dimension"):
        FORMATS.find_output("GTiff").check(extra, {})
    FORMATS.find_output("netCDF").check(extra, {})  # netCDF holds any dimension


def test_object_values_with_nodata_become_float(tmp_path):
    import xarray as xr

    cube = raster_cube(times=None, bands=("mask",), height=4, width=5)
    values = np.empty((1, 4, 5), dtype=object)
    values[:] = True
    values[0, 1, 2] = None
    values[0, 3, 4] = False
    objects = cube.with_data(xr.DataArray(values, dims=cube.data.dims, coords=cube.data.coords))
    (file,) = FORMATS.find_output("GTiff").write(objects, {}, str(tmp_path), "o")
    with rasterio.open(tmp_path / file.name) as ds:
        data = ds.read(1)
    assert data.dtype == np.float64 and np.isnan(data[1, 2]) and data[3, 4] == 0
    assert np.nansum(data) == 18
    strings = objects.with_data(objects.data.where(objects.data.isnull(), "x"))
    with pytest.raises(OpenEOError) as e:
        FORMATS.find_output("netCDF").check(strings, {})
    assert e.value.code == "FormatUnsuitable"


def test_projection_fields_for_stac(tmp_path):
    from tests.formats.cubes import vector_cube

    cube = raster_cube(times=1, height=30, width=20)
    expected_bbox = [500000.0, 5599700.0, 500200.0, 5600000.0]
    for name in ("netCDF", "Zarr", "GTiff"):
        (file,) = FORMATS.find_output(name).write(cube, {}, str(tmp_path), name)
        assert file.projection["proj:epsg"] == 32632
        assert file.projection["proj:bbox"] == expected_bbox
        assert file.projection["proj:shape"] == [30, 20]
        assert file.projection["proj:transform"] == [10, 0, 500000, 0, -10, 5600000]
        asset = file.to_stac_asset("https://example.org/" + file.name)
        assert asset["proj:epsg"] == 32632 and asset["file:size"] == file.size
        assert [b["name"] for b in asset["eo:bands"]] == ["B04", "B08"]
    ascending = raster_cube(times=1, height=30, width=20, y_ascending=True)
    (file,) = FORMATS.find_output("netCDF").write(ascending, {}, str(tmp_path), "asc")
    assert file.projection["proj:bbox"] == expected_bbox
    assert "proj:transform" not in file.projection  # rows run south to north
    (file,) = FORMATS.find_output("GeoJSON").write(vector_cube(), {}, str(tmp_path), "v")
    west, south, east, north = file.projection["proj:bbox"]
    assert file.projection["proj:epsg"] == 4326
    # The boxes span x 500000..500250, y 5600000..5600050 in UTM 32N (9 deg E central).
    assert west == pytest.approx(9.0) and 9.003 < east < 9.004
    assert 50.55 < south < north < 50.56


def test_nodata_outside_the_data_type_is_dropped(tmp_path):
    from xcube_openeo.engine.cube import DataCube

    base = raster_cube(times=None, bands=("a",), height=8, width=8)
    values = np.arange(64, dtype=np.uint8).reshape(1, 8, 8)
    cube = DataCube(base.data.copy(data=values), base.dimensions, nodata=-1)
    (file,) = FORMATS.find_output("GTiff").write(cube, {}, str(tmp_path), "u")
    with rasterio.open(tmp_path / file.name) as ds:
        assert ds.nodata is None
        np.testing.assert_array_equal(ds.read(1), values[0])
    assert "nodata" not in file.raster_bands[0]
    assert file.raster_bands[0]["statistics"]["valid_percent"] == 100.0


@pytest.mark.parametrize("name", ["GTiff", "netCDF", "Zarr", "PNG"])
def test_a_cube_without_dimensions_is_empty(tmp_path, name):
    from xcube_openeo.processes.cubes.io import create_data_cube

    with pytest.raises(OpenEOError) as e:
        FORMATS.find_output(name).write(create_data_cube(), {}, str(tmp_path), "e")
    assert e.value.code == "DataCubeEmpty"
