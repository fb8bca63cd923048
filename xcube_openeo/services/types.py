"""The service types (XYZ, WMTS): their documents and their checked configurations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xcube_openeo.errors import OpenEOError
from xcube_openeo_tiles import RenderStyle, TilesError, get_tile_matrix_set

TYPES = ("XYZ", "WMTS")
TILE_MATRIX_SETS = ("WebMercatorQuad", "WorldCRS84Quad")
RESAMPLING = ("nearest", "bilinear")
#: Names of the process parameters a service graph may use (``from_parameter``).
SPATIAL_EXTENT = "spatial_extent"
TIME = "time"

_COMMON: dict[str, dict[str, Any]] = {
    "colormap": {
        "description": "Colour map of single-band layers, by matplotlib or cmocean name"
        " (for example viridis, RdYlGn, cmo.thermal).",
        "schema": {"type": "string"},
        "default": "viridis",
    },
    "value_range": {
        "description": "Values mapped to the ends of the colour map: [min, max] for one band,"
        " or one [min, max] per band for three bands (RGB). Null: each tile's"
        " own data range.",
        "schema": {"type": ["array", "null"], "items": {}},
        "default": None,
    },
    "tile_size": {
        "description": "Width and height of the tiles in pixels.",
        "schema": {"type": "integer", "enum": [256, 512]},
        "default": 256,
    },
    "format": {
        "description": "Image format of the tiles (PNG keeps no-data transparent).",
        "schema": {"type": "string", "enum": ["png", "jpeg", "webp"]},
        "default": "png",
    },
    "resampling": {
        "description": "How data pixels are sampled onto tile pixels.",
        "schema": {"type": "string", "enum": list(RESAMPLING)},
        "default": "nearest",
    },
    "public": {
        "description": "True: anyone with the service's (unguessable) URL may fetch tiles."
        " False: tile requests need the owner's access token.",
        "schema": {"type": "boolean"},
        "default": True,
    },
}

_SPATIAL_PARAMETER = {
    "name": SPATIAL_EXTENT,
    "description": "The extent of the tile being computed (a bounding box with its CRS)."
    " The back-end also narrows every load_collection to the tile, so graphs"
    " need not use this parameter.",
    "schema": {"type": "object", "subtype": "bounding-box"},
    "optional": True,
    "default": None,
}
_TIME_PARAMETER = {
    "name": TIME,
    "description": "The requested time of the WMTS Time dimension (ISO 8601), or null.",
    "schema": {"type": ["string", "null"], "subtype": "date-time"},
    "optional": True,
    "default": None,
}


def service_types() -> dict[str, Any]:
    """The document of ``GET /service_types``."""
    wmts_config = {
        **_COMMON,
        "tile_matrix_sets": {
            "description": "Tile matrix sets offered.",
            "schema": {
                "type": "array",
                "items": {"type": "string", "enum": list(TILE_MATRIX_SETS)},
            },
            "default": list(TILE_MATRIX_SETS),
        },
    }
    return {
        "XYZ": {
            "title": "XYZ tiles",
            "description": "Web Mercator tiles at {z}/{x}/{y} for web maps, computed on demand"
            " from the process graph for each tile. A result cube with a time"
            " dimension shows its latest time.",
            "configuration": _COMMON,
            "process_parameters": [_SPATIAL_PARAMETER],
            "links": [
                {
                    "href": "https://wiki.openstreetmap.org/wiki/Slippy_map_tilenames",
                    "rel": "about",
                    "title": "Tile names of XYZ maps",
                }
            ],
        },
        "WMTS": {
            "title": "OGC Web Map Tile Service 1.0.0",
            "description": "WMTS with RESTful and KVP GetCapabilities and GetTile, tile matrix"
            " sets WebMercatorQuad and WorldCRS84Quad, a Time dimension with"
            " the dates of the result cube, and a legend.",
            "configuration": wmts_config,
            "process_parameters": [_SPATIAL_PARAMETER, _TIME_PARAMETER],
            "links": [
                {
                    "href": "https://www.ogc.org/standard/wmts/",
                    "rel": "about",
                    "title": "OGC Web Map Tile Service",
                }
            ],
        },
    }


def normalize_type(value: Any) -> str:
    """The type's canonical name (service types are case-insensitive)."""
    if isinstance(value, str):
        for name in TYPES:
            if value.lower() == name.lower():
                return name
    raise OpenEOError(
        "ServiceUnsupported",
        f"Service type {value!r} is not supported (supported: {', '.join(TYPES)}).",
    )


@dataclass(frozen=True)
class ServiceSettings:
    """A service's configuration, checked, with defaults applied."""

    style: RenderStyle
    tile_size: int
    resampling: str
    public: bool
    tile_matrix_sets: tuple[str, ...]

    @property
    def extension(self) -> str:
        return self.style.image_format


def settings(service_type: str, configuration: Any) -> ServiceSettings:
    """Checks a configuration: ``ServiceConfigUnsupported``/``ServiceConfigInvalid``."""
    if configuration is None:
        configuration = {}
    if not isinstance(configuration, dict):
        raise OpenEOError("ServiceConfigInvalid", "The configuration must be an object.")
    allowed = service_types()[service_type]["configuration"]
    for name in configuration:
        if name not in allowed:
            raise OpenEOError(
                "ServiceConfigUnsupported",
                f"Service parameter {name!r} is not supported by {service_type}"
                f" (supported: {', '.join(allowed)}).",
            )
    config = {name: spec["default"] for name, spec in allowed.items()}
    config.update({k: v for k, v in configuration.items() if v is not None or k == "value_range"})
    tile_size = config["tile_size"]
    if tile_size not in (256, 512) or isinstance(tile_size, bool):
        raise _invalid("tile_size", "must be 256 or 512")
    if config["resampling"] not in RESAMPLING:
        raise _invalid("resampling", f"must be one of {', '.join(RESAMPLING)}")
    if not isinstance(config["public"], bool):
        raise _invalid("public", "must be true or false")
    # XYZ: Web Mercator only (the configuration has no tile_matrix_sets).
    sets = config["tile_matrix_sets"] if "tile_matrix_sets" in config else [TILE_MATRIX_SETS[0]]
    if (
        not isinstance(sets, list)
        or not sets
        or any(s not in TILE_MATRIX_SETS for s in sets)
        or len(set(sets)) != len(sets)
    ):
        raise _invalid(
            "tile_matrix_sets", f"must be a list of distinct names of {TILE_MATRIX_SETS}"
        )
    value_range = config["value_range"]
    if value_range is not None and not isinstance(value_range, list):
        raise _invalid("value_range", "must be [min, max], a list of three, or null")
    try:
        style = RenderStyle(
            colormap=config["colormap"], value_range=value_range, image_format=config["format"]
        )
        for tms in sets:
            get_tile_matrix_set(tms, tile_size)
    except TilesError as e:
        raise _invalid(e.locator or "configuration", e.message) from None
    except (TypeError, ValueError) as e:
        raise _invalid("configuration", str(e)) from None
    return ServiceSettings(
        style=style,
        tile_size=tile_size,
        resampling=config["resampling"],
        public=config["public"],
        tile_matrix_sets=tuple(sets),
    )


def _invalid(parameter: str, reason: str) -> OpenEOError:
    return OpenEOError(
        "ServiceConfigInvalid", f"Service parameter {parameter!r} is invalid: {reason.rstrip('.')}."
    )
