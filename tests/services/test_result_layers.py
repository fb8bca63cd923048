"""Result layers of finished jobs: signed XYZ/WMTS tiles and coverage downloads."""

from __future__ import annotations

import io

import numpy as np
import pytest
import rasterio
import requests
import xarray as xr
from PIL import Image

from tests.jobs.conftest import JobClient
from tests.openapi import validate_response
from tests.services.conftest import S2, S2_POINT, expected_ndvi_colours, ndvi_process
from xcube_openeo_tiles import WebMercatorQuad


@pytest.fixture(scope="module")
def finished_job(maps_server, maps_headers) -> tuple[JobClient, str, dict]:
    jobs = JobClient(maps_server.url, maps_headers)
    process = ndvi_process()
    process["process_graph"]["load"]["arguments"]["temporal_extent"] = ["2022-01-01", "2022-06-01"]
    job_id = jobs.create(process, title="NDVI job")
    assert jobs.request("POST", f"/jobs/{job_id}/results").status_code == 202
    job = jobs.wait(job_id)
    assert job["status"] == "finished", jobs.request("GET", f"/jobs/{job_id}/logs").text
    response = jobs.request("GET", f"/jobs/{job_id}/results")
    validate_response(jobs.base, response)
    links = {link["rel"]: link["href"] for link in response.json()["links"]}
    return jobs, job_id, links


def test_results_list_layer_links(finished_job):
    _, _, links = finished_job
    assert {"xyz", "wmts", "coverage"} <= set(links)
    assert links["xyz"].endswith("/xyz/{z}/{x}/{y}.png")


def test_xyz_tiles_of_the_result(finished_job, demo_dir):
    _, _, links = finished_job
    tile = WebMercatorQuad().tile(*S2_POINT, 15)
    url = links["xyz"].format(z=tile.z, x=tile.x, y=tile.y) + "?colormap=RdYlGn&range=-1,1"
    response = requests.get(url)  # no token: the URL is signed
    assert response.status_code == 200, response.text
    pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))
    opaque = pixels[..., 3] > 0
    assert opaque.mean() > 0.2
    # The latest time of the result (2022-05-21, the demo's third): its NDVI colours.
    expected = {tuple(c) for c in expected_ndvi_colours(demo_dir, 2)}
    assert {tuple(c) for c in pixels[opaque][:, :3]} <= expected
    assert requests.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    low = requests.get(links["xyz"].format(z=3, x=4, y=2))
    assert low.status_code == 200  # a low zoom reads a strided window
    far = WebMercatorQuad().tile(-100.0, 40.0, 12)
    empty = requests.get(links["xyz"].format(z=far.z, x=far.x, y=far.y))
    assert (np.asarray(Image.open(io.BytesIO(empty.content)).convert("RGBA"))[..., 3] == 0).all()


def test_tampered_or_unknown_signatures_are_refused(finished_job):
    _, job_id, links = finished_job
    tampered = links["xyz"].replace(f"/{job_id}/", f"/{job_id}/1").format(z=0, x=0, y=0)
    assert requests.get(tampered).status_code == 404
    parts = links["xyz"].split("/")
    signature_index = parts.index(job_id) + 2
    parts[signature_index] = "0" * len(parts[signature_index])
    assert requests.get("/".join(parts).format(z=0, x=0, y=0)).status_code == 404


def test_wmts_of_the_result(finished_job):
    from owslib.wmts import WebMapTileService

    _, _, links = finished_job
    wmts = WebMapTileService(links["wmts"])
    layer_id = next(iter(wmts.contents))
    layer = wmts.contents[layer_id]
    times = layer.dimensions["Time"]["values"]
    assert times == ["2022-01-01", "2022-03-12", "2022-05-21"]
    tile = WebMercatorQuad().tile(*S2_POINT, 15)
    response = wmts.gettile(
        layer=layer_id,
        tilematrixset="WebMercatorQuad",
        tilematrix=str(tile.z),
        row=tile.y,
        column=tile.x,
        format="image/png",
        Time=times[0],
    )
    pixels = np.asarray(Image.open(io.BytesIO(response.read())).convert("RGBA"))
    assert (pixels[..., 3] > 0).mean() > 0.2


@pytest.mark.parametrize("fmt", ["GTiff", "netCDF"])
def test_coverage_download(finished_job, demo_dir, fmt, tmp_path):
    _, _, links = finished_job
    lon, lat = S2_POINT
    bbox = f"{lon - 0.002},{lat - 0.002},{lon + 0.002},{lat + 0.002}"
    response = requests.get(
        links["coverage"], params={"bbox": bbox, "datetime": "2022-03-12", "f": fmt}
    )
    assert response.status_code == 200, response.text
    source = xr.open_zarr(demo_dir / f"{S2}.levels" / "0.zarr").sel(time="2022-03-12")
    if fmt == "GTiff":
        with rasterio.open(io.BytesIO(response.content)) as dataset:
            values = dataset.read(1)
            x0, y0 = dataset.xy(0, 0)
    else:
        (tmp_path / "coverage.nc").write_bytes(response.content)
        ds = xr.open_dataset(tmp_path / "coverage.nc").load()
        var = next(v for v in ds.data_vars if ds[v].ndim >= 2)
        array = ds[var].squeeze()
        values = array.values
        x0, y0 = float(array["x"][0]), float(array["y"][0])
    assert 0 < values.shape[0] < 100 and 0 < values.shape[1] < 100  # a subset
    red = float(source["B04"].sel(x=x0, y=y0, method="nearest"))
    nir = float(source["B08"].sel(x=x0, y=y0, method="nearest"))
    assert values[0, 0] == pytest.approx((nir - red) / (nir + red), abs=1e-4)


def test_coverage_bad_parameters(finished_job):
    _, _, links = finished_job
    assert requests.get(links["coverage"], params={"bbox": "1,2"}).status_code == 400
    assert (
        requests.get(links["coverage"], params={"f": "PNG"}).json()["code"] == "FormatUnsupported"
    )
