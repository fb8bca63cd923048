"""Settings of ``OpenEO.Security``: who may call xcube's own APIs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xcube.util.jsonschema import JsonArraySchema, JsonObjectSchema, JsonStringSchema

from xcube_openeo.security.exposure import Exposure
from xcube_openeo.settings import setting


@dataclass(frozen=True)
class SecuritySettings:
    xcube_apis: Mapping[str, str] | None = setting(
        None,
        "exposure of xcube's own APIs by name: `public`, `user` (any openEO token), `admin`;"
        " opening a dangerous one logs a loud warning (better: exclude unneeded APIs with"
        " the server's `api_spec.excludes`)",
        schema=JsonObjectSchema(
            additional_properties=JsonStringSchema(enum=[e.value for e in Exposure])
        ),
        shown="see [Security](#security)",
    )
    admins: tuple[str, ...] = setting(
        (),
        "openEO user ids allowed on `admin` routes (xcube's `/maintenance/*`, and dangerous"
        " APIs left enabled)",
        schema=JsonArraySchema(items=JsonStringSchema(min_length=1)),
    )
