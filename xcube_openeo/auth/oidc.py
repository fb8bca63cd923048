"""OpenID Connect: configured providers and validation of their access tokens.

JWT access tokens are checked locally with python-jose against the provider's JWKS
(found through its discovery document); opaque tokens are checked at the provider's
userinfo endpoint.  Discovery documents, key sets and userinfo answers are cached per
process (module level), so a configuration reload does not empty them.  Every
outgoing call has a timeout: an unreachable provider is an error, never a hang.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from jose import jwk, jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from xcube_openeo.auth.config import (
    ASYMMETRIC_ALGORITHMS,
    MAX_USERINFO_CACHE_SECONDS,
    AuthenticationSettings,
    OidcProviderSettings,
)
from xcube_openeo.auth.users import AccountsConfigError, User
from xcube_openeo.errors import OpenEOError

_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
#: The defaults of every provider setting.
_DEFAULTS = OidcProviderSettings()
# ASCII: user ids must match the API's pattern (JavaScript \w) and be safe folder names.
_PROVIDER_ID = re.compile(r"^\w+$", re.ASCII)
_SAFE_SUB = re.compile(r"^[\w\-.~]{1,128}$", re.ASCII)


def token_invalid(reason: str) -> OpenEOError:
    return OpenEOError("TokenInvalid", f"The OpenID Connect access token is invalid: {reason}")


def provider_unavailable(provider_id: str, reason: str) -> OpenEOError:
    # Back-end specific code: the openEO error list has none for an unreachable IdP.
    return OpenEOError(
        "IdentityProviderUnavailable",
        f"The OpenID Connect provider {provider_id!r} cannot be reached: {reason}",
        status=503,
    )


@dataclass(frozen=True)
class OidcProvider:
    id: str
    issuer: str
    title: str
    scopes: tuple[str, ...] = _DEFAULTS.scopes
    description: str | None = None
    default_clients: tuple[Mapping[str, Any], ...] = ()
    #: Required ``aud`` of access tokens (None: not checked).
    audience: str | None = None
    algorithms: tuple[str, ...] = _DEFAULTS.algorithms
    clock_skew: float = _DEFAULTS.clock_skew
    userinfo_cache_seconds: float = _DEFAULTS.userinfo_cache_seconds
    #: Smallest interval between two JWKS downloads caused by unknown key ids.
    jwks_refresh_interval: float = _DEFAULTS.jwks_refresh_interval
    timeout: float = AuthenticationSettings().http_timeout

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "issuer": self.issuer,
            "title": self.title,
            "scopes": list(self.scopes),
        }
        if self.description:
            doc["description"] = self.description
        if self.default_clients:
            doc["default_clients"] = [
                {
                    "id": c["Id"],
                    "grant_types": list(c.get("GrantTypes") or []),
                    **({"redirect_urls": list(c["RedirectUrls"])} if c.get("RedirectUrls") else {}),
                }
                for c in self.default_clients
            ]
        return doc


def load_providers(settings: AuthenticationSettings) -> dict[str, OidcProvider]:
    providers: dict[str, OidcProvider] = {}
    for entry in settings.oidc_providers:
        pid = entry.id
        if not isinstance(pid, str) or not _PROVIDER_ID.match(pid):
            raise AccountsConfigError(
                f"OIDC provider id {pid!r} must be a word (letters, digits, _)."
            )
        if pid in providers:
            raise AccountsConfigError(f"OIDC provider {pid!r} is configured twice.")
        if not entry.issuer:
            raise AccountsConfigError(f"OIDC provider {pid!r} has no Issuer.")
        # Empty lists mean the defaults, as absent ones do.
        algorithms = entry.algorithms or _DEFAULTS.algorithms
        unsupported = [a for a in algorithms if a[:2] not in _KEY_TYPES]
        if unsupported:
            raise AccountsConfigError(
                f"OIDC provider {pid!r}: algorithms {unsupported} are not allowed;"
                f" use asymmetric ones ({', '.join(ASYMMETRIC_ALGORITHMS)})."
            )
        providers[pid] = OidcProvider(
            id=pid,
            issuer=entry.issuer,
            title=entry.title or pid,
            description=entry.description,
            scopes=entry.scopes or _DEFAULTS.scopes,
            default_clients=entry.default_clients,
            audience=entry.audience,
            algorithms=algorithms,
            clock_skew=entry.clock_skew,
            userinfo_cache_seconds=min(entry.userinfo_cache_seconds, MAX_USERINFO_CACHE_SECONDS),
            jwks_refresh_interval=entry.jwks_refresh_interval,
            timeout=settings.http_timeout,
        )
    return providers


def user_id_for(provider_id: str, sub: str) -> str:
    """Stable user id from provider and subject.

    Provider ids are words (no '-'), so the first '-' separates the two parts and
    different (provider, sub) pairs never share an id.  Subjects with other characters
    are hashed, keeping ids safe as folder names.
    """
    if _SAFE_SUB.match(sub):
        return f"{provider_id}-{sub}"
    return f"{provider_id}-h{hashlib.sha256(sub.encode('utf-8')).hexdigest()[:40]}"


class _ProviderState:
    """Discovery document and key set of one issuer, refreshed on demand."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.discovery: dict[str, Any] | None = None
        self.keys: list[dict[str, Any]] = []
        self.keys_fetched_at = float("-inf")


_STATES: dict[str, _ProviderState] = {}
_STATES_LOCK = threading.Lock()
_USERINFO_CACHE: dict[str, tuple[float, dict[str, Any]]] = {}
_USERINFO_LOCK = threading.Lock()


def _state(provider: OidcProvider) -> _ProviderState:
    with _STATES_LOCK:
        return _STATES.setdefault(provider.issuer, _ProviderState())


def clear_caches() -> None:
    with _STATES_LOCK:
        _STATES.clear()
    with _USERINFO_LOCK:
        _USERINFO_CACHE.clear()


class OidcValidator:
    def __init__(self, provider: OidcProvider):
        self.provider = provider

    # --- outgoing calls --------------------------------------------------------------

    def _get_json(self, url: str, headers: Mapping[str, str] | None = None) -> requests.Response:
        try:
            return requests.get(
                url,
                headers=dict(headers or {}),
                timeout=self.provider.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as e:
            raise provider_unavailable(self.provider.id, type(e).__name__) from None

    def discovery(self) -> dict[str, Any]:
        state = _state(self.provider)
        with state.lock:
            if state.discovery is None:
                response = self._get_json(self.provider.discovery_url)
                doc = _json_object(response, self.provider.id, "discovery document")
                if str(doc.get("issuer", "")).rstrip("/") != self.provider.issuer.rstrip("/"):
                    raise provider_unavailable(
                        self.provider.id, "its discovery document names another issuer"
                    )
                state.discovery = doc
            return state.discovery

    def _keys(self, refresh: bool) -> list[dict[str, Any]]:
        jwks_uri = self.discovery().get("jwks_uri")
        if not jwks_uri:
            raise provider_unavailable(self.provider.id, "its discovery document has no jwks_uri")
        state = _state(self.provider)
        with state.lock:
            age = time.monotonic() - state.keys_fetched_at
            stale = age == float("inf") or (refresh and age >= self.provider.jwks_refresh_interval)
            if stale:
                doc = _json_object(self._get_json(jwks_uri), self.provider.id, "key set")
                keys = doc.get("keys")
                state.keys = (
                    [k for k in keys if isinstance(k, dict)] if isinstance(keys, list) else []
                )
                state.keys_fetched_at = time.monotonic()
            return state.keys

    # --- validation --------------------------------------------------------------------

    def authenticate(self, token: str) -> User:
        if _looks_like_jwt(token):
            claims = self._validate_jwt(token)
        else:
            claims = self._userinfo(token)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise token_invalid("it names no subject ('sub').")
        name = next(
            (
                claims[k]
                for k in ("name", "preferred_username", "email")
                if isinstance(claims.get(k), str)
            ),
            sub,
        )
        return User(
            user_id=user_id_for(self.provider.id, sub), name=name, provider=self.provider.id
        )

    def _validate_jwt(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise token_invalid("its header cannot be read.") from None
        alg = header.get("alg")
        if alg not in self.provider.algorithms:
            raise token_invalid(f"algorithm {alg!r} is not accepted.")
        key = self._key_for(header.get("kid"), alg)
        # Tokens name the issuer exactly as the discovery document does (OIDC Discovery
        # 1.0, section 4.3), which may differ from the configured URL by a final '/'.
        issuer = str(self.discovery()["issuer"])
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.provider.audience,
                issuer=issuer,
                options={
                    "verify_aud": self.provider.audience is not None,
                    "require_aud": self.provider.audience is not None,
                    "require_exp": True,
                    "require_iss": True,
                    "require_sub": True,
                    "verify_at_hash": False,
                    "leeway": self.provider.clock_skew,
                },
            )
        except ExpiredSignatureError:
            raise token_invalid("it has expired.") from None
        except JWTClaimsError as e:
            raise token_invalid(f"{e}.") from None
        except JWTError as e:
            raise token_invalid(f"{e}.") from None

    def _key_for(self, kid: Any, alg: str) -> Any:
        for refresh in (False, True):
            matches = [k for k in self._keys(refresh) if _key_matches(k, kid, alg)]
            if len(matches) == 1:
                try:
                    return jwk.construct(matches[0], algorithm=alg)
                except Exception:  # jose raises several types for unusable keys
                    raise token_invalid("the provider's signing key cannot be used.") from None
            if len(matches) > 1:
                raise token_invalid("its key id does not identify one key.")
        raise token_invalid(f"no key of the provider has the key id {kid!r}.")

    def _userinfo(self, token: str) -> dict[str, Any]:
        cache_key = hashlib.sha256(f"{self.provider.id}\0{token}".encode()).hexdigest()
        now = time.monotonic()
        with _USERINFO_LOCK:
            hit = _USERINFO_CACHE.get(cache_key)
            if hit and hit[0] > now:
                return hit[1]
        endpoint = self.discovery().get("userinfo_endpoint")
        if not endpoint:
            raise token_invalid("it is not a JWT and the provider has no userinfo endpoint.")
        response = self._get_json(endpoint, {"Authorization": f"Bearer {token}"})
        if response.status_code in (400, 401, 403):
            raise token_invalid("the provider does not accept it.")
        claims = _json_object(response, self.provider.id, "userinfo answer")
        with _USERINFO_LOCK:
            # Bounded: drop expired entries whenever the cache grows large.
            if len(_USERINFO_CACHE) > 10_000:
                for k in [k for k, (t, _) in _USERINFO_CACHE.items() if t <= now]:
                    del _USERINFO_CACHE[k]
            _USERINFO_CACHE[cache_key] = (now + self.provider.userinfo_cache_seconds, claims)
        return claims


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and all(token.split("."))


def _key_matches(key: Mapping[str, Any], kid: Any, alg: str) -> bool:
    if key.get("use", "sig") != "sig":
        return False
    if key.get("kty") != _KEY_TYPES.get(alg[:2]):
        return False
    if key.get("alg") not in (None, alg):
        return False
    return kid is None or key.get("kid") == kid


def _json_object(response: requests.Response, provider_id: str, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise provider_unavailable(provider_id, f"its {what} answered HTTP {response.status_code}")
    try:
        doc = response.json()
    except (ValueError, json.JSONDecodeError):
        raise provider_unavailable(provider_id, f"its {what} is not JSON") from None
    if not isinstance(doc, dict):
        raise provider_unavailable(provider_id, f"its {what} is not a JSON object")
    return doc
