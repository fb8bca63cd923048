"""The parts of xcube's server that are no public API but that the plugin relies on.

``xcube_openeo/api/tornado.py`` and ``xcube_openeo/security/guard.py`` subclass xcube's
``TornadoRequestHandler`` and swap the handler class of its tornado rules; the context
finds the tornado application through the server context.  When a new xcube release
changes any of this, these tests say what changed, before a server misbehaves; only then
may the upper bound of ``xcube-core`` in ``pyproject.toml`` be raised.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import re
from pathlib import Path
from unittest import mock

import pytest
import tornado.httputil
import tornado.web
from packaging.requirements import Requirement
from xcube.server.api import ApiHandler, ApiRoute
from xcube.server.server import Server
from xcube.server.webservers.tornado import TornadoFramework, TornadoRequestHandler
from xcube.util.plugin import get_extension_registry

from xcube_openeo.api.tornado import HTTP_METHODS, OpenEORequestHandler
from xcube_openeo.security.guard import XcubeRouteHandler, iter_rules

REPO = Path(__file__).resolve().parents[2]
APIS = ["auth", "meta", "places", "datasets", "openeo"]


def require(condition: object, what: str) -> None:
    """Fails naming the xcube internal that changed."""
    if not condition:
        pytest.fail(
            f"xcube {importlib.metadata.version('xcube-core')} changed an internal the plugin"
            f" relies on: {what}. Adapt xcube_openeo/api/tornado.py and"
            " xcube_openeo/security/guard.py before raising the bound in pyproject.toml.",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server built but not started: routes added, contexts created."""
    config = {
        "api_spec": {"includes": APIS},
        "OpenEO": {"DataDir": str(tmp_path_factory.mktemp("internals-state"))},
    }
    return Server(TornadoFramework(), config, get_extension_registry())


def rules_with_route(server: Server) -> list:
    application = server.framework.application
    return [
        rule
        for rule in iter_rules(application.default_router)
        if rule.target_kwargs and "api_route" in rule.target_kwargs
    ]


def test_installed_xcube_is_within_the_declared_bounds():
    # A regular expression, not tomllib: Python 3.10 has none.
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    (declared,) = [Requirement(r) for r in re.findall(r'^\s*"(xcube-core[^"]*)",', pyproject, re.M)]
    upper = [s for s in declared.specifier if s.operator in ("<", "<=")]
    assert upper, "xcube-core needs an upper bound: the plugin relies on its internals"
    installed = importlib.metadata.version("xcube-core")
    assert declared.specifier.contains(installed), (installed, str(declared.specifier))


def test_load_apis_honours_api_spec():
    def names(spec: dict) -> set[str]:
        return {api.name for api in Server.load_apis({"api_spec": spec})}

    require(names({"includes": APIS}) == set(APIS), "Server.load_apis and api_spec.includes")
    require(
        names({"includes": APIS + ["s3"], "excludes": ["s3"]}) == set(APIS),
        "Server.load_apis and api_spec.excludes",
    )


def test_the_application_is_reachable_from_the_server_context(server: Server):
    require(server.ctx.server is server, "ServerContext.server")
    require(
        isinstance(server.framework.application, tornado.web.Application),
        "TornadoFramework.application",
    )


def test_rules_carry_their_api_route_and_the_plugin_swapped_their_handler(server: Server):
    rules = rules_with_route(server)
    require(rules, "tornado rules with target_kwargs['api_route']")
    for rule in rules:
        route = rule.target_kwargs["api_route"]
        require(isinstance(route, ApiRoute), "api_route is an ApiRoute")
        require(
            isinstance(route.api_name, str) and isinstance(route.path, str),
            "ApiRoute.api_name and ApiRoute.path",
        )
    # The context swapped every rule xcube made with TornadoRequestHandler: each is ours.
    targets = {rule.target_kwargs["api_route"].api_name: rule.target for rule in rules}
    require(
        targets.pop("openeo") is OpenEORequestHandler,
        "rule targets are TornadoRequestHandler (openEO rules not swapped)",
    )
    require(
        targets and set(targets.values()) == {XcubeRouteHandler},
        "rule targets are TornadoRequestHandler (xcube rules not swapped)",
    )


def test_handler_init_takes_api_route_and_sets_api_handler(server: Server):
    params = list(inspect.signature(TornadoRequestHandler.__init__).parameters.values())
    require(
        [p.name for p in params[:3]] == ["self", "application", "request"]
        and params[-1].kind is inspect.Parameter.VAR_KEYWORD,
        "TornadoRequestHandler.__init__(application, request, **kwargs)",
    )
    (rule,) = [
        r
        for r in rules_with_route(server)
        if r.target_kwargs["api_route"].path == "/.well-known/openeo"
    ]
    route = rule.target_kwargs["api_route"]
    request = tornado.httputil.HTTPServerRequest(
        method="GET", uri="/.well-known/openeo", connection=mock.MagicMock()
    )
    handler = OpenEORequestHandler(server.framework.application, request, **rule.target_kwargs)
    api_handler = getattr(handler, "_api_handler", None)
    require(isinstance(api_handler, route.handler_cls), "TornadoRequestHandler._api_handler")
    require(
        api_handler.ctx is server.ctx.get_api_ctx("openeo"),
        "ApiHandler.ctx is the API's context",
    )
    require(handler.server_ctx is server.ctx, "TornadoRequestHandler.server_ctx")


def test_http_methods_dispatch_through_call_method():
    calls = []

    class Recording(TornadoRequestHandler):
        def __init__(self) -> None:  # no tornado set-up: only dispatch is looked at
            pass

        async def _call_method(self, method_name: str, *args, **kwargs) -> None:
            calls.append((method_name, args))

    handler = Recording()
    for name in ("get", "post", "put", "delete"):
        asyncio.run(getattr(handler, name)("a"))
    require(
        calls == [(name, ("a",)) for name in ("get", "post", "put", "delete")],
        "TornadoRequestHandler.get/post/put/delete call _call_method(name, *args)",
    )


def test_overridden_methods_exist_with_the_shapes_we_call():
    require(
        not inspect.iscoroutinefunction(TornadoRequestHandler.prepare),
        "TornadoRequestHandler.prepare is synchronous (called without await)",
    )
    require(
        "write_error" in vars(TornadoRequestHandler),
        "TornadoRequestHandler.write_error (xcube's, with tracebacks, is replaced)",
    )
    for name in HTTP_METHODS:
        if name != "patch":
            require(callable(getattr(ApiHandler, name, None)), f"ApiHandler.{name}")
    require(not hasattr(ApiHandler, "patch"), "ApiHandler has no default patch")
