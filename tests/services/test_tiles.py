"""Tiles of services: rendering, HTTP caching, access, global data at the edges."""

from __future__ import annotations

import io

import mercantile
import numpy as np
import pytest
import requests
import xarray as xr
from PIL import Image

from tests.conftest import login
from tests.openapi import validate_error_document
from tests.services.conftest import (
    CLIMATE,
    S2_POINT,
    ServiceClient,
    climate_process,
    expected_ndvi_colours,
    ndvi_process,
)
from xcube_openeo_tiles import get_colormap


def rgba(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGBA"))


def tile_url(services: ServiceClient, service_id: str, z: int, x: int, y: int) -> str:
    url = services.get(service_id)["url"]
    return url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


@pytest.fixture(scope="module")
def ndvi_xyz(services: ServiceClient) -> str:
    return services.create(
        "XYZ", ndvi_process(), configuration={"colormap": "RdYlGn", "value_range": [-1, 1]}
    )


def test_xyz_tile_shows_the_ndvi(services: ServiceClient, ndvi_xyz: str, demo_dir):
    tile = mercantile.tile(*S2_POINT, 15)
    response = requests.get(tile_url(services, ndvi_xyz, tile.z, tile.x, tile.y))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.mode == "P"  # palette PNG for one band
    pixels = rgba(response.content)
    opaque = pixels[..., 3] > 0
    assert opaque.mean() > 0.2
    # Every opaque pixel has a colour the palette gives some NDVI value of the cube.
    expected = {tuple(c) for c in expected_ndvi_colours(demo_dir, -1)}
    colours = {tuple(c) for c in pixels[opaque][:, :3]}
    assert colours <= expected, len(colours - expected)
    assert len(colours) > 5  # not one flat colour


def test_tile_outside_the_data_is_empty(services: ServiceClient, ndvi_xyz: str):
    tile = mercantile.tile(-60.0, -30.0, 10)
    response = requests.get(tile_url(services, ndvi_xyz, tile.z, tile.x, tile.y))
    assert response.status_code == 200
    assert (rgba(response.content)[..., 3] == 0).all()


def test_tile_outside_the_grid(services: ServiceClient, ndvi_xyz: str):
    response = requests.get(tile_url(services, ndvi_xyz, 2, 7, 0))
    assert response.status_code == 400
    validate_error_document(response.json())


def test_etag_and_304(services: ServiceClient, ndvi_xyz: str):
    tile = mercantile.tile(*S2_POINT, 14)
    url = tile_url(services, ndvi_xyz, tile.z, tile.x, tile.y)
    first = requests.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = requests.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert requests.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_patch_invalidates_tiles(services: ServiceClient):
    service_id = services.create(
        "XYZ", ndvi_process(), configuration={"colormap": "RdYlGn", "value_range": [-1, 1]}
    )
    tile = mercantile.tile(*S2_POINT, 15)
    url = tile_url(services, service_id, tile.z, tile.x, tile.y)
    before = requests.get(url)
    response = services.request(
        "PATCH",
        f"/services/{service_id}",
        json={"configuration": {"colormap": "Greys", "value_range": [-1, 1]}},
    )
    assert response.status_code == 204
    after = requests.get(url)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert requests.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    grey = rgba(after.content)
    opaque = grey[..., 3] > 0
    assert opaque.any()
    assert (grey[opaque][:, 0] == grey[opaque][:, 1]).all()  # grey now
    assert not (rgba(before.content)[opaque][:, 0] == rgba(before.content)[opaque][:, 1]).all()


def test_disabled_service_answers_with_a_clear_error(services: ServiceClient):
    service_id = services.create("XYZ", ndvi_process(), enabled=False)
    response = requests.get(tile_url(services, service_id, 0, 0, 0))
    assert response.status_code == 403
    doc = response.json()
    validate_error_document(doc)
    assert doc["code"] == "ServiceDisabled" and "disabled" in doc["message"]
    services.request("PATCH", f"/services/{service_id}", json={"enabled": True})
    assert requests.get(tile_url(services, service_id, 0, 0, 0)).status_code == 200


def test_private_service_needs_the_owners_token(services: ServiceClient, maps_server):
    service_id = services.create("XYZ", ndvi_process(), configuration={"public": False})
    url = tile_url(services, service_id, 0, 0, 0)
    assert requests.get(url).status_code == 401
    owner = requests.get(url, headers=services.headers)
    assert owner.status_code == 200 and owner.headers["Cache-Control"].startswith("private")
    other = login(maps_server.url, "other", "other-secret-1")
    assert requests.get(url, headers=other).status_code == 404


def test_unknown_map_url(services: ServiceClient):
    response = requests.get(services.base + "/maps/not-a-key/xyz/0/0/0")
    assert response.status_code == 404
    assert response.json()["code"] == "ServiceNotFound"


def test_concurrent_requests_compute_a_tile_once(services: ServiceClient):
    from concurrent.futures import ThreadPoolExecutor

    service_id = services.create("XYZ", ndvi_process(), configuration={"value_range": [-1, 1]})
    tile = mercantile.tile(*S2_POINT, 16)
    url = tile_url(services, service_id, tile.z, tile.x, tile.y)
    from xcube_openeo.services.cache import _CACHES

    cache = next(iter(_CACHES.values()))
    misses = cache.misses
    with ThreadPoolExecutor(4) as pool:
        bodies = list(pool.map(lambda _: requests.get(url).content, range(4)))
    assert len(set(bodies)) == 1
    assert cache.misses == misses + 1


# --- global data: antimeridian and poles ------------------------------------------------


@pytest.fixture(scope="module")
def climate_wmts(services: ServiceClient) -> str:
    return services.create(
        "WMTS", climate_process(), configuration={"colormap": "viridis", "value_range": [200, 320]}
    )


def climate_values(demo_dir, time: str) -> xr.DataArray:
    return xr.open_zarr(demo_dir / f"{CLIMATE}.zarr")["t2m"].sel(time=time)


def palette_value(pixel: np.ndarray, low: float, high: float) -> float:
    colors = get_colormap("viridis").colors[:, :3].astype(int)
    index = int(np.argmin(np.abs(colors - pixel[:3].astype(int)).sum(axis=1)))
    return low + (index + 0.5) / 255 * (high - low)


@pytest.mark.parametrize(
    "tms, z, col, row, lon, lat",
    [
        # Both sides of the antimeridian, at the poles of CRS84 and at Web Mercator's edge.
        ("WorldCRS84Quad", 2, 0, 1, -179.9, 44.0),
        ("WorldCRS84Quad", 2, 7, 1, 179.9, 44.0),
        ("WorldCRS84Quad", 3, 0, 0, -179.6, 89.9),
        ("WorldCRS84Quad", 3, 15, 7, 179.6, -89.9),
        ("WebMercatorQuad", 3, 0, 0, -179.9, 84.7),
        ("WebMercatorQuad", 3, 7, 7, 179.9, -84.7),
    ],
)
def test_global_tiles_at_the_edges(
    services: ServiceClient, climate_wmts: str, demo_dir, tms, z, col, row, lon, lat
):
    from xcube_openeo_tiles import get_tile_matrix_set

    doc = services.get(climate_wmts)
    time = doc["attributes"]["times"][-1]
    base = doc["url"]
    response = requests.get(f"{base}/tile/{time}/{tms}/{z}/{row}/{col}.png")
    assert response.status_code == 200, response.text
    pixels = rgba(response.content)
    assert (pixels[..., 3] > 0).all()  # global data: no gap at the edges
    grid = get_tile_matrix_set(tms)
    assert grid.tile(lon, lat, z) == (col, row, z)
    minx, miny, maxx, maxy = grid.xy_bounds((col, row, z))
    px, py = grid.to_xy(lon, lat)
    i = min(int((maxy - py) / (maxy - miny) * 256), 255)
    j = min(int((px - minx) / (maxx - minx) * 256), 255)
    expected = float(climate_values(demo_dir, time).sel(lon=lon, lat=lat, method="nearest"))
    assert palette_value(pixels[i, j], 200, 320) == pytest.approx(
        expected, abs=120 / 255 * 1.5
    )  # one colour step


def test_three_bands_render_as_rgb(services: ServiceClient):
    process = ndvi_process()
    graph = process["process_graph"]
    graph["load"]["arguments"]["bands"] = ["B04", "B03", "B02"]
    del graph["ndvi"]
    graph["load"]["result"] = True
    service_id = services.create(
        "XYZ",
        process,
        configuration={"value_range": [[0, 0.3], [0, 0.3], [0, 0.3]], "format": "jpeg"},
    )
    tile = mercantile.tile(*S2_POINT, 14)
    response = requests.get(tile_url(services, service_id, tile.z, tile.x, tile.y))
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.mode == "RGB"
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    assert pixels.std(axis=0).min() > 1  # real colours, not a flat fill
    assert (np.abs(pixels[:, 0] - pixels[:, 1]) > 3).any()  # not grey: three bands


def test_legend(services: ServiceClient, ndvi_xyz: str):
    legend = requests.get(services.get(ndvi_xyz)["attributes"]["legend"])
    assert legend.status_code == 200 and legend.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(legend.content)).size[0] > 100


def test_tilejson(services: ServiceClient, ndvi_xyz: str):
    doc = services.get(ndvi_xyz)
    tilejson = requests.get(doc["attributes"]["tilejson"]).json()
    assert tilejson["tilejson"] == "3.0.0" and tilejson["tiles"] == [doc["url"]]
    west, south, east, north = tilejson["bounds"]
    assert west < S2_POINT[0] < east and south < S2_POINT[1] < north


def test_512_pixel_tiles(services: ServiceClient):
    service_id = services.create(
        "XYZ",
        ndvi_process(),
        configuration={"tile_size": 512, "value_range": [-1, 1], "format": "webp"},
    )
    tile = mercantile.tile(*S2_POINT, 14)
    response = requests.get(tile_url(services, service_id, tile.z, tile.x, tile.y))
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (512, 512)
    assert (np.asarray(image.convert("RGBA"))[..., 3] > 0).mean() > 0.2
