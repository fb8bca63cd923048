"""Collection listing and description."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from xcube_openeo.collections.stac import collection_document, queryables_document
from xcube_openeo.errors import OpenEOError
from xcube_openeo.web.pagination import paginate

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext

LOG = logging.getLogger("xcube.openeo")


def describe_collection(ctx: OpenEOContext, collection_id: str, base_url: str) -> dict[str, Any]:
    source = ctx.collections
    config = source.get_config(collection_id)
    metadata = source.get_metadata(collection_id)
    return collection_document(collection_id, config, metadata, base_url, source.default_license)


def list_collections(
    ctx: OpenEOContext, base_url: str, limit: int | None, token: str | None
) -> dict[str, Any]:
    ids, links = paginate(
        ctx.collections.collection_ids(),
        limit,
        token,
        lambda lim, tok: f"{base_url}/collections?limit={lim}&next={tok}",
    )
    collections = []
    for collection_id in ids:
        try:
            collections.append(describe_collection(ctx, collection_id, base_url))
        except Exception as e:
            # One broken dataset must not hide the others; it is logged and skipped.
            message = e.message if isinstance(e, OpenEOError) else repr(e)
            LOG.warning("Collection %r left out of the listing: %s", collection_id, message)
    links = [
        {"rel": "self", "href": f"{base_url}/collections", "type": "application/json"},
        {"rel": "root", "href": f"{base_url}/", "type": "application/json"},
        *links,
    ]
    return {"collections": collections, "links": links}


def get_queryables(ctx: OpenEOContext, collection_id: str, base_url: str) -> dict[str, Any]:
    ctx.collections.get_config(collection_id)
    return queryables_document(collection_id, base_url)
