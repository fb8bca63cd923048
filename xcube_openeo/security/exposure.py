"""Who may call each of xcube's own APIs on a server that also serves openEO.

Every xcube API gets one :class:`Exposure`: ``public`` (anyone), ``user`` (a valid openEO
token) or ``admin`` (a valid openEO token of a user listed in ``Security.Admins``). The
defaults below say why for each API; ``OpenEO.Security.XcubeApis`` changes them per API.
Route rules (maintenance) are fixed: no configuration opens them to anonymous callers.
APIs this table does not know (other plugins) are ``admin`` until configured otherwise,
so that a new plugin never opens a door silently.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The API name of this plugin; its routes enforce their own authentication.
OPENEO_API = "openeo"


class Exposure(enum.Enum):
    PUBLIC = "public"
    USER = "user"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Exposure).index(self)


@dataclass(frozen=True)
class ApiRule:
    exposure: Exposure
    #: What the API can do to the server, for start-up warnings and the README.
    reason: str


# Bounded, read-only APIs over the configured datasets: open, as xcube serves them.
_PUBLIC = {
    "auth": "the viewer's authentication settings",
    "meta": "server information and the OpenAPI document (maintenance routes: admin)",
    "datasets": "metadata of the configured datasets; openEO requires it",
    "places": "the configured place groups",
    "styles": "the configured colour styles",
    "tiles": "single map tiles of configured datasets",
    "ows.wmts": "WMTS capabilities and single tiles of configured datasets",
    "ows.stac": "STAC metadata of configured datasets",
    "viewer": "the viewer's web app and its configuration (stored states: users)",
}
# APIs that can read files, alter datasets or run unbounded work (seen in xcube 1.14).
_DANGEROUS = {
    "s3": "serves dataset files; its keys follow '..' out of the dataset folder"
    " (arbitrary file read)",
    "expressions": "evaluates expressions on the event loop; an integer power freezes"
    " the whole server",
    "compute": "runs operations that write datasets, replacing collections for everyone",
    "timeseries": "computes over whole datasets and geometries of any size",
    "statistics": "computes over geometries of any size",
    "volumes": "renders whole 3-D variables",
    "ows.coverages": "renders coverages of any requested size",
}
DEFAULT_RULES: dict[str, ApiRule] = {
    **{name: ApiRule(Exposure.PUBLIC, why) for name, why in _PUBLIC.items()},
    **{name: ApiRule(Exposure.ADMIN, why) for name, why in _DANGEROUS.items()},
}
UNKNOWN_API_RULE = ApiRule(Exposure.ADMIN, "an API this back-end does not know")

#: Routes (path prefixes below xcube's url_prefix) stricter than their API, always.
ROUTE_RULES: tuple[tuple[str, ApiRule], ...] = (
    ("/maintenance/", ApiRule(Exposure.ADMIN, "stops, reloads, fails or exhausts the server")),
    ("/viewer/state", ApiRule(Exposure.USER, "stores viewer states on the server")),
)


@dataclass(frozen=True)
class ExposurePolicy:
    """The exposure of every xcube API and route of one server configuration."""

    #: Exposure by API name, for the APIs the server serves (openEO excluded).
    apis: Mapping[str, Exposure]
    #: Ids of the openEO users who may call ``admin`` routes.
    admins: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_config(
        cls, security: Mapping[str, Any] | None, api_names: Iterable[str]
    ) -> ExposurePolicy:
        security = security or {}
        return cls.configured(
            security.get("XcubeApis") or {}, security.get("Admins") or (), api_names
        )

    @classmethod
    def configured(
        cls, xcube_apis: Mapping[str, str], admins: Iterable[str], api_names: Iterable[str]
    ) -> ExposurePolicy:
        """The policy of ``Security.XcubeApis`` and ``Security.Admins`` for ``api_names``."""
        apis = {
            name: Exposure(xcube_apis[name]) if name in xcube_apis else rule_of(name).exposure
            for name in api_names
            if name != OPENEO_API
        }
        return cls(apis=apis, admins=frozenset(admins))

    def exposure(self, api_name: str, path: str) -> Exposure:
        """Who may call ``path`` (relative to xcube's url_prefix) of ``api_name``."""
        exposure = self.apis.get(api_name, UNKNOWN_API_RULE.exposure)
        for prefix, rule in ROUTE_RULES:
            if path.startswith(prefix) and rule.exposure.rank > exposure.rank:
                exposure = rule.exposure
        return exposure

    def opened(self) -> dict[str, ApiRule]:
        """Served APIs opened wider than their default: each deserves a loud warning."""
        return {
            name: rule_of(name)
            for name, exposure in self.apis.items()
            if exposure.rank < rule_of(name).exposure.rank
        }

    def guarded(self) -> dict[str, Exposure]:
        """Served APIs that only users or admins may call."""
        return {name: e for name, e in self.apis.items() if e is not Exposure.PUBLIC}


def rule_of(api_name: str) -> ApiRule:
    return DEFAULT_RULES.get(api_name, UNKNOWN_API_RULE)
