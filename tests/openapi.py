"""Validation of real responses against the openEO API 1.2.0 OpenAPI document."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import requests
import yaml
import json

from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SHARED = Path(os.environ.get("XCUBE_OPENEO_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared"))
OPENAPI_PATH = SHARED / "openeo-api" / "openapi.yaml"


@cache
def _spec_dict() -> dict[str, Any]:
    with open(OPENAPI_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def openapi_for(base_url: str) -> OpenAPI:
    """The openEO API document with its server URL set to ours."""
    spec = dict(_spec_dict())
    spec["servers"] = [{"url": base_url.rstrip("/")}]
    # openapi-core knows no 'application/schema+json' (queryables); it is JSON.
    config = Config(extra_media_type_deserializers={"application/schema+json": json.loads})
    return OpenAPI.from_dict(spec, config=config)


def validate_response(base_url: str, response: requests.Response) -> None:
    """Raises if ``response`` (to its own request) breaks the openEO API contract."""
    openapi = openapi_for(base_url)
    openapi.validate_response(
        RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
    )
