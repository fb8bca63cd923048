"""Base class of every openEO route handler."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from xcube.server.api import ApiHandler

from xcube_openeo import OPENEO_PREFIX, jsonio
from xcube_openeo.errors import AuthenticationRequired, BadRequest, OpenEOError

if TYPE_CHECKING:
    from xcube_openeo.api.context import OpenEOContext
    from xcube_openeo.auth.users import User

CtxT = TypeVar("CtxT", bound="OpenEOContext")
_INTEGER = re.compile(r"-?[0-9]{1,19}", re.ASCII)


class OpenEOHandler(ApiHandler[CtxT], Generic[CtxT]):
    """Adds JSON in and out, absolute URLs, and query parsing in openEO's terms."""

    #: Sends what the response has so far; set by the tornado handler (api/tornado.py).
    flush_response: Callable[[], Awaitable[None]]
    _auth_result: tuple[User | None, OpenEOError | None]

    @property
    def base_url(self) -> str:
        """Absolute URL of the openEO API root, without a trailing slash.

        Built from the request (or xcube's ``reverse_url_prefix``), so links stay right
        behind a reverse proxy and with ``--prefix``.
        """
        return self.request.url_for_path(OPENEO_PREFIX, reverse=True)

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def read_json(self) -> Any:
        body = self.request.body
        if not body:
            raise BadRequest("The request body is empty; a JSON document was expected.")
        # Bounded: nesting depth, integers in int64, no NaN (see xcube_openeo.jsonio).
        return jsonio.loads(body)

    def read_json_object(self) -> dict[str, Any]:
        doc = self.read_json()
        if not isinstance(doc, dict):
            raise BadRequest("The request body must be a JSON object.")
        return doc

    def write_json(
        self, doc: Any, status: int = 200, content_type: str = "application/json"
    ) -> None:
        self.response.set_status(status)
        self.response.set_header("Content-Type", f"{content_type}; charset=UTF-8")
        self.response.finish(json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8"))

    def query_int(self, name: str, minimum: int = 1, maximum: int | None = None) -> int | None:
        values: Sequence[str] = self.request.get_query_args(name)
        if not values:
            return None
        # Decimal digits only (int() would also take "1_000", " 7" and other scripts'
        # digits), and within int64: the value goes on to the database.
        if not _INTEGER.fullmatch(values[-1]):
            raise BadRequest(f"Query parameter {name!r} must be an integer.")
        maximum = jsonio.INT64_MAX if maximum is None else min(maximum, jsonio.INT64_MAX)
        value = int(values[-1])
        if value < minimum or value > maximum:
            raise BadRequest(
                f"Query parameter {name!r} must be at least {minimum} and at most {maximum}.",
            )
        return value

    # --- authentication (xcube_openeo.auth) ----------------------------------------------

    def authenticate(self) -> User | None:
        """Checks the ``Authorization`` header once per request: the user, or None without
        a header; raises ``AuthenticationSchemeInvalid``/``TokenInvalid`` for bad ones.

        May block on an OIDC provider: the tornado handler calls it off the event loop
        before dispatching, so that handlers find the answer ready.
        """
        if not hasattr(self, "_auth_result"):
            try:
                self._auth_result = (
                    self.ctx.accounts.authenticate(self.request.headers.get("Authorization")),
                    None,
                )
            except OpenEOError as e:
                self._auth_result = (None, e)
        user, error = self._auth_result
        if error is not None:
            raise error
        return user

    @property
    def user(self) -> User | None:
        """The calling :class:`~xcube_openeo.auth.User`, or None if anonymous."""
        return self.authenticate()

    def require_user(self) -> User:
        """The calling user; ``AuthenticationRequired`` (401) for anonymous callers."""
        user = self.authenticate()
        if user is None:
            raise AuthenticationRequired("This endpoint requires authentication.")
        return user

    def query_str(self, name: str) -> str | None:
        values: Sequence[str] = self.request.get_query_args(name)
        return values[-1] if values else None
