"""Routes: ``/credentials/basic``, ``/credentials/oidc``, ``/me``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import tornado.ioloop

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.auth import controllers
from xcube_openeo.auth.accounts import LOGIN_EXECUTOR
from xcube_openeo.auth.throttle import client_address
from xcube_openeo.errors import NotFound
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext

P = OPENEO_PREFIX
ROUTES = RouteTable()


@ROUTES.route(P + "/credentials/basic")
class BasicCredentialsHandler(OpenEOHandler["OpenEOContext"]):
    async def get(self):
        accounts = self.ctx.accounts
        headers = self.request.headers
        # The throttle is asked first, on the event loop: refused logins cost no hashing.
        login = accounts.start_basic_login(
            headers.get("Authorization"), self._client_address(accounts.trusted_proxies)
        )
        # scrypt takes ~0.1 s on purpose: off the event loop, in threads of its own, so
        # that token checks (AUTH_EXECUTOR) never wait behind password hashing.
        doc = await tornado.ioloop.IOLoop.current().run_in_executor(
            LOGIN_EXECUTOR, accounts.finish_basic_login, login
        )
        self.response.set_header("Cache-Control", "no-store")
        self.write_json(doc)

    def _client_address(self, trusted_proxies) -> str:
        # xcube's request wraps tornado's, which alone knows the peer's address.
        tornado_request = getattr(self.request, "_request", None)
        remote_ip = getattr(tornado_request, "remote_ip", None)
        headers = self.request.headers
        forwarded = (
            headers.get_list("X-Forwarded-For")
            if hasattr(headers, "get_list")
            else [headers.get("X-Forwarded-For") or ""]
        )
        return client_address(remote_ip, forwarded, trusted_proxies)


@ROUTES.route(P + "/credentials/oidc")
class OidcCredentialsHandler(OpenEOHandler["OpenEOContext"]):
    """Only with OpenID Connect providers configured: the API requires at least one.

    Without providers the endpoint is not in the capabilities and answers 404
    ``NotFound``, as for any endpoint this back-end does not offer.  The API allows 404
    or 501 for unsupported endpoints; 404 because nothing is missing from the software
    (it is the configuration), a 4xx tells clients not to retry, and it is the same
    answer as for every other path we do not serve.
    """

    @staticmethod
    def listed_in(ctx: OpenEOContext) -> bool:
        return bool(ctx.accounts.providers)

    def get(self):
        if not self.listed_in(self.ctx):
            raise NotFound(
                "No OpenID Connect provider is configured: this back-end offers"
                " basic authentication only (GET /credentials/basic)."
            )
        self.write_json(self.ctx.accounts.oidc_providers_document())


@ROUTES.route(P + "/me")
class MeHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        self.write_json(controllers.me(self.ctx, self.require_user(), self.base_url))
