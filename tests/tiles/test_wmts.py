"""WMTS capabilities: structure, OWSLib and GDAL read them."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import mercantile
import pytest
import rasterio
from owslib.wmts import WebMapTileService
from rasterio.warp import transform_bounds

from xcube_openeo_tiles import (
    TilesError,
    WebMercatorQuad,
    WmtsLayer,
    WmtsService,
    WmtsStyle,
    WorldCRS84Quad,
    capabilities_xml,
)
from xcube_openeo_tiles.wmts import OWS_NS, WMTS_NS

BASE = "https://example.org/openeo/services/abc123/wmts"
TEMPLATE = BASE + "/tile/{layer}/{Style}/{Time}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}"
TIMES = ("2024-01-01T00:00:00Z", "2024-01-11T00:00:00Z", "2024-01-21T00:00:00Z")
NS = {"wmts": WMTS_NS, "ows": OWS_NS}


def make_service(**kwargs) -> WmtsService:
    return WmtsService(
        title="NDVI service",
        kvp_url=BASE + "/kvp",
        capabilities_url=BASE + "/1.0.0/WMTSCapabilities.xml",
        tile_matrix_sets=(WebMercatorQuad(max_zoom=14), WorldCRS84Quad(max_zoom=13)),
        **kwargs,
    )


def make_layer(identifier: str = "ndvi", **kwargs) -> WmtsLayer:
    template = TEMPLATE.replace("{layer}", identifier)
    options = dict(
        title="NDVI",
        bbox_wgs84=(5.0, 50.0, 15.0, 55.0),
        tile_urls={"png": template + ".png", "image/webp": template + ".webp"},
        styles=(
            WmtsStyle(legend_url=BASE + "/legend/ndvi.png"),
            WmtsStyle("greys", "Greys", legend_url=BASE + "/legend/greys.png"),
        ),
        times=TIMES,
    )
    options.update(kwargs)
    return WmtsLayer(identifier, **options)


@pytest.fixture(scope="module")
def xml_bytes() -> bytes:
    return capabilities_xml(
        make_service(provider_name="xcube-openeo"),
        [
            make_layer(),
            make_layer(
                "ndvi_static",
                times=(),
                tile_urls={
                    "jpeg": TEMPLATE.replace("/{Time}", "").replace("{layer}", "ndvi_static")
                    + ".jpg"
                },
            ),
        ],
    )


@pytest.fixture(scope="module")
def wmts(xml_bytes: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # OWSLib's own element truth tests
        return WebMapTileService(url=None, xml=xml_bytes)


# -- structure ------------------------------------------------------------------------


def test_document_is_wmts_1_0_0(xml_bytes):
    assert xml_bytes.startswith(b"<?xml")
    root = ET.fromstring(xml_bytes)
    assert root.tag == f"{{{WMTS_NS}}}Capabilities" and root.get("version") == "1.0.0"
    assert root.find("ows:ServiceIdentification/ows:ServiceType", NS).text == "OGC WMTS"
    children = [child.tag.split("}")[1] for child in root]
    assert children == [
        "ServiceIdentification",
        "ServiceProvider",
        "OperationsMetadata",
        "Contents",
        "ServiceMetadataURL",
    ]


def test_layer_children_follow_the_schema_order(xml_bytes):
    layer = ET.fromstring(xml_bytes).find("wmts:Contents/wmts:Layer", NS)
    order = [
        "Title",
        "WGS84BoundingBox",
        "Identifier",
        "Style",
        "Format",
        "Dimension",
        "TileMatrixSetLink",
        "ResourceURL",
    ]
    tags = [child.tag.split("}")[1] for child in layer]
    assert [order.index(tag) for tag in tags] == sorted(order.index(tag) for tag in tags)


def test_tile_matrix_sets_are_defined_with_ogc_scales(xml_bytes):
    root = ET.fromstring(xml_bytes)
    sets = {
        s.find("ows:Identifier", NS).text: s
        for s in root.findall("wmts:Contents/wmts:TileMatrixSet", NS)
    }
    assert set(sets) == {"WebMercatorQuad", "WorldCRS84Quad"}
    merc, crs84 = sets["WebMercatorQuad"], sets["WorldCRS84Quad"]
    assert merc.find("ows:SupportedCRS", NS).text == "urn:ogc:def:crs:EPSG::3857"
    assert crs84.find("ows:SupportedCRS", NS).text == "urn:ogc:def:crs:OGC:1.3:CRS84"
    merc0 = merc.find("wmts:TileMatrix", NS)
    assert float(merc0.find("wmts:ScaleDenominator", NS).text) == pytest.approx(559082264.0287178)
    assert merc0.find("wmts:TopLeftCorner", NS).text == "-20037508.342789244 20037508.342789244"
    crs0 = crs84.find("wmts:TileMatrix", NS)
    assert float(crs0.find("wmts:ScaleDenominator", NS).text) == pytest.approx(279541132.0143589)
    assert crs0.find("wmts:TopLeftCorner", NS).text == "-180 90"
    assert (crs0.find("wmts:MatrixWidth", NS).text, crs0.find("wmts:MatrixHeight", NS).text) == (
        "2",
        "1",
    )
    assert len(merc.findall("wmts:TileMatrix", NS)) == 15
    assert len(crs84.findall("wmts:TileMatrix", NS)) == 14


# -- OWSLib --------------------------------------------------------------------------


def test_owslib_reads_layers_formats_and_styles(wmts):
    assert set(wmts.contents) == {"ndvi", "ndvi_static"}
    layer = wmts["ndvi"]
    assert layer.title == "NDVI"
    assert layer.boundingBoxWGS84 == (5.0, 50.0, 15.0, 55.0)
    assert layer.formats == ["image/png", "image/webp"]
    assert layer.styles["default"]["isDefault"] is True
    assert layer.styles["default"]["legend"] == BASE + "/legend/ndvi.png"
    assert layer.styles["greys"]["isDefault"] is False
    assert wmts.identification.title == "NDVI service"


def test_owslib_reads_the_time_dimension(wmts):
    time = wmts["ndvi"].dimensions["Time"]
    assert time["values"] == list(TIMES)
    assert time["default"] == TIMES[-1]
    assert time["UOM"] == "ISO8601"
    assert "Time" not in wmts["ndvi_static"].dimensions


def test_owslib_reads_tile_matrix_sets_and_limits(wmts):
    assert set(wmts.tilematrixsets) == {"WebMercatorQuad", "WorldCRS84Quad"}
    merc = wmts.tilematrixsets["WebMercatorQuad"]
    assert merc.crs == "urn:ogc:def:crs:EPSG::3857"
    assert merc.tilematrix["0"].scaledenominator == pytest.approx(559082264.0287178)
    assert (merc.tilematrix["3"].matrixwidth, merc.tilematrix["3"].matrixheight) == (8, 8)
    crs84 = wmts.tilematrixsets["WorldCRS84Quad"]
    assert (crs84.tilematrix["0"].matrixwidth, crs84.tilematrix["0"].matrixheight) == (2, 1)
    assert crs84.tilematrix["0"].topleftcorner == (-180.0, 90.0)
    links = wmts["ndvi"].tilematrixsetlinks
    assert set(links) == {"WebMercatorQuad", "WorldCRS84Quad"}
    limits = links["WebMercatorQuad"].tilematrixlimits["6"]
    expected = list(mercantile.tiles(5.0, 50.0, 15.0, 55.0, 6))
    assert (limits.mintilecol, limits.maxtilecol, limits.mintilerow, limits.maxtilerow) == (
        min(t.x for t in expected),
        max(t.x for t in expected),
        min(t.y for t in expected),
        max(t.y for t in expected),
    )
    assert (limits.mintilecol, limits.maxtilerow) == (32, 21)


def test_owslib_builds_rest_and_kvp_tile_requests(wmts):
    url = wmts.buildTileResource(
        "ndvi", tilematrixset="WorldCRS84Quad", tilematrix="5", row=7, column=35, Time=TIMES[0]
    )
    assert url.startswith(BASE + "/tile/ndvi/default/2024-01-01T00:00:00Z/WorldCRS84Quad/5/7/35.")
    assert not wmts.restonly  # KVP GetTile is offered as well
    get_tile = wmts.getOperationByName("GetTile")
    assert get_tile.methods[0]["url"] == BASE + "/kvp"
    query = wmts.buildTileRequest(
        "ndvi", tilematrixset="WebMercatorQuad", tilematrix="6", row=21, column=33, Time=TIMES[1]
    )
    assert "REQUEST=GetTile" in query and "TILEMATRIXSET=WebMercatorQuad" in query
    capabilities = wmts.getOperationByName("GetCapabilities")
    assert {m["url"] for m in capabilities.methods} == {
        BASE + "/kvp",
        BASE + "/1.0.0/WMTSCapabilities.xml",
    }


# -- GDAL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tms_id, crs, resolution",
    [
        ("WebMercatorQuad", "EPSG:3857", WebMercatorQuad().resolution(14)),
        ("WorldCRS84Quad", "OGC:CRS84", WorldCRS84Quad().resolution(13)),
    ],
)
def test_gdal_opens_the_capabilities(xml_bytes, tmp_path: Path, tms_id, crs, resolution):
    path = tmp_path / "capabilities.xml"
    path.write_bytes(xml_bytes)
    with rasterio.open(f"WMTS:{path},layer=ndvi,tilematrixset={tms_id}") as dataset:
        assert dataset.crs.to_string() == crs
        assert dataset.res[0] == pytest.approx(resolution)
        west, south, east, north = dataset.bounds
        to_crs84 = transform_bounds(dataset.crs, "OGC:CRS84", west, south, east, north)
        assert to_crs84 == pytest.approx((5.0, 50.0, 15.0, 55.0), abs=0.01)
        assert dataset.count == 4  # RGBA


# -- errors ---------------------------------------------------------------------------


def test_template_without_time_is_rejected_for_a_layer_with_times():
    layer = make_layer(
        tile_urls={"png": BASE + "/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}"}
    )
    with pytest.raises(TilesError, match="Time"):
        capabilities_xml(make_service(), [layer])


def test_template_without_tile_placeholders_is_rejected():
    layer = make_layer(times=(), tile_urls={"png": BASE + "/{TileMatrix}/{TileRow}.png"})
    with pytest.raises(TilesError, match="TileCol"):
        capabilities_xml(make_service(), [layer])


def test_other_layer_errors():
    with pytest.raises(TilesError, match="default time"):
        capabilities_xml(make_service(), [make_layer(default_time="1999-01-01")])
    with pytest.raises(TilesError, match="unknown tile matrix set"):
        capabilities_xml(make_service(), [make_layer(tile_matrix_sets=("GoogleCRS84Quad",))])
    with pytest.raises(TilesError):
        capabilities_xml(make_service(), [make_layer(tile_urls={"gif": TEMPLATE})])
    with pytest.raises(TilesError, match="style"):
        capabilities_xml(make_service(), [make_layer(styles=())])


def test_antimeridian_layer_limits_span_the_whole_row(wmts):
    layer = make_layer(
        "pacific",
        bbox_wgs84=(170.0, -20.0, -170.0, 0.0),
        times=(),
        tile_urls={"png": TEMPLATE.replace("/{Time}", "") + ".png"},
    )
    root = ET.fromstring(capabilities_xml(make_service(), [layer]))
    for limits in root.iter(f"{{{WMTS_NS}}}TileMatrixLimits"):
        if limits.find("wmts:TileMatrix", NS).text == "3":
            columns = (
                limits.find("wmts:MinTileCol", NS).text,
                limits.find("wmts:MaxTileCol", NS).text,
            )
            assert columns in {("0", "7"), ("0", "15")}  # Mercator 8, CRS84 16 columns


def test_gdal_opens_a_global_layer_with_512_pixel_tiles(tmp_path: Path):
    service = WmtsService(
        title="World",
        kvp_url=BASE + "/kvp",
        capabilities_url=BASE + "/caps.xml",
        tile_matrix_sets=(
            WebMercatorQuad(tile_size=512, max_zoom=10),
            WorldCRS84Quad(tile_size=512, max_zoom=9),
        ),
    )
    template = BASE + "/world/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png"
    layer = WmtsLayer("world", "World", (-180.0, -90.0, 180.0, 90.0), {"png": template})
    path = tmp_path / "capabilities.xml"
    path.write_bytes(capabilities_xml(service, [layer]))
    with rasterio.open(f"WMTS:{path},layer=world,tilematrixset=WebMercatorQuad") as dataset:
        assert dataset.res[0] == pytest.approx(WebMercatorQuad(tile_size=512).resolution(10))
        assert dataset.bounds == pytest.approx(WebMercatorQuad.extent)
    with rasterio.open(f"WMTS:{path},layer=world,tilematrixset=WorldCRS84Quad") as dataset:
        assert dataset.res[0] == pytest.approx(180 / 512 / 2**9)
        assert (dataset.width, dataset.height) == (2 * 512 * 2**9, 512 * 2**9)
        assert tuple(dataset.bounds) == (-180.0, -90.0, 180.0, 90.0)
