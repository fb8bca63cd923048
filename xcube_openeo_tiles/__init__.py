"""Tiles: tile matrix sets, WMTS capabilities, colour maps and image encoders.

A standalone package (no imports from ``xcube_openeo``) used by the XYZ and WMTS
services to cut, colour and encode map tiles. A tile request goes like this::

    tms = WebMercatorQuad(tile_size=256)
    tile = tms.check((x, y, z))                  # TileOutsideGrid if not in the grid
    minx, miny, maxx, maxy = tms.xy_bounds(tile)   # read/compute this extent ...
    zoom_level_resolution = tms.resolution(z)    # ... at this pixel size
    style = RenderStyle("RdYlGn", (-1.0, 1.0), image_format="png")  # check at set-up
    image = ImageData(values, tms.xy_bounds(tile), tms.crs)   # (bands, h, w), NaN = no data
    body = style.render(image)                   # the cached empty tile if no data
    headers = {"Content-Type": style.media_type, "ETag": f'"{version}-{z}-{x}-{y}-{style.key}"'}

Errors are :class:`TilesError` subclasses with ``ows_code``, ``http_status`` and
``locator`` for WMTS exception reports (:func:`exception_report_xml`).
"""

from xcube_openeo_tiles.colormaps import (
    Colormap,
    apply_colormap,
    colormap_names,
    get_colormap,
    legend_png,
    scale_bands,
    scale_to_indices,
)
from xcube_openeo_tiles.encoders import (
    empty_tile,
    encode_indexed,
    encode_palette_png,
    encode_rgba,
    media_type,
    normalize_format,
)
from xcube_openeo_tiles.errors import (
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
from xcube_openeo_tiles.image import ImageData
from xcube_openeo_tiles.style import RenderStyle
from xcube_openeo_tiles.tilejson import tilejson
from xcube_openeo_tiles.tms import (
    Tile,
    TileMatrixSet,
    TileRange,
    WebMercatorQuad,
    WorldCRS84Quad,
    get_tile_matrix_set,
)
from xcube_openeo_tiles.wmts import WmtsLayer, WmtsService, WmtsStyle, capabilities_xml, format_time
from xcube_openeo_tiles.wmts_requests import (
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
    "RenderStyle",
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
    "tilejson",
]
