"""A server with users, OIDC, files and a fresh store: fixtures of the accounts and UDP tests.

Registered for the whole suite by ``tests/conftest.py`` (``pytest_plugins``), so that the
tests of both packages share one server per session.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.accounts.oidc_issuer import OidcIssuer
from tests.server import RunningServer
from xcube_openeo.auth.passwords import hash_password

PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2", "carol": "carol-secret-3"}
MAX_FILE_SIZE = 256 * 1024
CAROL_QUOTA = 100 * 1024
BASIC_TOKEN_LIFETIME = 7200


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    # The cheapest accepted cost: these hashes are made once per session.
    return {user: hash_password(pw, log2_n=14) for user, pw in PASSWORDS.items()}


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[OidcIssuer]:
    issuer = OidcIssuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="session")
def silent_issuer_url() -> Iterator[str]:
    """A port that accepts connections and never answers: a hanging provider."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def accounts_config(
    data_dir: Path,
    hashes: dict[str, str],
    issuer: OidcIssuer | None,
    silent_issuer_url: str = "http://127.0.0.1:9",
    **extra: Any,
) -> dict[str, Any]:
    providers = []
    if issuer is not None:
        providers = [
            {
                "Id": "testidp",
                "Issuer": issuer.url,
                "Title": "Test issuer",
                "Scopes": ["openid"],
                "Audience": issuer.audience,
                "DefaultClients": [
                    {
                        "Id": "test-client",
                        "GrantTypes": [
                            "urn:ietf:params:oauth:grant-type:device_code+pkce",
                            "refresh_token",
                        ],
                    }
                ],
                "JwksRefreshInterval": 0,
                "ClockSkew": 30,
            },
            {
                # Accepts connections, never answers: calls must time out, not hang.
                "Id": "deadidp",
                "Issuer": silent_issuer_url,
                "Title": "Unreachable",
            },
        ]
    return {
        "OpenEO": {
            "MaxRequestBodySize": 64 * 1024,
            "DataDir": str(data_dir),
            "Authentication": {
                "Users": [
                    {"Id": "alice", "Name": "Alice", "Password": hashes["alice"]},
                    {
                        "Id": "bob",
                        "Name": "Bob",
                        "Password": hashes["bob"],
                        "Budget": 12.5,
                        "Plan": "free",
                    },
                    {"Id": "carol", "Password": hashes["carol"], "Quota": CAROL_QUOTA},
                ],
                "OidcProviders": providers,
                "HttpTimeout": 1.0,
                "BasicTokenLifetime": BASIC_TOKEN_LIFETIME,
            },
            "Files": {"MaxFileSize": MAX_FILE_SIZE},
            **extra,
        },
    }


@pytest.fixture(scope="session")
def accounts_server(
    tmp_path_factory: pytest.TempPathFactory,
    password_hashes,
    oidc_issuer,
    silent_issuer_url,
    server_config,
) -> Iterator[RunningServer]:
    config = accounts_config(
        tmp_path_factory.mktemp("state"), password_hashes, oidc_issuer, silent_issuer_url
    )
    config["Datasets"] = server_config["Datasets"]
    # Below MaxFileSize: uploads must lift tornado's own body limit for themselves.
    config["tornado"] = {"max_body_size": 128 * 1024}
    running = RunningServer(config).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base(accounts_server: RunningServer) -> str:
    return accounts_server.url + "/openeo/1.2"


def basic_header(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def login(base: str, user: str) -> dict[str, str]:
    """Authorization header of a fresh basic token of ``user``."""
    response = requests.get(
        base + "/credentials/basic", headers=basic_header(user, PASSWORDS[user])
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer basic//{response.json()['access_token']}"}


@pytest.fixture(scope="session")
def alice(base: str) -> dict[str, str]:
    return login(base, "alice")


@pytest.fixture(scope="session")
def bob(base: str) -> dict[str, str]:
    return login(base, "bob")


@pytest.fixture(scope="session")
def carol(base: str) -> dict[str, str]:
    return login(base, "carol")
