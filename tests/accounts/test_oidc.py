"""OpenID Connect against a real (small) issuer on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import openeo
import pytest
import requests

from tests.accounts.oidc_issuer import OidcIssuer, b64url, public_pem
from tests.openapi import validate_response


def oidc(token: str, provider: str = "testidp") -> dict[str, str]:
    return {"Authorization": f"Bearer oidc/{provider}/{token}"}


def test_providers_are_listed(base: str, oidc_issuer: OidcIssuer):
    response = requests.get(base + "/credentials/oidc")
    validate_response(base, response)
    providers = {p["id"]: p for p in response.json()["providers"]}
    assert providers["testidp"]["issuer"] == oidc_issuer.url
    assert providers["testidp"]["scopes"] == ["openid"]
    assert providers["testidp"]["default_clients"] == [
        {
            "id": "test-client",
            "grant_types": ["urn:ietf:params:oauth:grant-type:device_code+pkce", "refresh_token"],
        }
    ]


def test_openeo_client_logs_in_with_client_credentials(accounts_server, oidc_issuer, tmp_path):
    connection = openeo.connect(accounts_server.url + "/openeo/1.2")
    connection.authenticate_oidc_client_credentials(
        client_id="test-client", client_secret="test-secret", provider_id="testidp"
    )
    me = connection.describe_account()
    assert me["user_id"] == "testidp-service-test-client"
    assert me["name"] == "Test user service-test-client"
    assert "/token" in oidc_issuer.requests
    # OIDC users have files and processes like everyone else.
    source = tmp_path / "oidc.txt"
    source.write_text("from an OIDC user")
    connection.upload_file(source, target="oidc/file.txt")
    assert [f.path.as_posix() for f in connection.list_files()] == ["oidc/file.txt"]
    connection.save_user_defined_process(
        "oidc_udp", {"a": {"process_id": "absolute", "arguments": {"x": -1}, "result": True}}
    )
    assert [p["id"] for p in connection.list_user_defined_processes()] == ["oidc_udp"]


def test_a_valid_jwt_authenticates(base: str, oidc_issuer: OidcIssuer):
    response = requests.get(base + "/me", headers=oidc(oidc_issuer.token()))
    assert response.status_code == 200, response.text
    validate_response(base, response)
    assert response.json()["user_id"] == "testidp-user-1"
    # Discovery document and key set are cached: more tokens, no more downloads.
    fetched = len(oidc_issuer.requests)
    for _ in range(3):
        assert requests.get(base + "/me", headers=oidc(oidc_issuer.token())).ok
    assert len(oidc_issuer.requests) == fetched


def test_elliptic_curve_keys_are_accepted(base: str, oidc_issuer: OidcIssuer):
    token = oidc_issuer.token(kid=oidc_issuer.add_key(elliptic=True))
    assert token.count(".") == 2
    response = requests.get(base + "/me", headers=oidc(token))
    assert response.status_code == 200, response.text


def test_a_key_of_another_type_than_the_algorithm_is_refused(base: str, oidc_issuer: OidcIssuer):
    # An RS256 header on a token signed with an EC key (kid of the EC key).
    ec_kid = oidc_issuer.add_key(elliptic=True)
    _, payload, _ = oidc_issuer.token(kid=ec_kid).split(".")
    forged_header = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": ec_kid}).encode())
    response = requests.get(base + "/me", headers=oidc(f"{forged_header}.{payload}.c2ln"))
    assert response.status_code == 403 and response.json()["code"] == "TokenInvalid"


@pytest.mark.parametrize("sub", ["a/b@c d", "münchen", "x" * 200])
def test_subjects_with_odd_characters_get_safe_ids(base: str, oidc_issuer: OidcIssuer, sub: str):
    token = oidc_issuer.token(oidc_issuer.claims(sub=sub))
    response = requests.get(base + "/me", headers=oidc(token))
    validate_response(base, response)  # user_id matches the API's pattern
    assert response.json()["user_id"].startswith("testidp-h")
    assert len(response.json()["user_id"]) < 60


def _hs256_with_public_key(issuer: OidcIssuer) -> str:
    # The key-confusion attack: the RSA public key (which anyone can fetch) used as an
    # HMAC secret.  Signed by hand: python-jose refuses to build such a token.
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": issuer.current_kid}).encode())
    payload = b64url(json.dumps(issuer.claims()).encode())
    secret = public_pem(issuer.keys[issuer.current_kid])
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def _tampered(issuer: OidcIssuer) -> str:
    header, _payload, signature = issuer.token().split(".")
    payload = b64url(json.dumps(issuer.claims(sub="admin")).encode())
    return f"{header}.{payload}.{signature}"


NEGATIVE_CASES = {
    "alg none": lambda i: i.unsigned_token(),
    "HS256 with the public key as secret": _hs256_with_public_key,
    "wrong issuer": lambda i: i.token(i.claims(iss="http://evil.example")),
    "wrong audience": lambda i: i.token(i.claims(aud="someone-else")),
    "no audience": lambda i: i.token(i.claims(aud=None)),
    "expired": lambda i: i.token(i.claims(exp=int(time.time()) - 3600)),
    "not yet valid": lambda i: i.token(i.claims(nbf=int(time.time()) + 3600)),
    "no expiry": lambda i: i.token(i.claims(exp=None)),
    "no subject": lambda i: i.token(i.claims(sub=None)),
    "unknown kid": lambda i: i.token(kid=i.add_key(publish=False)),
    "tampered payload": _tampered,
    "garbage": lambda i: "a.b.c",
    "unknown opaque token": lambda i: "opaque-token-nobody-issued",
}


@pytest.mark.parametrize("case", sorted(NEGATIVE_CASES))
def test_bad_tokens_are_refused(base: str, oidc_issuer: OidcIssuer, case: str):
    response = requests.get(base + "/me", headers=oidc(NEGATIVE_CASES[case](oidc_issuer)))
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "TokenInvalid"
    validate_response(base, response)


def test_token_for_a_provider_that_is_not_configured(base: str, oidc_issuer: OidcIssuer):
    response = requests.get(base + "/me", headers=oidc(oidc_issuer.token(), provider="nope"))
    assert response.status_code == 403
    assert response.json()["code"] == "TokenInvalid"
    assert "nope" in response.json()["message"]


def test_clock_skew_is_tolerated(base: str, oidc_issuer: OidcIssuer):
    # Expired 10 s ago, skew allowed 30 s.
    token = oidc_issuer.token(oidc_issuer.claims(exp=int(time.time()) - 10))
    assert requests.get(base + "/me", headers=oidc(token)).status_code == 200


def test_a_rotated_key_is_found_by_refreshing_the_key_set(base: str, oidc_issuer: OidcIssuer):
    assert requests.get(base + "/me", headers=oidc(oidc_issuer.token())).ok  # keys cached
    new_kid = oidc_issuer.add_key()
    before = oidc_issuer.requests.count("/jwks")
    response = requests.get(base + "/me", headers=oidc(oidc_issuer.token(kid=new_kid)))
    assert response.status_code == 200, response.text
    assert oidc_issuer.requests.count("/jwks") == before + 1


def test_opaque_tokens_are_checked_at_userinfo_and_cached(base: str, oidc_issuer: OidcIssuer):
    token = oidc_issuer.opaque_token("opaque-user")
    before = oidc_issuer.requests.count("/userinfo")
    for _ in range(3):
        response = requests.get(base + "/me", headers=oidc(token))
        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == "testidp-opaque-user"
    assert oidc_issuer.requests.count("/userinfo") == before + 1


def test_an_unreachable_provider_is_a_clear_error_not_a_hang(base: str, oidc_issuer):
    start = time.monotonic()
    response = requests.get(
        base + "/me", headers=oidc(oidc_issuer.token(), provider="deadidp"), timeout=30
    )
    assert 0.9 < time.monotonic() - start < 10  # the configured 1 s timeout
    assert response.status_code == 503
    assert response.json()["code"] == "IdentityProviderUnavailable"
    assert "deadidp" in response.json()["message"]


def test_a_slow_provider_does_not_block_other_requests(base: str, oidc_issuer):
    # Authentication runs off the event loop: discovery is served meanwhile.
    import threading

    slow = threading.Thread(
        target=requests.get,
        args=(base + "/me",),
        kwargs={"headers": oidc(oidc_issuer.token(), provider="deadidp")},
    )
    slow.start()
    start = time.monotonic()
    assert requests.get(base + "/").ok
    assert time.monotonic() - start < 0.9
    slow.join()


def test_key_set_downloads_are_rate_limited(oidc_issuer: OidcIssuer, monkeypatch):
    from xcube_openeo.auth import oidc as oidc_module
    from xcube_openeo.errors import OpenEOError

    provider = oidc_module.OidcProvider(
        id="unit",
        issuer=oidc_issuer.url,
        title="Unit",
        audience=oidc_issuer.audience,
        jwks_refresh_interval=600,
    )
    validator = oidc_module.OidcValidator(provider)
    oidc_module.clear_caches()
    assert validator.authenticate(oidc_issuer.token()).user_id == "unit-user-1"
    fetched = oidc_issuer.requests.count("/jwks")
    for _ in range(5):  # a flood of unknown key ids makes no further downloads
        with pytest.raises(OpenEOError) as error:
            validator.authenticate(oidc_issuer.token(kid=oidc_issuer.add_key(publish=False)))
        assert error.value.code == "TokenInvalid"
    assert oidc_issuer.requests.count("/jwks") == fetched
    # Once the interval has passed, an unknown key id fetches the key set again.
    clock = time.monotonic() + 601
    monkeypatch.setattr(oidc_module.time, "monotonic", lambda: clock)
    new_kid = oidc_issuer.add_key()
    assert validator.authenticate(oidc_issuer.token(kid=new_kid)).user_id == "unit-user-1"
    assert oidc_issuer.requests.count("/jwks") == fetched + 1
