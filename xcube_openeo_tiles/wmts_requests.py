"""WMTS 1.0.0 KVP requests and exception reports.

:func:`parse_kvp` turns a query string's parameters into a typed request (names
are case-insensitive, values are not); :func:`exception_report_xml` answers a
:class:`~tiles.errors.TilesError` the OGC way, with ``error.http_status``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from xcube_openeo_tiles.errors import (
    InvalidParameter,
    MissingParameter,
    OperationNotSupported,
    TileOutsideGrid,
    TilesError,
)
from xcube_openeo_tiles.wmts import OWS_NS, TIME_DIMENSION

_TILE_PARAMETERS = ("Layer", "Style", "Format", "TileMatrixSet", "TileMatrix", "TileRow", "TileCol")


@dataclass(frozen=True)
class GetCapabilitiesRequest:
    accept_versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class GetTileRequest:
    """A GetTile request; ``dimensions`` holds every further parameter (by the name
    as sent), ``time`` the ``Time`` dimension's value if given."""

    layer: str
    style: str
    format: str
    tile_matrix_set: str
    tile_matrix: str
    row: int
    col: int
    dimensions: Mapping[str, str] = field(default_factory=dict)

    @property
    def zoom(self) -> int:
        """The tile matrix as a zoom level (this package names matrices 0, 1, ...)."""
        try:
            return int(self.tile_matrix)
        except ValueError:
            raise InvalidParameter(
                f"unknown tile matrix {self.tile_matrix!r}", locator="TileMatrix"
            ) from None

    @property
    def time(self) -> str | None:
        for name, value in self.dimensions.items():
            if name.lower() == TIME_DIMENSION.lower():
                return value
        return None


def parse_kvp(query: Mapping[str, str | Sequence[str]]) -> GetCapabilitiesRequest | GetTileRequest:
    """Parse KVP parameters (values as strings or lists of strings, as web
    frameworks give them); raises TilesError subclasses with OWS codes."""
    params = _single_values(query)
    service = _required(params, "Service")
    if service.upper() != "WMTS":
        raise InvalidParameter(f"service must be WMTS, not {service!r}", locator="Service")
    request = _required(params, "Request")
    if request.lower() == "getcapabilities":
        versions = params.pop("acceptversions", (None, ""))[1]
        return GetCapabilitiesRequest(tuple(v.strip() for v in versions.split(",") if v.strip()))
    if request.lower() != "gettile":
        raise OperationNotSupported(f"request {request!r} is not supported", locator="Request")
    version = _required(params, "Version")
    if version != "1.0.0":
        raise InvalidParameter(f"version must be 1.0.0, not {version!r}", locator="Version")
    values = {name: _required(params, name) for name in _TILE_PARAMETERS}
    row, col = (_index(values[name], name) for name in ("TileRow", "TileCol"))
    return GetTileRequest(
        layer=values["Layer"],
        style=values["Style"],
        format=values["Format"],
        tile_matrix_set=values["TileMatrixSet"],
        tile_matrix=values["TileMatrix"],
        row=row,
        col=col,
        dimensions=dict(params.values()),
    )


def exception_report_xml(error: TilesError) -> bytes:
    """An OWS 1.1 ExceptionReport for ``error`` (send with ``error.http_status``)."""
    root = ET.Element(
        f"{{{OWS_NS}}}ExceptionReport",
        {"version": "1.0.0", "{http://www.w3.org/XML/1998/namespace}lang": "en"},
    )
    attributes = {"exceptionCode": error.ows_code}
    if error.locator:
        attributes["locator"] = error.locator
    exception = ET.SubElement(root, f"{{{OWS_NS}}}Exception", attributes)
    ET.SubElement(exception, f"{{{OWS_NS}}}ExceptionText").text = str(error)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _single_values(query: Mapping[str, str | Sequence[str]]) -> dict[str, tuple[str, str]]:
    """Lower-cased name -> (name as sent, value); the first value of repeated ones."""
    params: dict[str, tuple[str, str]] = {}
    for name, value in query.items():
        if not isinstance(value, str | bytes):
            value = value[0] if len(value) else ""
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        params.setdefault(name.lower(), (name, value))
    return params


def _required(params: dict[str, tuple[str, str]], name: str) -> str:
    _, value = params.pop(name.lower(), (name, ""))
    if not value:
        raise MissingParameter(f"missing parameter {name}", locator=name)
    return value


def _index(value: str, name: str) -> int:
    try:
        index = int(value)
    except ValueError:
        raise InvalidParameter(f"{name} must be an integer, not {value!r}", locator=name) from None
    if index < 0:
        raise TileOutsideGrid(f"{name} {index} is negative", locator=name)
    return index
