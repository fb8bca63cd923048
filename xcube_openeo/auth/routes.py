"""Routes: ``/credentials/basic``, ``/credentials/oidc``, ``/me``."""

from __future__ import annotations

import tornado.ioloop

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.api.api import api
from xcube_openeo.api.context import OpenEOContext
from xcube_openeo.api.handler import OpenEOHandler
from xcube_openeo.auth import controllers
from xcube_openeo.auth.accounts import AUTH_EXECUTOR

P = OPENEO_PREFIX


@api.route(P + "/credentials/basic")
class BasicCredentialsHandler(OpenEOHandler[OpenEOContext]):
    async def get(self):
        # scrypt takes ~0.1 s on purpose: keep it off the event loop.
        header = self.request.headers.get("Authorization")
        doc = await tornado.ioloop.IOLoop.current().run_in_executor(
            AUTH_EXECUTOR, self.ctx.accounts.login_basic, header)
        self.response.set_header("Cache-Control", "no-store")
        self.write_json(doc)


@api.route(P + "/credentials/oidc")
class OidcCredentialsHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        self.write_json(self.ctx.accounts.oidc_providers_document())


@api.route(P + "/me")
class MeHandler(OpenEOHandler[OpenEOContext]):
    def get(self):
        self.write_json(controllers.me(self.ctx, self.require_user(), self.base_url))
