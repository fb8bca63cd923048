"""The accounts component: who is calling (Authorization headers) and basic logins."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from xcube_openeo.auth.oidc import OidcProvider, OidcValidator, load_providers, token_invalid
from xcube_openeo.auth.passwords import dummy_verify, verify_password
from xcube_openeo.auth.tokens import BasicTokens
from xcube_openeo.auth.users import BasicUser, User, load_basic_users
from xcube_openeo.errors import AuthenticationRequired, OpenEOError
from xcube_openeo.store import Store

LOG = logging.getLogger("xcube.openeo.auth")
#: Threads for checking credentials (scrypt, calls to OIDC providers), apart from the
#: shared default executor: a slow provider or a flood of logins cannot starve the
#: threads that other requests (e.g. synchronous processing) compute in.
AUTH_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="openeo-auth")
DEFAULT_TOKEN_LIFETIME = 24 * 3600
_MAX_HEADER = 16 * 1024


def scheme_invalid(detail: str) -> OpenEOError:
    return OpenEOError(
        "AuthenticationSchemeInvalid",
        f"{detail} Send 'Authorization: Bearer basic//<token>' (from GET /credentials/basic)"
        " or 'Bearer oidc/<provider id>/<access token>'.",
    )


class Accounts:
    def __init__(self, store: Store, auth_config: Mapping[str, Any]):
        self.store = store
        self.users: dict[str, BasicUser] = load_basic_users(auth_config)
        self.providers: dict[str, OidcProvider] = load_providers(auth_config)
        lifetime = int(auth_config.get("BasicTokenLifetime", DEFAULT_TOKEN_LIFETIME))
        self.tokens = BasicTokens(store, dt.timedelta(seconds=lifetime))

    # --- who is calling --------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> User | None:
        """The user an ``Authorization`` header names; None without a header.

        May block on the network (OIDC): call it off the event loop.
        """
        if authorization is None or not authorization.strip():
            return None
        if len(authorization) > _MAX_HEADER:
            raise scheme_invalid("The Authorization header is too long.")
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials:
            raise scheme_invalid(f"Authentication scheme {scheme!r} is not supported here.")
        method, sep1, rest = credentials.strip().partition("/")
        provider_id, sep2, token = rest.partition("/")
        if not (sep1 and sep2 and token):
            raise scheme_invalid("The bearer token is not of the form '<method>/<provider>/<token>'.")
        if method == "basic":
            if provider_id:
                raise scheme_invalid("Basic tokens have an empty provider: 'basic//<token>'.")
            return self._basic_token_user(token)
        if method == "oidc":
            provider = self.providers.get(provider_id)
            if provider is None:
                raise token_invalid(f"no OpenID Connect provider {provider_id!r} is configured.")
            return OidcValidator(provider).authenticate(token)
        raise scheme_invalid(f"Authentication method {method!r} is not supported.")

    def _basic_token_user(self, token: str) -> User:
        user_id = self.tokens.user_id_of(token)
        # A token of a user removed from the configuration is void as well.
        if user_id is None or user_id not in self.users:
            raise OpenEOError("TokenInvalid", "The access token is invalid or has expired;"
                              " get a new one from GET /credentials/basic.")
        return self.users[user_id].user

    # --- basic login ------------------------------------------------------------------

    def login_basic(self, authorization: str | None) -> dict[str, str]:
        """Checks HTTP basic credentials; returns the ``/credentials/basic`` document.

        Slow on purpose (scrypt): call it off the event loop.
        """
        if not authorization:
            raise AuthenticationRequired(
                "Send your user name and password with HTTP basic authentication.",
                headers={"WWW-Authenticate": 'Basic realm="openEO"'},
            )
        scheme, _, encoded = authorization.strip().partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise OpenEOError("AuthenticationSchemeInvalid",
                              "GET /credentials/basic expects HTTP basic authentication.")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise OpenEOError("AuthenticationSchemeInvalid",
                              "The basic credentials are not valid base64 of 'user:password'.") from None
        user_id, sep, password = decoded.partition(":")
        if not sep:
            raise OpenEOError("AuthenticationSchemeInvalid",
                              "The basic credentials are not of the form 'user:password'.")
        user = self.users.get(user_id)
        if user is None:
            dummy_verify(password)  # as slow as a real check: no hint which users exist
            valid = False
        else:
            valid = verify_password(password, user.password_hash)
        if not valid:
            # For operators (and fail2ban-like tools); never the password.
            LOG.warning("Failed basic login for user %r", user_id[:64])
            raise OpenEOError("CredentialsInvalid", "The user name or the password is not correct.")
        LOG.info("Basic login of user %r", user_id)
        return {"access_token": self.tokens.issue(user_id)}

    # --- documents -------------------------------------------------------------------------

    def oidc_providers_document(self) -> dict[str, Any]:
        return {"providers": [p.to_json() for p in self.providers.values()]}
