"""Offset pagination as openEO wants it: ``limit`` in, ``next`` (and ``prev``) links out."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from xcube_openeo.errors import BadRequest

T = TypeVar("T")


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def decode_token(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The pagination token is invalid.") from None
    if offset < 0:
        raise BadRequest("The pagination token is invalid.")
    return offset


def paginate(
    items: Sequence[T],
    limit: int | None,
    token: str | None,
    page_url: Callable[[int, str], str],
) -> tuple[Sequence[T], list[dict[str, Any]]]:
    """One page of ``items`` and its ``next``/``prev`` links.

    ``page_url(limit, token)`` builds the absolute URL of another page.
    """
    if limit is None:
        return items, []
    offset = decode_token(token) if token else 0
    page = items[offset : offset + limit]
    links = []
    if offset + limit < len(items):
        links.append(
            {
                "rel": "next",
                "href": page_url(limit, encode_token(offset + limit)),
                "type": "application/json",
            }
        )
    if offset > 0:
        links.append(
            {
                "rel": "prev",
                "href": page_url(limit, encode_token(max(0, offset - limit))),
                "type": "application/json",
            }
        )
    return page, links
