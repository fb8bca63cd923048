"""Route tables: the routes of one package, added to the xcube ``Api`` by the API layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xcube.server.api import Api, ApiHandler


@dataclass(frozen=True)
class _Route:
    path: str
    handler_cls: type[ApiHandler]
    slash: bool
    handler_kwargs: dict[str, Any]


@dataclass
class RouteTable:
    """Routes in the order they were declared (tornado matches in order)."""

    routes: list[_Route] = field(default_factory=list)

    def route(
        self, path: str, slash: bool = False, **handler_kwargs: Any
    ) -> Callable[[type[ApiHandler]], type[ApiHandler]]:
        """Decorator declaring a handler class for ``path``, as ``Api.route`` does."""

        def declare(handler_cls: type[ApiHandler]) -> type[ApiHandler]:
            self.routes.append(_Route(path, handler_cls, slash, handler_kwargs))
            return handler_cls

        return declare

    def add_to(self, api: Api) -> None:
        for r in self.routes:
            api.route(r.path, slash=r.slash, **r.handler_kwargs)(r.handler_cls)
