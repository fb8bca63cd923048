"""Real clients: OWSLib, GDAL's WMTS driver (through rasterio) and the openeo client."""

from __future__ import annotations

import io

import numpy as np
import pytest
import requests
from PIL import Image

from tests.services.conftest import S2_POINT, ServiceClient, ndvi_process
from xcube_openeo_tiles import WebMercatorQuad


@pytest.fixture(scope="module")
def ndvi_wmts(services: ServiceClient) -> dict:
    service_id = services.create(
        "WMTS",
        ndvi_process(),
        title="NDVI",
        configuration={"colormap": "RdYlGn", "value_range": [-1, 1]},
    )
    return services.get(service_id)


def test_owslib_reads_capabilities_and_fetches_a_tile_for_a_time(ndvi_wmts: dict):
    from owslib.wmts import WebMapTileService

    wmts = WebMapTileService(ndvi_wmts["url"])
    layer_id = ndvi_wmts["id"]
    assert list(wmts.contents) == [layer_id]
    layer = wmts.contents[layer_id]
    assert set(layer.tilematrixsetlinks) == {"WebMercatorQuad", "WorldCRS84Quad"}
    times = ndvi_wmts["attributes"]["times"]
    assert layer.dimensions["Time"]["values"] == times
    w, s, e, n = layer.boundingBoxWGS84
    assert w < S2_POINT[0] < e and s < S2_POINT[1] < n
    tile = WebMercatorQuad().tile(*S2_POINT, 15)
    images = {}
    for time in (times[0], times[-1]):
        response = wmts.gettile(
            layer=layer_id,
            tilematrixset="WebMercatorQuad",
            tilematrix=str(tile.z),
            row=tile.y,
            column=tile.x,
            format="image/png",
            Time=time,
        )
        images[time] = np.asarray(Image.open(io.BytesIO(response.read())).convert("RGBA"))
        assert (images[time][..., 3] > 0).mean() > 0.2
    # Winter and summer NDVI differ.
    assert not np.array_equal(images[times[0]], images[times[-1]])
    # The RESTful template of the capabilities gives the same tile.
    rest = requests.get(
        layer.resourceURLs[0]["template"]
        .replace("{Time}", times[0])
        .replace("{TileMatrixSet}", "WebMercatorQuad")
        .replace("{TileMatrix}", str(tile.z))
        .replace("{TileRow}", str(tile.y))
        .replace("{TileCol}", str(tile.x))
    )
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(rest.content)).convert("RGBA")), images[times[0]]
    )


def test_wmts_errors_are_ows_exception_reports(ndvi_wmts: dict):
    response = requests.get(
        ndvi_wmts["url"],
        params={
            "SERVICE": "WMTS",
            "REQUEST": "GetTile",
            "VERSION": "1.0.0",
            "LAYER": "nope",
            "STYLE": "default",
            "FORMAT": "image/png",
            "TILEMATRIXSET": "WebMercatorQuad",
            "TILEMATRIX": "0",
            "TILEROW": "0",
            "TILECOL": "0",
        },
    )
    assert response.status_code == 400
    assert b"ExceptionReport" in response.content and b'locator="Layer"' in response.content
    response = requests.get(ndvi_wmts["url"], params={"SERVICE": "WMTS", "REQUEST": "GetMap"})
    assert response.status_code == 501 or response.status_code == 400
    assert b"OperationNotSupported" in response.content


def test_gdal_reads_a_window_matching_the_rendering(ndvi_wmts: dict):
    import rasterio
    from rasterio.windows import Window

    capabilities = ndvi_wmts["attributes"]["capabilities"]
    path = f"WMTS:{capabilities},layer={ndvi_wmts['id']},tilematrixset=WebMercatorQuad"
    tms = WebMercatorQuad()
    z = 15
    tile = tms.tile(*S2_POINT, z)
    with rasterio.Env(GDAL_HTTP_UNSAFESSL="YES", GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"):
        with rasterio.open(path) as dataset:
            assert dataset.crs.to_epsg() == 3857
            level_res = tms.resolution(z)
            # Overview holding zoom z (GDAL: full resolution is the deepest level).
            factor = round(level_res / dataset.res[0])
            minx, _, _, maxy = tms.xy_bounds(tile)
            col = int(round((minx - dataset.bounds.left) / level_res))
            row = int(round((dataset.bounds.top - maxy) / level_res))
            data = dataset.read(
                window=Window(col * factor, row * factor, 256 * factor, 256 * factor),
                out_shape=(dataset.count, 256, 256),
            )
    latest = ndvi_wmts["attributes"]["times"][-1]
    rendered = requests.get(
        ndvi_wmts["attributes"]["capabilities"].replace(
            "/1.0.0/WMTSCapabilities.xml",
            f"/tile/{latest}/WebMercatorQuad/{z}/{tile.y}/{tile.x}.png",
        )
    ).content
    expected = np.asarray(Image.open(io.BytesIO(rendered)).convert("RGBA"))
    assert data.shape[0] == 4
    got = np.moveaxis(data, 0, -1)
    assert (expected[..., 3] > 0).mean() > 0.2
    np.testing.assert_array_equal(got, expected)


def test_openeo_client_manages_services(maps_server):
    import openeo

    from tests.conftest import TEST_PASSWORD, TEST_USER

    connection = openeo.connect(maps_server.url + "/openeo/1.2")
    connection.authenticate_basic(TEST_USER, TEST_PASSWORD)
    assert set(connection.list_service_types()) == {"XYZ", "WMTS"}
    cube = connection.load_collection("SENTINEL2_L2A_DEMO", bands=["B04", "B08"]).ndvi()
    service = cube.tiled_viewing_service(
        type="XYZ", title="NDVI tiles", configuration={"colormap": "RdYlGn", "value_range": [-1, 1]}
    )
    assert service.service_id in [s["id"] for s in connection.list_services()]
    description = service.describe_service()
    assert description["title"] == "NDVI tiles" and description["type"] == "XYZ"
    # The client's Service.update_service is not implemented: PATCH through the connection.
    connection.patch(
        f"/services/{service.service_id}", json={"title": "NDVI tiles 2"}, expected_status=204
    )
    assert service.describe_service()["title"] == "NDVI tiles 2"
    url = description["url"]
    tile = WebMercatorQuad().tile(*S2_POINT, 14)
    response = requests.get(url.format(z=tile.z, x=tile.x, y=tile.y))
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert any("created" in entry.message for entry in service.logs())
    service.delete_service()
    assert service.service_id not in [s["id"] for s in connection.list_services()]


@pytest.mark.parametrize(
    "name, value, locator",
    [
        ("FORMAT", "image/jpeg", "Format"),
        ("STYLE", "fancy", "Style"),
        ("TILEMATRIXSET", "UTM32", "TileMatrixSet"),
        ("TILEROW", "x", "TileRow"),
    ],
)
def test_wmts_kvp_parameters_are_checked(ndvi_wmts: dict, name, value, locator):
    params = {
        "SERVICE": "WMTS",
        "REQUEST": "GetTile",
        "VERSION": "1.0.0",
        "LAYER": ndvi_wmts["id"],
        "STYLE": "default",
        "FORMAT": "image/png",
        "TILEMATRIXSET": "WebMercatorQuad",
        "TILEMATRIX": "0",
        "TILEROW": "0",
        "TILECOL": "0",
        name: value,
    }
    response = requests.get(ndvi_wmts["url"], params=params)
    assert response.status_code == 400, response.text
    assert f'locator="{locator}"'.encode() in response.content


def test_wmts_of_a_graph_without_time(services: ServiceClient):
    from owslib.wmts import WebMapTileService

    process = ndvi_process()
    graph = process["process_graph"]
    del graph["ndvi"]["result"]
    graph["max"] = {
        "process_id": "reduce_dimension",
        "arguments": {
            "data": {"from_node": "ndvi"},
            "dimension": "t",
            "reducer": {
                "process_graph": {
                    "m": {
                        "process_id": "max",
                        "arguments": {"data": {"from_parameter": "data"}},
                        "result": True,
                    }
                }
            },
        },
        "result": True,
    }
    service_id = services.create(
        "WMTS",
        process,
        configuration={"value_range": [-1, 1], "tile_matrix_sets": ["WorldCRS84Quad"]},
    )
    doc = services.get(service_id)
    assert doc["attributes"]["times"] == []
    wmts = WebMapTileService(doc["url"])
    layer = wmts.contents[service_id]
    assert "Time" not in layer.dimensions and list(layer.tilematrixsetlinks) == ["WorldCRS84Quad"]
    template = layer.resourceURLs[0]["template"]
    assert "{Time}" not in template
    from xcube_openeo_tiles import WorldCRS84Quad

    tile = WorldCRS84Quad().tile(*S2_POINT, 14)
    response = requests.get(
        template.replace("{TileMatrixSet}", "WorldCRS84Quad")
        .replace("{TileMatrix}", "14")
        .replace("{TileRow}", str(tile.y))
        .replace("{TileCol}", str(tile.x))
    )
    assert response.status_code == 200
    pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))
    assert (pixels[..., 3] > 0).mean() > 0.2
    # Web Mercator is not offered by this service.
    mercator = (
        template.replace("{TileMatrixSet}", "WebMercatorQuad")
        .replace("{TileMatrix}", "0")
        .replace("{TileRow}", "0")
        .replace("{TileCol}", "0")
    )
    assert requests.get(mercator).status_code == 400
