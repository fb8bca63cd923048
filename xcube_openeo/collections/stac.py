"""STAC 1.0.0 Collection documents (with the datacube extension) for openEO."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xcube_openeo.engine.collection_metadata import BANDS, CollectionMetadata, T, X, Y

STAC_VERSION = "1.0.0"
DATACUBE_EXTENSION = "https://stac-extensions.github.io/datacube/v2.2.0/schema.json"
EO_EXTENSION = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def collection_document(
    collection_id: str,
    config: Mapping[str, Any],
    metadata: CollectionMetadata,
    base_url: str,
    default_license: str,
) -> dict[str, Any]:
    attrs = metadata.attrs
    title = config.get("Title") or attrs.get("title") or collection_id
    description = (
        config.get("Description")
        or attrs.get("description")
        or attrs.get("summary")
        or f"Dataset {collection_id} served by xcube."
    )
    eo_bands = [b.eo_band() for b in metadata.bands]
    has_eo = any(len(b) > 1 for b in eo_bands)
    self_url = f"{base_url}/collections/{collection_id}"
    doc: dict[str, Any] = {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": [DATACUBE_EXTENSION] + ([EO_EXTENSION] if has_eo else []),
        "id": collection_id,
        "title": str(title),
        "description": str(description),
        "license": str(attrs.get("license") or default_license),
        "providers": _providers(attrs),
        "keywords": [str(k) for k in config.get("Tags", [])],
        "extent": {
            "spatial": {"bbox": [metadata.wgs84_bbox]},
            "temporal": {"interval": [metadata.temporal_extent]},
        },
        "cube:dimensions": cube_dimensions(metadata),
        "summaries": {"eo:bands": eo_bands} if has_eo else {},
        "links": [
            {"rel": "self", "href": self_url, "type": "application/json"},
            {"rel": "root", "href": f"{base_url}/", "type": "application/json"},
            {"rel": "parent", "href": f"{base_url}/collections", "type": "application/json"},
            {
                "rel": QUERYABLES_REL,
                "href": f"{self_url}/queryables",
                "type": "application/schema+json",
                "title": "Queryables",
            },
        ],
    }
    if metadata.epsg is not None:
        doc["summaries"]["proj:epsg"] = [metadata.epsg]
    return doc


def cube_dimensions(metadata: CollectionMetadata) -> dict[str, Any]:
    x0, y0, x1, y1 = metadata.xy_bbox
    x_res, y_res = metadata.grid_mapping.xy_res
    crs = metadata.epsg if metadata.epsg is not None else metadata.crs.to_wkt()
    dims: dict[str, Any] = {
        X: {
            "type": "spatial",
            "axis": "x",
            "extent": [x0, x1],
            "step": float(x_res),
            "reference_system": crs,
        },
        Y: {
            "type": "spatial",
            "axis": "y",
            "extent": [y0, y1],
            "step": float(y_res),
            "reference_system": crs,
        },
    }
    if metadata.time_dim:
        dims[T] = {
            "type": "temporal",
            "extent": metadata.temporal_extent,
            "step": metadata.time_step,
        }
    dims[BANDS] = {"type": "bands", "values": metadata.band_names}
    return dims


def _providers(attrs: Mapping[str, Any]) -> list[dict[str, Any]]:
    listed = attrs.get("providers")
    if isinstance(listed, list) and all(isinstance(p, dict) and p.get("name") for p in listed):
        return [dict(p) for p in listed]  # already STAC provider objects
    name = attrs.get("provider") or attrs.get("institution") or attrs.get("creator_name")
    if not name:
        return []
    provider: dict[str, Any] = {"name": str(name), "roles": ["producer"]}
    url = attrs.get("provider_url") or attrs.get("creator_url")
    if url:
        provider["url"] = str(url)
    return [provider]


def queryables_document(collection_id: str, base_url: str) -> dict[str, Any]:
    """Our collections have no item properties to filter on: an empty JSON schema."""
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base_url}/collections/{collection_id}/queryables",
        "type": "object",
        "title": f"Queryables of {collection_id}",
        "properties": {},
        "additionalProperties": False,
    }
