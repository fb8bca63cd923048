"""Discovery documents: capabilities, well-known versions, conformance, formats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xcube.server.api import ApiRoute

from xcube_openeo import API_VERSION, OPENEO_PREFIX
from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.api.tornado import allowed_methods
from xcube_openeo.formats import load_formats
from xcube_openeo.web.conformance import conformance_classes

STAC_VERSION = "1.0.0"


def get_endpoints(
    routes: Sequence[ApiRoute], ctx: OpenEOContext | None = None
) -> list[dict[str, Any]]:
    """The capabilities' ``endpoints``, generated from the routes actually registered.

    A handler class leaves itself out with ``listed = False``, or, depending on the
    configuration, with a static method ``listed_in(ctx) -> bool``.
    """
    endpoints = []
    for route in routes:
        if not route.path.startswith(OPENEO_PREFIX) or not getattr(
            route.handler_cls, "listed", True
        ):
            continue
        listed_in = getattr(route.handler_cls, "listed_in", None)
        if ctx is not None and listed_in is not None and not listed_in(ctx):
            continue
        path = route.path[len(OPENEO_PREFIX) :] or "/"
        path = path.replace("{*", "{")
        methods = allowed_methods(route.handler_cls)
        if methods:
            endpoints.append({"path": path, "methods": methods})
    return endpoints


def get_capabilities(
    ctx: OpenEOContext, base_url: str, routes: Sequence[ApiRoute]
) -> dict[str, Any]:
    return {
        "api_version": API_VERSION,
        "backend_version": ctx.backend_version,
        "stac_version": STAC_VERSION,
        "type": "Catalog",
        "id": ctx.settings.id,
        "title": ctx.settings.title,
        "description": ctx.settings.description,
        "production": False,
        "conformsTo": conformance_classes(),
        "endpoints": get_endpoints(routes, ctx),
        "links": [
            {"rel": "self", "href": f"{base_url}/", "type": "application/json"},
            {"rel": "root", "href": f"{base_url}/", "type": "application/json"},
            {
                "rel": "conformance",
                "href": f"{base_url}/conformance",
                "type": "application/json",
                "title": "Conformance classes",
            },
            {
                "rel": "data",
                "href": f"{base_url}/collections",
                "type": "application/json",
                "title": "Collections",
            },
            {
                "rel": "version-history",
                "href": _well_known_url(base_url),
                "type": "application/json",
                "title": "Supported API versions",
            },
        ],
    }


def _well_known_url(base_url: str) -> str:
    return base_url[: -len(OPENEO_PREFIX)] + "/.well-known/openeo"


def get_well_known(base_url: str) -> dict[str, Any]:
    return {"versions": [{"url": f"{base_url}/", "api_version": API_VERSION, "production": False}]}


def get_conformance() -> dict[str, Any]:
    return {"conformsTo": conformance_classes()}


def get_file_formats(ctx: OpenEOContext) -> dict[str, Any]:
    return load_formats().to_json()
