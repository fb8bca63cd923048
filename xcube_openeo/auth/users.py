"""Users: configured basic-auth users and the user of a request."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from xcube_openeo.auth.config import AuthenticationSettings
from xcube_openeo.auth.passwords import PasswordHashInvalid, check_password_hash
from xcube_openeo.settings import from_config

#: Basic user ids are plain words, so they never collide with OIDC user ids
#: (``<provider>-<sub>``) and are safe as folder names.
BASIC_USER_ID = re.compile(r"^\w{1,64}$", re.ASCII)


class AccountsConfigError(ValueError):
    """The accounts configuration is unusable; the server must not start."""


@dataclass(frozen=True)
class User:
    """The authenticated user of a request."""

    user_id: str
    name: str | None = None
    #: "basic" or the id of the OIDC provider that vouched for the user.
    provider: str = "basic"
    #: Storage quota in bytes (None: the default from the configuration).
    quota: int | None = None
    budget: float | None = None
    plan: str | None = None


@dataclass(frozen=True)
class BasicUser:
    user: User
    password_hash: str


def load_basic_users(auth_config: Mapping[str, Any]) -> dict[str, BasicUser]:
    """The users of an ``Authentication`` section (a mapping); see :func:`basic_users`."""
    return basic_users(from_config(AuthenticationSettings, auth_config))


def basic_users(settings: AuthenticationSettings) -> dict[str, BasicUser]:
    """The configured users (``Users`` and the file ``UsersFile`` names), by id.

    Raises :class:`AccountsConfigError` for anything that is not a proper password
    hash, so that a plain password in a configuration never goes unnoticed.
    """
    entries: list[Mapping[str, Any]] = list(settings.users)
    if settings.users_file:
        entries += _read_users_file(Path(settings.users_file))
    users: dict[str, BasicUser] = {}
    for entry in entries:
        user = _basic_user(entry)
        if user.user.user_id in users:
            raise AccountsConfigError(f"User {user.user.user_id!r} is configured twice.")
        users[user.user.user_id] = user
    return users


def _read_users_file(path: Path) -> Sequence[Mapping[str, Any]]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise AccountsConfigError(f"Cannot read the users file {str(path)!r}: {e}") from None
    if isinstance(doc, Mapping):
        doc = doc.get("Users")
    if not isinstance(doc, list):
        raise AccountsConfigError(f"The users file {str(path)!r} must hold a list of users.")
    return doc


def _basic_user(entry: Any) -> BasicUser:
    if not isinstance(entry, Mapping):
        raise AccountsConfigError("Every configured user must be a mapping with Id and Password.")
    user_id = entry.get("Id")
    if not isinstance(user_id, str) or not BASIC_USER_ID.match(user_id):
        raise AccountsConfigError(
            f"User id {user_id!r} is invalid: use 1 to 64 letters, digits or underscores."
        )
    password = entry.get("Password")
    try:
        check_password_hash(password)
    except PasswordHashInvalid as e:
        raise AccountsConfigError(
            f"User {user_id!r}: Password must be a scrypt password hash ({e}); plain"
            " passwords are refused. Create a hash with `xcube-openeo hash-password`."
        ) from None
    assert isinstance(password, str)  # check_password_hash refuses anything else
    quota = entry.get("Quota")
    return BasicUser(
        User(
            user_id=user_id,
            name=entry.get("Name") or user_id,
            provider="basic",
            quota=int(quota) if quota is not None else None,
            budget=entry.get("Budget"),
            plan=entry.get("Plan"),
        ),
        password,
    )
