"""Zarr: written stores are opened with xr.open_zarr and compared with the cube."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from xcube.core.gridmapping import GridMapping

from tests.formats.cubes import encoded_cube, raster_cube
from tests.formats.raster_contract import RasterWriterContract, ReadBack, read_cf
from xcube_openeo.formats import WrittenFile, load_formats
from xcube_openeo.formats.writing import encode_response

ZARR = load_formats().find_output("Zarr")


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_store_opens_with_open_zarr(tmp_path, zarr_format):
    cube = raster_cube(times=2, height=40, width=30, chunks=(1, 2, 16, 16))
    (file,) = ZARR.write(cube, {"zarr_format": zarr_format}, str(tmp_path), "out")
    assert file.name == "out.zarr" and file.is_directory and file.size > 0
    assert file.media_type == "application/vnd+zarr"
    ds = xr.open_zarr(tmp_path / "out.zarr")  # consolidated metadata by default
    assert set(ds.data_vars) == {"B04", "B08", "crs"}
    assert ds.B04.chunks == ((1, 1), (16, 16, 8), (16, 14))
    for i, band in enumerate(["B04", "B08"]):
        assert ds[band].attrs["grid_mapping"] == "crs"
        np.testing.assert_array_equal(ds[band].values, cube.data.values[:, i])
    np.testing.assert_array_equal(ds.t.values, cube.data.t.values)
    assert GridMapping.from_dataset(ds).crs.to_epsg() == 32632
    if zarr_format == 2:
        assert (tmp_path / "out.zarr" / ".zmetadata").exists()


def test_encoded_integers(tmp_path):
    cube = encoded_cube()
    ZARR.write(cube, {}, str(tmp_path), "out")
    ds = xr.open_zarr(tmp_path / "out.zarr")
    np.testing.assert_allclose(ds.B08.values, cube.masked_float().values[:, 1], atol=1e-7)
    raw = xr.open_zarr(tmp_path / "out.zarr", mask_and_scale=False)
    assert raw.B08.dtype == np.int16
    np.testing.assert_array_equal(raw.B08.values, cube.data.values[:, 1])


def test_numpy_backed_cube_and_remote_target():
    import fsspec

    cube = raster_cube(times=1)
    cube = cube.with_data(cube.data.compute())
    ZARR.write(cube, {}, "memory://zarr-test", "out")
    ds = xr.open_zarr("memory://zarr-test/out.zarr")
    np.testing.assert_array_equal(ds.B04.values, cube.data.values[:, 0])
    fsspec.filesystem("memory").rm("/zarr-test", recursive=True)


def test_synchronous_response_is_a_tar_of_the_store(tmp_path):
    cube = raster_cube(times=1)
    data, media_type, filename = encode_response(ZARR, cube, {})
    assert media_type == "application/x-tar" and filename == "result.tar"
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(tmp_path, filter="data")
    ds = xr.open_zarr(tmp_path / "result.zarr")
    np.testing.assert_array_equal(ds.B08.values, cube.data.values[:, 1])


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_store_opens_over_plain_http(tmp_path, zarr_format):
    """Consolidated metadata: clients need no directory listing, so a static file
    server (or signed URLs per file) is enough for xr.open_zarr."""
    import functools
    import http.server
    import threading

    cube = raster_cube(times=2)
    ZARR.write(cube, {"zarr_format": zarr_format}, str(tmp_path), "out")

    class NoListing(http.server.SimpleHTTPRequestHandler):
        def list_directory(self, path):
            self.send_error(403, "no listing")

        def log_message(self, *args):
            pass

    handler = functools.partial(NoListing, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{httpd.server_address[1]}/out.zarr"
            ds = xr.open_zarr(url)
            np.testing.assert_array_equal(ds.B08.values, cube.data.values[:, 1])
            assert GridMapping.from_dataset(ds).crs.to_epsg() == 32632
        finally:
            httpd.shutdown()


class TestZarrWriter(RasterWriterContract):
    format_name = "Zarr"

    def read(self, directory: Path, files: list[WrittenFile]) -> ReadBack:
        (file,) = files
        path = directory / file.name
        with xr.open_zarr(path, mask_and_scale=False) as raw, xr.open_zarr(path) as decoded:
            return read_cf(raw.load(), decoded.load())
