"""Settings of ``OpenEO.Authentication``: users, OpenID Connect providers, login throttle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xcube.util.jsonschema import (
    JsonArraySchema,
    JsonIntegerSchema,
    JsonNumberSchema,
    JsonObjectSchema,
    JsonStringSchema,
)

from xcube_openeo.settings import section, setting

_USER = JsonObjectSchema(
    properties=dict(
        Id=JsonStringSchema(pattern=r"^\w{1,64}$", description="User id (letters, digits, _)."),
        Name=JsonStringSchema(),
        Password=JsonStringSchema(
            description="scrypt hash of the password (`xcube-openeo hash-password`);"
            " plain passwords are refused."
        ),
        Quota=JsonIntegerSchema(minimum=0, description="Storage quota in bytes."),
        Budget=JsonNumberSchema(),
        Plan=JsonStringSchema(),
    ),
    required=["Id", "Password"],
    additional_properties=False,
)

#: The grant types the openEO API allows for default clients.
GRANT_TYPES = [
    "implicit",
    "authorization_code",
    "authorization_code+pkce",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:device_code+pkce",
    "refresh_token",
]

_OIDC_CLIENT = JsonObjectSchema(
    properties=dict(
        Id=JsonStringSchema(),
        GrantTypes=JsonArraySchema(items=JsonStringSchema(enum=GRANT_TYPES)),
        RedirectUrls=JsonArraySchema(items=JsonStringSchema()),
    ),
    required=["Id", "GrantTypes"],
    additional_properties=False,
)

#: Asymmetric algorithms only: with a symmetric one, anyone holding the provider's
#: public key could sign tokens (the HS256-with-public-key confusion).
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
)
#: Userinfo answers for opaque tokens are reused for at most this long.
MAX_USERINFO_CACHE_SECONDS = 15 * 60


@dataclass(frozen=True)
class OidcProviderSettings:
    """One entry of ``Authentication.OidcProviders``."""

    id: str | None = setting(
        None, "provider id (letters, digits, _), in bearer tokens", required=True, pattern=r"^\w+$"
    )
    issuer: str | None = setting(
        None, "issuer URL; its `/.well-known/openid-configuration` is used", required=True
    )
    title: str | None = setting(None, "shown by clients", shown="the `Id`")
    description: str | None = setting(None, "shown by clients")
    scopes: tuple[str, ...] = setting(("openid",), "scopes clients request")
    default_clients: tuple[Mapping[str, Any], ...] = setting(
        (),
        "clients offered to users (`Id`, `GrantTypes`, `RedirectUrls`)",
        schema=JsonArraySchema(items=_OIDC_CLIENT),
    )
    audience: str | None = setting(None, "required `aud` of access tokens (none: not checked)")
    algorithms: tuple[str, ...] = setting(
        ASYMMETRIC_ALGORITHMS,
        "accepted JWT algorithms (asymmetric only)",
        shown="the asymmetric ones (`RS*`, `PS*`, `ES*`)",
    )
    clock_skew: float = setting(60.0, "seconds of clock skew allowed", minimum=0)
    userinfo_cache_seconds: float = setting(
        300.0,
        "seconds userinfo answers (of opaque tokens) are reused, at most"
        f" {MAX_USERINFO_CACHE_SECONDS}",
        minimum=0,
        maximum=MAX_USERINFO_CACHE_SECONDS,
    )
    jwks_refresh_interval: float = setting(
        60.0,
        "least seconds between two key set downloads caused by unknown key ids",
        minimum=0,
    )


@dataclass(frozen=True)
class LoginThrottleSettings:
    """Throttling of failed basic logins (``auth/throttle.py``)."""

    user_failures: int = setting(5, "failed logins per user id within `Window`", minimum=1)
    address_failures: int = setting(
        20, "failed logins per client address within `Window`", minimum=1
    )
    window: float = setting(60.0, "seconds failures are counted", minimum=1, unit="seconds")
    lockout: float = setting(
        60.0,
        "seconds of the first lockout; each further lockout of the same user or address"
        " lasts twice as long",
        minimum=1,
        unit="seconds",
    )
    max_lockout: float = setting(900.0, "longest lockout in seconds", minimum=1, unit="seconds")
    max_tracked_keys: int = setting(
        10_000, "user ids and addresses tracked each (bounded memory)", minimum=1
    )
    max_queued: int = setting(
        64,
        "logins that may wait for their password check at once; more get 503 `InfrastructureBusy`",
        minimum=1,
    )


@dataclass(frozen=True)
class AuthenticationSettings:
    users: tuple[Mapping[str, Any], ...] = setting(
        (),
        "`Id`, `Name`, `Password` (a scrypt hash; plain passwords stop the server), `Quota`,"
        " `Budget`, `Plan`",
        schema=JsonArraySchema(items=_USER),
    )
    users_file: str | None = setting(None, "a YAML/JSON file with more users (a list like `Users`)")
    basic_token_lifetime: int = setting(
        24 * 3600, "seconds a basic-auth token is valid", minimum=60, unit="seconds"
    )
    oidc_providers: tuple[OidcProviderSettings, ...] = setting(
        (), "OpenID Connect providers", items=OidcProviderSettings
    )
    http_timeout: float = setting(
        5.0, "seconds of timeout of every call to an identity provider", minimum=0.1
    )
    login_throttle: LoginThrottleSettings = section(
        LoginThrottleSettings,
        "failed basic logins counted per user id and per client address; past a limit every"
        " login of that user or from that address gets 429 `TooManyRequests` with"
        " `Retry-After`, before any password is hashed, for `Lockout` seconds, doubling with"
        " each further lockout up to `MaxLockout`; a successful login clears the user's count",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "addresses or networks (CIDR) of reverse proxies whose `X-Forwarded-For` names the"
        " client for the login throttle; without it the header is ignored, and behind a proxy"
        " all clients share the proxy's address (leave xcube's `tornado.xheaders` off: it"
        " takes the header from any client)",
    )
