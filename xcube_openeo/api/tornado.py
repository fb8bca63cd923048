"""Tornado request handling for the openEO routes.

xcube's ``TornadoRequestHandler`` serves every xcube API.  For the openEO routes it
falls short in three ways, all fixed here in one subclass:

* it does not dispatch PATCH (tornado's default ``patch`` answers 405);
* its errors are xcube JSON with tracebacks, not openEO error documents;
* its CORS headers omit PATCH and ``Access-Control-Expose-Headers``.

The subclass also streams the request body so that oversized bodies are refused as
soon as they exceed the configured limit, before they are held in memory or parsed.
An ApiHandler with ``streams_request_body = True`` (file uploads) gets the body
instead through ``start_body_stream(*path_args)`` (returns its size limit),
``receive_body_chunk(chunk)`` and ``end_body_stream()`` (always called at the end,
for clean-up), and enforces its own limits.  ``Authorization`` is checked before dispatch, off the event loop.

xcube creates its tornado rules with its own handler class; :func:`use_openeo_handler`
swaps the class of the openEO API's rules (and only those) after the server has added
them.  xcube offers no hook to choose the handler class per API.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import tornado.ioloop
import tornado.web
from xcube.server.api import ApiHandler
from xcube.server.webservers.tornado import TornadoRequestHandler

from xcube_openeo import __version__
from xcube_openeo.auth.accounts import AUTH_EXECUTOR
from xcube_openeo.errors import (
    BadRequest,
    MethodNotAllowed,
    OpenEOError,
    PayloadTooLarge,
    internal_error,
)
from xcube_openeo.security.guard import iter_rules

if TYPE_CHECKING:
    from xcube_openeo.api.context import OpenEOContext

LOG = logging.getLogger("xcube.openeo")

EXPOSED_HEADERS = "Location, OpenEO-Identifier, OpenEO-Costs, Link"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, X-Requested-With, If-None-Match"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@tornado.web.stream_request_body
class OpenEORequestHandler(TornadoRequestHandler):
    """Dispatches openEO routes: PATCH, openEO errors, CORS, bounded bodies."""

    # xcube's ApiHandler; for openEO routes an OpenEOHandler, whose optional hooks
    # (authenticate, the body stream methods) are looked up with hasattr/getattr.
    _api_handler: Any

    def initialize(self, **kwargs: Any) -> None:
        self._body_chunks: list[bytes] = []
        self._body_size = 0
        self._streaming = False

    @property
    def openeo_ctx(self) -> OpenEOContext:
        return self._api_handler.ctx

    @property
    def max_body_size(self) -> int:
        return self.openeo_ctx.settings.max_request_body_size

    # --- headers -------------------------------------------------------------------

    def set_default_headers(self) -> None:
        self.set_header("Server", f"xcube-openeo/{__version__}")
        origin = "*"
        try:
            origin = self.openeo_ctx.settings.cors_allow_origin
        except AttributeError:  # set_default_headers runs before __init__ has finished
            pass
        self.set_header("Access-Control-Allow-Origin", origin)
        self.set_header("Access-Control-Expose-Headers", EXPOSED_HEADERS)
        self.set_header("Access-Control-Allow-Headers", ALLOWED_HEADERS)
        self.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
        # No Access-Control-Allow-Credentials: the API's CORS table has none, and
        # browsers refuse credentialed requests with a '*' origin anyway; clients send
        # tokens in the Authorization header, which needs no credentials mode.

    # --- request body --------------------------------------------------------------

    async def prepare(self) -> None:
        super().prepare()
        # The ApiHandler may stream its response (large downloads) with this.
        self._api_handler.flush_response = self.flush
        authorization = self.request.headers.get("Authorization", "")
        # Only bearer tokens are checked ahead (basic logins have their own executor);
        # any other scheme fails at once, without a thread.
        if authorization[:7].lower() == "bearer " and hasattr(self._api_handler, "authenticate"):
            # Checking a token may call an OIDC provider: do it once, off the event loop;
            # the handler finds the user (or the error) ready when it asks for it.
            await tornado.ioloop.IOLoop.current().run_in_executor(
                AUTH_EXECUTOR, self._authenticate_quietly
            )
        self._streaming = self.request.method in ("PUT", "POST") and getattr(
            self._api_handler, "streams_request_body", False
        )
        if self._streaming:
            # The ApiHandler takes the body chunk by chunk (file uploads) and enforces
            # its own limits; it may refuse the body here by raising an OpenEOError.
            limit = self._api_handler.start_body_stream(*self.path_args, **self.path_kwargs)
            if limit is not None:
                # tornado's own limit (100 MiB unless configured) would cut larger files
                # off; past the handler's limit plus a margin, stop reading altogether.
                self.request.connection.set_max_body_size(  # type: ignore[union-attr]  # an HTTP1Connection under HTTPServer
                    limit + 1024 * 1024
                )
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.max_body_size:
            self._refuse_body()

    def _authenticate_quietly(self) -> None:
        try:
            self._api_handler.authenticate()
        except OpenEOError:
            pass  # kept by the ApiHandler, raised if the endpoint needs the user

    def on_finish(self) -> None:
        if self._streaming:
            self._api_handler.end_body_stream()

    def on_connection_close(self) -> None:
        if self._streaming:
            self._api_handler.end_body_stream()
        super().on_connection_close()

    def data_received(self, chunk: bytes) -> None:
        if self._streaming:
            self._api_handler.receive_body_chunk(chunk)
            return
        # A body of unannounced size is read to its end but no longer kept once it is
        # too large, so that the client gets the 413 instead of a reset connection.
        self._body_size += len(chunk)
        if self._body_size > self.max_body_size:
            self._body_chunks = []
        else:
            self._body_chunks.append(chunk)

    def _refuse_body(self) -> None:
        # Raised from prepare()/data_received(): tornado then calls write_error.
        raise _BodyTooLarge(self.max_body_size)

    def _finish_body(self) -> None:
        if self._body_chunks:
            self.request.body = b"".join(self._body_chunks)
            self._body_chunks = []

    # --- dispatch --------------------------------------------------------------------

    async def patch(self, *args: Any, **kwargs: Any) -> None:
        await self._call_method("patch", *args, **kwargs)

    async def options(self, *args: Any, **kwargs: Any) -> None:
        methods = allowed_methods(type(self._api_handler))
        self.set_header("Allow", ", ".join(["OPTIONS", *methods]))
        self.set_header("Access-Control-Allow-Methods", ", ".join(["OPTIONS", *methods]))
        self.set_status(204)
        self.finish()

    async def _call_method(self, method_name: str, *args: Any, **kwargs: Any) -> None:
        if not self._streaming and self._body_size > self.max_body_size:
            self.send_openeo_error(_BodyTooLarge(self.max_body_size))
            return
        self._finish_body()
        method = getattr(self._api_handler, method_name, None)
        if method is None or method_name not in allowed_methods(
            type(self._api_handler), lower=True
        ):
            self.send_openeo_error(
                MethodNotAllowed(f"Method {method_name.upper()} is not allowed for this path.")
            )
            return
        try:
            result = method(*args, **kwargs)
            if hasattr(result, "__await__"):
                await result
        except OpenEOError as e:
            self.send_openeo_error(e)
        except Exception as e:  # every other failure: no traceback to the client
            self.send_openeo_error(internal_error(self._internal_message(), e))

    # --- errors ----------------------------------------------------------------------

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Client errors raised before dispatch (e.g. an oversized body) are no server
        # failures: log them briefly, without a traceback.
        if isinstance(value, OpenEOError) and value.status < 500:
            LOG.info(
                "%s %s: %s %s", self.request.method, self.request.path, value.code, value.message
            )
        else:
            super().log_exception(typ, value, tb)

    def send_openeo_error(self, error: OpenEOError) -> None:
        if self._finished:
            return
        self.clear()
        self.set_status(error.status)
        for name, value in error.headers.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(error.to_json())

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors raised by tornado itself (or from prepare/data_received)."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, OpenEOError):
            error = exc
        elif status_code == 405:
            error = MethodNotAllowed(f"Method {self.request.method} is not allowed for this path.")
        elif status_code < 500:
            reason = exc.log_message if isinstance(exc, tornado.web.HTTPError) else None
            error = BadRequest(reason or self._reason, status=status_code)
        else:
            error = internal_error(self._internal_message(), exc)
        self.send_openeo_error(error)

    def _internal_message(self) -> str:
        return (
            f"An unexpected error occurred in {self.request.method} {self.request.path};"
            " quote the error id when reporting it."
        )


class _BodyTooLarge(PayloadTooLarge):
    def __init__(self, limit: int):
        super().__init__(f"The request body exceeds the limit of {limit} bytes.")


def allowed_methods(handler_cls: type, lower: bool = False) -> list[str]:
    """The HTTP methods an openEO ApiHandler class implements itself (not inherited
    from xcube's ApiHandler, whose defaults only refuse)."""
    names = [
        name
        for name in HTTP_METHODS
        if getattr(handler_cls, name, None) is not None
        and getattr(handler_cls, name) is not getattr(ApiHandler, name, None)
    ]
    return names if lower else [name.upper() for name in names]


def use_openeo_handler(application: tornado.web.Application, api_name: str) -> int:
    """Make the tornado rules of the API ``api_name`` use :class:`OpenEORequestHandler`.

    Idempotent; returns the number of rules changed.
    """
    changed = 0
    for rule in iter_rules(application.default_router):
        route = rule.target_kwargs.get("api_route") if rule.target_kwargs else None
        if (
            route is not None
            and route.api_name == api_name
            and rule.target is TornadoRequestHandler
        ):
            rule.target = OpenEORequestHandler
            changed += 1
    return changed
