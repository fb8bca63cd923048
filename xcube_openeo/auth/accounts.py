"""The accounts component: who is calling (Authorization headers) and basic logins."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import BoundedSemaphore
from typing import Any

from xcube_openeo.auth.config import AuthenticationSettings
from xcube_openeo.auth.oidc import OidcProvider, OidcValidator, load_providers, token_invalid
from xcube_openeo.auth.passwords import dummy_verify, verify_password
from xcube_openeo.auth.throttle import LoginAttempt, LoginThrottle, parse_networks
from xcube_openeo.auth.tokens import BasicTokens
from xcube_openeo.auth.users import BasicUser, User, basic_users
from xcube_openeo.errors import AuthenticationRequired, OpenEOError
from xcube_openeo.store import Store

LOG = logging.getLogger("xcube.openeo.auth")
#: Threads for checking bearer tokens (a database lookup, calls to OIDC providers),
#: apart from the shared default executor: a slow provider cannot starve the threads
#: that other requests (e.g. synchronous processing) compute in.
AUTH_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="openeo-auth")
#: Threads for password hashing (basic logins, ~0.1 s of CPU each), apart from the token
#: checks: a flood of logins never delays the requests of users who have a token.
LOGIN_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="openeo-login")
_MAX_HEADER = 16 * 1024


def scheme_invalid(detail: str) -> OpenEOError:
    return OpenEOError(
        "AuthenticationSchemeInvalid",
        f"{detail} Send 'Authorization: Bearer basic//<token>' (from GET /credentials/basic)"
        " or 'Bearer oidc/<provider id>/<access token>'.",
    )


@dataclass
class BasicLogin:
    """A basic login the throttle admitted, its password not yet checked."""

    user_id: str
    password: str = field(repr=False)
    address: str
    attempt: LoginAttempt


def _basic_credentials(authorization: str | None) -> tuple[str, str]:
    """User id and password of an HTTP basic ``Authorization`` header."""
    if not authorization:
        raise AuthenticationRequired(
            "Send your user name and password with HTTP basic authentication.",
            headers={"WWW-Authenticate": 'Basic realm="openEO"'},
        )
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise OpenEOError(
            "AuthenticationSchemeInvalid",
            "GET /credentials/basic expects HTTP basic authentication.",
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise OpenEOError(
            "AuthenticationSchemeInvalid",
            "The basic credentials are not valid base64 of 'user:password'.",
        ) from None
    user_id, sep, password = decoded.partition(":")
    if not sep:
        raise OpenEOError(
            "AuthenticationSchemeInvalid",
            "The basic credentials are not of the form 'user:password'.",
        )
    return user_id, password


class Accounts:
    def __init__(self, store: Store, settings: AuthenticationSettings):
        self.store = store
        self.users: dict[str, BasicUser] = basic_users(settings)
        self.providers: dict[str, OidcProvider] = load_providers(settings)
        self.tokens = BasicTokens(store, dt.timedelta(seconds=settings.basic_token_lifetime))
        self.throttle = LoginThrottle.from_settings(settings.login_throttle)
        #: Proxies whose ``X-Forwarded-For`` names the client (throttling per address).
        self.trusted_proxies = parse_networks(settings.trusted_proxies)
        # Logins admitted and waiting for (or in) their password check: bounded, so
        # that a flood from many addresses cannot queue without limit.
        self._login_slots = BoundedSemaphore(settings.login_throttle.max_queued)

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
            raise scheme_invalid(
                "The bearer token is not of the form '<method>/<provider>/<token>'."
            )
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
            raise OpenEOError(
                "TokenInvalid",
                "The access token is invalid or has expired;"
                " get a new one from GET /credentials/basic.",
            )
        return self.users[user_id].user

    # --- basic login ------------------------------------------------------------------

    def start_basic_login(self, authorization: str | None, address: str) -> BasicLogin:
        """Reads HTTP basic credentials and admits the login through the throttle.

        Cheap (no hashing), so it runs on the event loop: refused logins (429, or 503
        while too many wait for their password check) never queue behind others.
        """
        user_id, password = _basic_credentials(authorization)
        attempt = self.throttle.attempt(user_id, address)
        if not self._login_slots.acquire(blocking=False):
            attempt.cancel()
            raise OpenEOError(
                "InfrastructureBusy",
                "Too many logins are being checked at the moment; try again shortly.",
                headers={"Retry-After": "1"},
            )
        return BasicLogin(user_id, password, address, attempt)

    def finish_basic_login(self, login: BasicLogin) -> dict[str, str]:
        """Checks the password of an admitted login; returns the ``/credentials/basic`` document.

        Slow on purpose (scrypt): call it off the event loop, in ``LOGIN_EXECUTOR``.
        """
        try:
            user = self.users.get(login.user_id)
            if user is None:
                dummy_verify(login.password)  # as slow as a real check: no hint which users exist
                valid = False
            else:
                valid = verify_password(login.password, user.password_hash)
        except BaseException:
            login.attempt.cancel()
            raise
        finally:
            self._login_slots.release()
        if not valid:
            login.attempt.failed()
            # For operators (and fail2ban-like tools); never the password.
            LOG.warning(
                "Failed basic login for user %r from %s", login.user_id[:64], login.address[:64]
            )
            raise OpenEOError("CredentialsInvalid", "The user name or the password is not correct.")
        login.attempt.succeeded()
        LOG.info("Basic login of user %r", login.user_id)
        return {"access_token": self.tokens.issue(login.user_id)}

    # --- documents -------------------------------------------------------------------------

    def oidc_providers_document(self) -> dict[str, Any]:
        return {"providers": [p.to_json() for p in self.providers.values()]}
