"""Process listing and graph validation, for the HTTP API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xcube_openeo.engine import validate_process
from xcube_openeo.errors import OpenEOError, ProcessGraphMissing
from xcube_openeo.web.pagination import paginate

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext


def list_processes(
    ctx: OpenEOContext, base_url: str, limit: int | None, token: str | None
) -> dict[str, Any]:
    registry = ctx.processes
    ids, links = paginate(
        list(registry),
        limit,
        token,
        lambda lim, tok: f"{base_url}/processes?limit={lim}&next={tok}",
    )
    return {
        "processes": [registry.get_spec(pid) for pid in ids],
        "links": [
            {"rel": "self", "href": f"{base_url}/processes", "type": "application/json"},
            *links,
        ],
    }


def validate(ctx: OpenEOContext, body: Any) -> dict[str, Any]:
    """``POST /validation``: every problem found, as openEO error objects."""
    if not isinstance(body, dict) or not isinstance(body.get("process_graph"), dict):
        errors: list[OpenEOError] = [
            ProcessGraphMissing("The request has no process graph object.")
        ]
    else:
        errors = validate_process(body, registry=ctx.processes)
    return {"errors": [_error_json(e) for e in errors]}


def _error_json(error: OpenEOError) -> dict[str, Any]:
    doc = error.to_json()
    return {k: doc[k] for k in ("id", "code", "message", "links") if k in doc}
