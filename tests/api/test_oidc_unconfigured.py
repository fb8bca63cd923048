"""Without OpenID Connect providers, ``/credentials/oidc`` is no endpoint of the back-end:
the API requires at least one provider in its answer (issue 9, section 4)."""

from __future__ import annotations

import openeo
import requests

from tests.conftest import TEST_PASSWORD, TEST_USER
from tests.openapi import validate_error_document, validate_response


def test_oidc_credentials_are_not_offered_without_providers(server):
    base = server.url + "/openeo/1.2"
    endpoints = {e["path"] for e in requests.get(base + "/").json()["endpoints"]}
    assert "/credentials/oidc" not in endpoints
    assert "/credentials/basic" in endpoints and "/me" in endpoints

    response = requests.get(base + "/credentials/oidc")
    assert response.status_code == 404
    doc = response.json()
    validate_error_document(doc)
    assert doc["code"] == "NotFound"
    assert "basic" in doc["message"]
    validate_response(base, response)


def test_the_openeo_client_logs_in_with_basic_only(server):
    connection = openeo.connect(server.url, auto_validate=False)
    connection.authenticate_basic(TEST_USER, TEST_PASSWORD)
    assert connection.describe_account()["user_id"] == TEST_USER
