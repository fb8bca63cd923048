"""Basic authentication: tokens, errors, /me, configuration checks."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.accounts.fixtures import BASIC_TOKEN_LIFETIME, PASSWORDS, basic_header, login
from tests.openapi import validate_response


def test_login_returns_a_random_token_that_authenticates(base: str):
    first = requests.get(
        base + "/credentials/basic", headers=basic_header("alice", PASSWORDS["alice"])
    )
    validate_response(base, first)
    assert first.headers["Cache-Control"] == "no-store"
    token = first.json()["access_token"]
    assert len(base64.urlsafe_b64decode(token + "==")) >= 16  # at least 128 random bits
    second = login(base, "alice")["Authorization"].removeprefix("Bearer basic//")
    assert token != second
    me = requests.get(base + "/me", headers={"Authorization": f"Bearer basic//{token}"})
    assert me.status_code == 200
    assert me.json()["user_id"] == "alice"


def test_me(base: str, alice, bob):
    response = requests.get(base + "/me", headers=alice)
    validate_response(base, response)
    doc = response.json()
    assert doc["user_id"] == "alice" and doc["name"] == "Alice"
    assert doc["storage"]["quota"] >= doc["storage"]["free"] >= 0
    assert "budget" not in doc and "default_plan" not in doc
    doc = requests.get(base + "/me", headers=bob).json()
    assert doc["budget"] == 12.5 and doc["default_plan"] == "free"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "AuthenticationRequired"),
        (
            {"Authorization": "Basic " + base64.b64encode(b"alice:wrong").decode()},
            403,
            "CredentialsInvalid",
        ),
        (
            {"Authorization": "Basic " + base64.b64encode(b"nobody:wrong").decode()},
            403,
            "CredentialsInvalid",
        ),
        ({"Authorization": "Basic !!!not-base64"}, 403, "AuthenticationSchemeInvalid"),
        (
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
            403,
            "AuthenticationSchemeInvalid",
        ),
        ({"Authorization": "Bearer basic//whatever"}, 403, "AuthenticationSchemeInvalid"),
    ],
)
def test_login_errors(base: str, headers, status, code):
    response = requests.get(base + "/credentials/basic", headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    validate_response(base, response)


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "AuthenticationRequired"),
        ("Basic YWxpY2U6eA==", 403, "AuthenticationSchemeInvalid"),
        ("Bearer", 403, "AuthenticationSchemeInvalid"),
        ("Bearer justatoken", 403, "AuthenticationSchemeInvalid"),
        ("Bearer basic/x/token", 403, "AuthenticationSchemeInvalid"),
        ("Bearer saml/x/token", 403, "AuthenticationSchemeInvalid"),
        ("Bearer basic//", 403, "AuthenticationSchemeInvalid"),
        ("Bearer basic//forged-token", 403, "TokenInvalid"),
        ("Bearer basic//" + "A" * 43, 403, "TokenInvalid"),
    ],
)
def test_authorization_header_errors(base: str, authorization, status, code):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = requests.get(base + "/me", headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    validate_response(base, response)


def test_a_bad_token_does_not_break_discovery(base: str):
    for path in ("/", "/collections", "/processes", "/credentials/oidc"):
        response = requests.get(base + path, headers={"Authorization": "Bearer basic//forged"})
        assert response.status_code == 200, path


def test_expired_tokens_are_refused(base: str, accounts_server):
    import datetime as dt

    from xcube_openeo.auth.tokens import BasicTokens
    from xcube_openeo.store import get_store
    from xcube_openeo.store.config import database_url

    store = get_store(database_url(accounts_server.config["OpenEO"]))
    token = BasicTokens(store, dt.timedelta(seconds=-1)).issue("alice")
    response = requests.get(base + "/me", headers={"Authorization": f"Bearer basic//{token}"})
    assert response.status_code == 403 and response.json()["code"] == "TokenInvalid"
    fresh = BasicTokens(store, dt.timedelta(seconds=60)).issue("alice")
    assert requests.get(base + "/me", headers={"Authorization": f"Bearer basic//{fresh}"}).ok


def test_tokens_are_stored_only_as_hashes(accounts_server, alice):
    import sqlalchemy as sa

    from xcube_openeo.store import get_store
    from xcube_openeo.store.config import database_url

    token = alice["Authorization"].removeprefix("Bearer basic//")
    store = get_store(database_url(accounts_server.config["OpenEO"]))
    with store.read() as conn:
        rows = conn.execute(sa.text("SELECT * FROM access_tokens")).all()
    assert rows
    assert all(token not in str(tuple(row)) for row in rows)


def test_token_lifetime_is_configurable(accounts_server, alice):
    import datetime as dt
    import hashlib

    import sqlalchemy as sa

    from xcube_openeo.store import get_store
    from xcube_openeo.store.config import database_url
    from xcube_openeo.store.tables import access_tokens

    token = alice["Authorization"].removeprefix("Bearer basic//")
    store = get_store(database_url(accounts_server.config["OpenEO"]))
    with store.read() as conn:
        row = conn.execute(
            sa.select(access_tokens).where(
                access_tokens.c.token_hash == hashlib.sha256(token.encode()).hexdigest()
            )
        ).one()
    assert row.expires_at - row.created_at == dt.timedelta(seconds=BASIC_TOKEN_LIFETIME)


def test_capabilities_list_the_account_endpoints(base: str):
    endpoints = {e["path"]: set(e["methods"]) for e in requests.get(base + "/").json()["endpoints"]}
    assert endpoints["/credentials/basic"] == {"GET"}
    assert endpoints["/credentials/oidc"] == {"GET"}
    assert endpoints["/me"] == {"GET"}
    assert endpoints["/files"] == {"GET"}
    assert endpoints["/files/{path}"] == {"GET", "PUT", "DELETE"}
    assert endpoints["/process_graphs"] == {"GET"}
    assert endpoints["/process_graphs/{process_graph_id}"] == {"GET", "PUT", "DELETE"}


def test_failed_logins_are_logged_without_the_password(base: str, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="xcube.openeo.auth"):
        requests.get(base + "/credentials/basic", headers=basic_header("alice", "guess-123"))
    messages = [r.getMessage() for r in caplog.records if r.name == "xcube.openeo.auth"]
    assert any("Failed basic login" in m and "alice" in m for m in messages)
    assert not any("guess-123" in m for m in messages)


def test_the_openeo_client_logs_in_with_basic(accounts_server):
    import openeo

    connection = openeo.connect(accounts_server.url + "/openeo/1.2")
    connection.authenticate_basic("bob", PASSWORDS["bob"])
    assert connection.describe_account()["user_id"] == "bob"
    with pytest.raises(openeo.rest.OpenEoApiError) as error:
        openeo.connect(accounts_server.url + "/openeo/1.2").authenticate_basic("bob", "wrong")
    assert error.value.code == "CredentialsInvalid"
