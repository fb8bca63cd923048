"""Tiles: tile matrix sets, WMTS capabilities, colour maps and image encoders.

A standalone package (no imports from ``xcube_openeo``) used by the XYZ and WMTS
services to cut, colour and encode map tiles.
"""

from tiles.colormaps import (
    Colormap,
    apply_colormap,
    colormap_names,
    get_colormap,
    legend_png,
    scale_bands,
    scale_to_indices,
)
from tiles.encoders import (
    empty_tile,
    encode_indexed,
    encode_palette_png,
    encode_rgba,
    media_type,
    normalize_format,
)
from tiles.errors import (
    InvalidColormap,
    InvalidImage,
    InvalidParameter,
    InvalidTileSize,
    InvalidValueRange,
    MissingParameter,
    OperationNotSupported,
    TileOutsideGrid,
    TilesError,
    UnknownTileMatrixSet,
    UnsupportedFormat,
    ZoomOutsideGrid,
)
from tiles.image import ImageData
from tiles.tms import (
    Tile,
    TileMatrixSet,
    TileRange,
    WebMercatorQuad,
    WorldCRS84Quad,
    get_tile_matrix_set,
)
from tiles.wmts import WmtsLayer, WmtsService, WmtsStyle, capabilities_xml, format_time
from tiles.wmts_requests import (
    GetCapabilitiesRequest,
    GetTileRequest,
    exception_report_xml,
    parse_kvp,
)

__all__ = [
    "Colormap",
    "GetCapabilitiesRequest",
    "GetTileRequest",
    "ImageData",
    "InvalidColormap",
    "InvalidImage",
    "InvalidParameter",
    "InvalidTileSize",
    "InvalidValueRange",
    "MissingParameter",
    "OperationNotSupported",
    "Tile",
    "TileMatrixSet",
    "TileOutsideGrid",
    "TileRange",
    "TilesError",
    "UnknownTileMatrixSet",
    "UnsupportedFormat",
    "WebMercatorQuad",
    "WmtsLayer",
    "WmtsService",
    "WmtsStyle",
    "WorldCRS84Quad",
    "ZoomOutsideGrid",
    "apply_colormap",
    "capabilities_xml",
    "colormap_names",
    "empty_tile",
    "encode_indexed",
    "encode_palette_png",
    "encode_rgba",
    "exception_report_xml",
    "format_time",
    "get_colormap",
    "get_tile_matrix_set",
    "legend_png",
    "media_type",
    "normalize_format",
    "parse_kvp",
    "scale_bands",
    "scale_to_indices",
]
