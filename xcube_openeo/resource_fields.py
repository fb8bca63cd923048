"""Checks of the fields that batch jobs and services share (openEO's request bodies)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from xcube_openeo.engine import validate_process
from xcube_openeo.errors import BadRequest, OpenEOError, ProcessGraphMissing
from xcube_openeo.store.logs import LOG_LEVELS

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this module
    from xcube_openeo.api.context import OpenEOContext


def checked_process(
    ctx: OpenEOContext,
    user_id: str,
    body: Mapping[str, Any],
    what: str,
    parameter_names: Sequence[str] = (),
) -> dict[str, Any]:
    """``body["process"]``, validated (the first problem is raised)."""
    process = body.get("process")
    if not isinstance(process, dict) or not isinstance(process.get("process_graph"), dict):
        raise ProcessGraphMissing(f"The {what} has no process with a process graph.")
    errors = validate_process(
        process,
        registry=ctx.processes,
        user_processes=ctx.user_processes.all(user_id),
        parameter_names=list(parameter_names),
    )
    if errors:
        raise errors[0]
    return process


def checked_metadata(body: Mapping[str, Any]) -> dict[str, Any]:
    """title, description, plan, budget and log_level as far as ``body`` has them."""
    fields: dict[str, Any] = {}
    for name in ("title", "description", "plan"):
        if name in body:
            if body[name] is not None and not isinstance(body[name], str):
                raise BadRequest(f"{name!r} must be a string or null.")
            fields[name] = body[name]
    if "budget" in body:
        budget = body["budget"]
        if budget is not None and (not isinstance(budget, int | float) or isinstance(budget, bool)):
            raise OpenEOError("BudgetInvalid", "'budget' must be a number or null.")
        fields["budget"] = budget
    if "log_level" in body:
        if body["log_level"] not in LOG_LEVELS:
            raise BadRequest(f"'log_level' must be one of {', '.join(LOG_LEVELS)}.")
        fields["log_level"] = body["log_level"]
    return fields


def requested_log_level(level: str | None) -> str:
    """The ``level`` query parameter of a logs request (default: everything)."""
    level = level or "debug"
    if level not in LOG_LEVELS:
        raise BadRequest(f"'level' must be one of {', '.join(LOG_LEVELS)}.")
    return level


def logs_document(
    entries: list[dict[str, Any]], log_level: str, level: str, limit: int | None, logs_url: str
) -> dict[str, Any]:
    """A logs response, with a ``next`` link when a page was full."""
    links = []
    if limit is not None and entries and len(entries) == limit:
        links.append(
            {
                "rel": "next",
                "type": "application/json",
                "href": f"{logs_url}?offset={entries[-1]['id']}&limit={limit}&level={level}",
            }
        )
    return {"level": log_level, "logs": entries, "links": links}
