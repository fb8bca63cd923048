"""One tornado handler class for every xcube route on a server that serves openEO.

xcube creates all its tornado rules with ``TornadoRequestHandler``; :func:`install_guard`
swaps the class of every rule that is not openEO's for :class:`XcubeRouteHandler`, which

* refuses paths with ``..`` segments (raw or percent-encoded): no xcube route needs one,
  and xcube's ``/s3`` follows them out of the dataset folder;
* enforces the route's :class:`~xcube_openeo.security.exposure.Exposure` with the caller's
  openEO token (checked off the event loop, as on openEO's routes);
* answers errors in xcube's shape without the traceback and exception text xcube adds
  (5xx: a generic message and an id that the server log has with the traceback).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote

import tornado.ioloop
import tornado.routing
import tornado.web
from xcube.server.webservers.tornado import TornadoRequestHandler

from xcube_openeo.auth.accounts import AUTH_EXECUTOR
from xcube_openeo.errors import AuthenticationRequired, BadRequest, OpenEOError
from xcube_openeo.security.exposure import OPENEO_API, Exposure

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext

LOG = logging.getLogger("xcube.openeo.security")
_DOT_DOT = re.compile(r"(^|/)\.\.(/|$)")


class XcubeRouteHandler(TornadoRequestHandler):
    """xcube's request handler, with the checks of this module in front."""

    def __init__(self, application: Any, request: Any, **kwargs: Any):
        self._api_route = kwargs.get("api_route")
        super().__init__(application, request, **kwargs)

    async def prepare(self) -> None:
        super().prepare()
        # Twice decoded: "%252E%252E" must not become ".." further down either.
        path = self.request.path
        if any(_DOT_DOT.search(p) for p in (path, unquote(path), unquote(unquote(path)))):
            raise _Refused(BadRequest("Paths with '..' segments are refused."))
        openeo_ctx = cast("OpenEOContext", self.server_ctx.get_api_ctx(OPENEO_API))
        policy = openeo_ctx.exposure_policy
        route = self._api_route
        assert route is not None  # xcube gives each of its handlers its route
        exposure = policy.exposure(route.api_name, route.path)
        # CORS preflights carry no credentials; xcube answers them without side effects.
        if exposure is Exposure.PUBLIC or self.request.method == "OPTIONS":
            return
        header = self.request.headers.get("Authorization")
        try:
            user = await tornado.ioloop.IOLoop.current().run_in_executor(
                AUTH_EXECUTOR, openeo_ctx.accounts.authenticate, header
            )
        except OpenEOError as e:
            raise _Refused(e) from None
        if user is None:
            raise _Refused(
                AuthenticationRequired(
                    "This xcube route needs an openEO token (Authorization: Bearer ...)."
                )
            )
        if exposure is Exposure.ADMIN and user.user_id not in policy.admins:
            raise _Refused(
                OpenEOError(
                    "PermissionsInsufficient",
                    "This xcube route is for the server's administrators.",
                )
            )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, _Refused):
            error = exc.error
            self.set_status(error.status)
            for name, value in error.headers.items():
                self.set_header(name, value)
            self.finish(error.to_json())
            return
        info: dict[str, Any] = {"status_code": status_code}
        if status_code >= 500:
            error_id = uuid.uuid4().hex
            LOG.error(
                "xcube route %s %s failed (%s)",
                self.request.method,
                self.request.path,
                error_id,
                exc_info=kwargs.get("exc_info"),
            )
            info["message"] = f"Internal server error; quote id {error_id} when reporting it."
        elif isinstance(exc, tornado.web.HTTPError):
            # xcube's ApiError messages are written for clients; keep them.
            info["message"] = exc.log_message or self._reason
        else:
            info["message"] = self._reason
        self.finish({"error": info})

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, _Refused):
            LOG.info("%s %s refused: %s", self.request.method, self.request.path, value.error.code)
        else:
            super().log_exception(typ, value, tb)


class _Refused(tornado.web.HTTPError):
    """Raised from ``prepare``: tornado then calls ``write_error`` with it."""

    def __init__(self, error: OpenEOError):
        super().__init__(error.status, log_message=error.message)
        self.error = error


def install_guard(application: tornado.web.Application) -> int:
    """Make every xcube rule that is not openEO's use :class:`XcubeRouteHandler`.

    Idempotent; returns the number of rules changed.
    """
    changed = 0
    for rule in iter_rules(application.default_router):
        route = rule.target_kwargs.get("api_route") if rule.target_kwargs else None
        if (
            route is not None
            and route.api_name != OPENEO_API
            and rule.target is TornadoRequestHandler
        ):
            rule.target = XcubeRouteHandler
            changed += 1
    return changed


def iter_rules(router: tornado.routing.RuleRouter) -> Iterator[tornado.routing.Rule]:
    for rule in router.rules:
        if isinstance(rule.target, tornado.routing.RuleRouter):
            yield from iter_rules(rule.target)
        else:
            yield rule
