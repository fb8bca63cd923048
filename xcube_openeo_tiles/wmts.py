"""WMTS 1.0.0 capabilities documents, from plain data classes to XML bytes.

A layer offers its tiles both RESTfully (``ResourceURL`` templates) and through KVP
``GetTile`` requests; the tile matrix sets are defined once per document, with OGC
scale denominators (0.28 mm pixels). Times become a ``Time`` dimension, so RESTful
templates of layers with times must contain ``{Time}``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np

from xcube_openeo_tiles.encoders import media_type
from xcube_openeo_tiles.errors import TilesError
from xcube_openeo_tiles.tms import BBox, TileMatrixSet, WebMercatorQuad, WorldCRS84Quad

WMTS_NS = "http://www.opengis.net/wmts/1.0"
OWS_NS = "http://www.opengis.net/ows/1.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{WMTS_NS} http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd"
TIME_DIMENSION = "Time"
TimeValue = str | date | datetime | np.datetime64
TILE_PLACEHOLDERS = ("{TileMatrixSet}", "{TileMatrix}", "{TileRow}", "{TileCol}")

# ElementTree cannot combine a default namespace with unqualified attributes
# (``version``, ``name``, ...), so WMTS elements get the ``wmts`` prefix.
for _prefix, _uri in (("wmts", WMTS_NS), ("ows", OWS_NS), ("xlink", XLINK_NS), ("xsi", XSI_NS)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class WmtsStyle:
    identifier: str = "default"
    title: str = "Default"
    legend_url: str | None = None
    legend_format: str = "image/png"


@dataclass(frozen=True)
class WmtsLayer:
    """One layer. ``tile_urls`` maps an image format (name or media type) to a
    RESTful template with ``{TileMatrixSet}``, ``{TileMatrix}``, ``{TileRow}``,
    ``{TileCol}``, optionally ``{Style}``, and ``{Time}`` when ``times`` is given.
    The first style is the default; the default time is the latest unless given."""

    identifier: str
    title: str
    bbox_wgs84: BBox
    tile_urls: Mapping[str, str]
    abstract: str = ""
    styles: Sequence[WmtsStyle] = (WmtsStyle(),)
    times: Sequence[TimeValue] = ()
    default_time: TimeValue | None = None
    tile_matrix_sets: Sequence[str] | None = None  # identifiers; None: all of the service's


@dataclass(frozen=True)
class WmtsService:
    """The service: ``kvp_url`` answers KVP GetCapabilities and GetTile (a base URL
    to which ``?SERVICE=WMTS&...`` is appended), ``capabilities_url`` is the RESTful
    capabilities document (``.../1.0.0/WMTSCapabilities.xml``)."""

    title: str
    kvp_url: str
    capabilities_url: str
    abstract: str = ""
    provider_name: str = ""
    provider_url: str = ""
    tile_matrix_sets: Sequence[TileMatrixSet] = field(default=(WebMercatorQuad(), WorldCRS84Quad()))


def capabilities_xml(service: WmtsService, layers: Sequence[WmtsLayer]) -> bytes:
    """The WMTS 1.0.0 GetCapabilities response as UTF-8 XML bytes."""
    tms_by_id = {tms.identifier: tms for tms in service.tile_matrix_sets}
    if len(tms_by_id) != len(service.tile_matrix_sets):
        raise TilesError("tile matrix set identifiers must be unique in one document")
    root = ET.Element(
        _wmts("Capabilities"),
        {
            "version": "1.0.0",
            _q(XSI_NS, "schemaLocation"): SCHEMA_LOCATION,
        },
    )
    _service_identification(root, service)
    _service_provider(root, service)
    _operations_metadata(root, service)
    contents = _sub(root, _wmts("Contents"))
    for layer in layers:
        _layer(contents, layer, tms_by_id)
    for tms in service.tile_matrix_sets:
        _tile_matrix_set(contents, tms)
    _sub(root, _wmts("ServiceMetadataURL"), {_q(XLINK_NS, "href"): service.capabilities_url})
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _service_identification(root: ET.Element, service: WmtsService) -> None:
    ident = _sub(root, _ows("ServiceIdentification"))
    _sub(ident, _ows("Title"), text=service.title)
    if service.abstract:
        _sub(ident, _ows("Abstract"), text=service.abstract)
    _sub(ident, _ows("ServiceType"), text="OGC WMTS")
    _sub(ident, _ows("ServiceTypeVersion"), text="1.0.0")


def _service_provider(root: ET.Element, service: WmtsService) -> None:
    if not service.provider_name:
        return
    provider = _sub(root, _ows("ServiceProvider"))
    _sub(provider, _ows("ProviderName"), text=service.provider_name)
    if service.provider_url:
        _sub(provider, _ows("ProviderSite"), {_q(XLINK_NS, "href"): service.provider_url})
    _sub(provider, _ows("ServiceContact"))


def _operations_metadata(root: ET.Element, service: WmtsService) -> None:
    operations = _sub(root, _ows("OperationsMetadata"))
    for name in ("GetCapabilities", "GetTile"):
        http = _sub(
            _sub(_sub(operations, _ows("Operation"), {"name": name}), _ows("DCP")), _ows("HTTP")
        )
        encodings = [(service.kvp_url, "KVP")]
        if name == "GetCapabilities":
            encodings.append((service.capabilities_url, "RESTful"))
        for url, encoding in encodings:
            get = _sub(http, _ows("Get"), {_q(XLINK_NS, "href"): url})
            constraint = _sub(get, _ows("Constraint"), {"name": "GetEncoding"})
            _sub(_sub(constraint, _ows("AllowedValues")), _ows("Value"), text=encoding)


def _layer(contents: ET.Element, layer: WmtsLayer, tms_by_id: Mapping[str, TileMatrixSet]) -> None:
    if not layer.styles:
        raise TilesError(f"layer {layer.identifier!r} needs at least one style")
    if not layer.tile_urls:
        raise TilesError(f"layer {layer.identifier!r} needs at least one tile URL")
    element = _sub(contents, _wmts("Layer"))
    _sub(element, _ows("Title"), text=layer.title)
    if layer.abstract:
        _sub(element, _ows("Abstract"), text=layer.abstract)
    west, south, east, north = layer.bbox_wgs84
    bbox = _sub(element, _ows("WGS84BoundingBox"), {"crs": "urn:ogc:def:crs:OGC:2:84"})
    _sub(bbox, _ows("LowerCorner"), text=f"{_num(west)} {_num(south)}")
    _sub(bbox, _ows("UpperCorner"), text=f"{_num(east)} {_num(north)}")
    _sub(element, _ows("Identifier"), text=layer.identifier)
    for index, style in enumerate(layer.styles):
        style_element = _sub(element, _wmts("Style"), {"isDefault": str(index == 0).lower()})
        _sub(style_element, _ows("Title"), text=style.title)
        _sub(style_element, _ows("Identifier"), text=style.identifier)
        if style.legend_url:
            _sub(
                style_element,
                _wmts("LegendURL"),
                {
                    "format": style.legend_format,
                    _q(XLINK_NS, "href"): style.legend_url,
                },
            )
    formats = {media_type(name): template for name, template in layer.tile_urls.items()}
    for media in formats:
        _sub(element, _wmts("Format"), text=media)
    if layer.times:
        _time_dimension(element, layer)
    link_ids = list(tms_by_id) if layer.tile_matrix_sets is None else list(layer.tile_matrix_sets)
    for tms_id in link_ids:
        if tms_id not in tms_by_id:
            raise TilesError(f"layer {layer.identifier!r} links unknown tile matrix set {tms_id!r}")
        _tile_matrix_set_link(element, tms_by_id[tms_id], layer.bbox_wgs84)
    for media, template in formats.items():
        missing = [p for p in TILE_PLACEHOLDERS if p not in template]
        if layer.times and "{Time}" not in template:
            missing.append("{Time}")
        if missing:
            raise TilesError(f"tile URL template {template!r} lacks {', '.join(missing)}")
        _sub(
            element,
            _wmts("ResourceURL"),
            {"format": media, "resourceType": "tile", "template": template},
        )


def _time_dimension(element: ET.Element, layer: WmtsLayer) -> None:
    times = [format_time(t) for t in layer.times]
    default = format_time(layer.default_time) if layer.default_time is not None else max(times)
    if default not in times:
        raise TilesError(f"default time {default!r} is not one of the layer's times")
    dimension = _sub(element, _wmts("Dimension"))
    _sub(dimension, _ows("Identifier"), text=TIME_DIMENSION)
    _sub(dimension, _ows("UOM"), text="ISO8601")
    _sub(dimension, _wmts("Default"), text=default)
    _sub(dimension, _wmts("Current"), text="false")
    for value in times:
        _sub(dimension, _wmts("Value"), text=value)


def format_time(value: TimeValue) -> str:
    """ISO 8601 text for a time: strings are kept; naive datetimes and numpy
    datetime64 values (as in xarray coordinates) are taken as UTC."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        return np.datetime_as_string(value.astype("datetime64[s]")) + "Z"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    raise TilesError(f"not a time: {value!r}")


def _tile_matrix_set_link(element: ET.Element, tms: TileMatrixSet, bbox: BBox) -> None:
    link = _sub(element, _wmts("TileMatrixSetLink"))
    _sub(link, _wmts("TileMatrixSet"), text=tms.identifier)
    limits = _sub(link, _wmts("TileMatrixSetLimits"))
    for z in tms.zooms:
        ranges = tms.tile_ranges(bbox, z)
        if not ranges:
            continue
        # Two ranges (across the antimeridian) need one rectangle spanning both.
        matrix_limits = _sub(limits, _wmts("TileMatrixLimits"))
        _sub(matrix_limits, _wmts("TileMatrix"), text=str(z))
        _sub(matrix_limits, _wmts("MinTileRow"), text=str(min(r.min_row for r in ranges)))
        _sub(matrix_limits, _wmts("MaxTileRow"), text=str(max(r.max_row for r in ranges)))
        _sub(matrix_limits, _wmts("MinTileCol"), text=str(min(r.min_col for r in ranges)))
        _sub(matrix_limits, _wmts("MaxTileCol"), text=str(max(r.max_col for r in ranges)))


def _tile_matrix_set(contents: ET.Element, tms: TileMatrixSet) -> None:
    element = _sub(contents, _wmts("TileMatrixSet"))
    _sub(element, _ows("Title"), text=tms.title)
    _sub(element, _ows("Identifier"), text=tms.identifier)
    _sub(element, _ows("SupportedCRS"), text=tms.wmts_crs)
    if tms.well_known_scale_set and tms.tile_size == 256:
        _sub(element, _wmts("WellKnownScaleSet"), text=tms.well_known_scale_set)
    left, top = tms.origin  # both CRSs have x (east) first in their axis order
    for z in tms.zooms:
        matrix = _sub(element, _wmts("TileMatrix"))
        _sub(matrix, _ows("Identifier"), text=str(z))
        _sub(matrix, _wmts("ScaleDenominator"), text=_num(tms.scale_denominator(z)))
        _sub(matrix, _wmts("TopLeftCorner"), text=f"{_num(left)} {_num(top)}")
        _sub(matrix, _wmts("TileWidth"), text=str(tms.tile_size))
        _sub(matrix, _wmts("TileHeight"), text=str(tms.tile_size))
        _sub(matrix, _wmts("MatrixWidth"), text=str(tms.matrix_width(z)))
        _sub(matrix, _wmts("MatrixHeight"), text=str(tms.matrix_height(z)))


def _sub(
    parent: ET.Element, tag: str, attrib: Mapping[str, str] | None = None, text: str | None = None
) -> ET.Element:
    element = ET.SubElement(parent, tag, dict(attrib or {}))
    if text is not None:
        element.text = text
    return element


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _wmts(name: str) -> str:
    return _q(WMTS_NS, name)


def _ows(name: str) -> str:
    return _q(OWS_NS, name)


def _num(value: float) -> str:
    """Shortest exact representation: keeps full precision, drops a trailing .0."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
