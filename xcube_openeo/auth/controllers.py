"""The ``/me`` document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xcube_openeo.auth.users import User

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext


def me(ctx: OpenEOContext, user: User, base_url: str) -> dict[str, Any]:
    quota = ctx.files.quota(user.quota)
    used = ctx.files.usage(user.user_id)
    doc: dict[str, Any] = {
        "user_id": user.user_id,
        "name": user.name or user.user_id,
        "storage": {"free": max(quota - used, 0), "quota": quota},
        "links": [
            {
                "rel": "related",
                "href": f"{base_url}/files",
                "type": "application/json",
                "title": "Your files",
            },
            {
                "rel": "related",
                "href": f"{base_url}/process_graphs",
                "type": "application/json",
                "title": "Your user-defined processes",
            },
        ],
    }
    # Only what is configured: no budget or plan means none applies.
    if user.budget is not None:
        doc["budget"] = user.budget
    if user.plan is not None:
        doc["default_plan"] = user.plan
    return doc
