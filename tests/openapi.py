"""Validation of real responses against the openEO API 1.2.0 OpenAPI document."""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SHARED = Path(
    os.environ.get("XCUBE_OPENEO_SHARED", Path(__file__).resolve().parents[1] / ".." / "shared")
)
OPENAPI_PATH = SHARED / "openeo-api" / "openapi.yaml"


@cache
def _spec_dict() -> dict[str, Any]:
    with open(OPENAPI_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def patched_spec(base_url: str) -> dict[str, Any]:
    """A copy of the openEO API document with its server URL set to ours and its
    defects patched (also for the schemathesis run, tests/api/test_schemathesis.py)."""
    spec = copy.deepcopy(_spec_dict())
    spec["servers"] = [{"url": base_url.rstrip("/")}]
    # Defect in the API document: `process_json_schema` has a `oneOf` whose first
    # branch ("Generic") accepts everything, so no schema can match exactly one branch
    # and every process listing would fail.  The intent is `anyOf`.
    single_type = spec["components"]["schemas"]["process_json_schema"]
    single_type["anyOf"] = single_type.pop("oneOf")
    # The well-known document has its own server (the host root); ours is the same host.
    for path_item in spec["paths"].values():
        path_item.pop("servers", None)
        for operation in path_item.values():
            if isinstance(operation, dict):
                operation.pop("servers", None)
    return spec


@cache
def openapi_for(base_url: str) -> OpenAPI:
    """The openEO API document with its server URL set to ours."""
    spec = patched_spec(base_url)
    # openapi-core knows no 'application/schema+json' (queryables); it is JSON.
    as_json = lambda value, **_params: json.loads(value)  # noqa: E731
    config = Config(
        extra_media_type_deserializers={
            "application/schema+json": as_json,
            "application/geo+json": as_json,
        }
    )
    return OpenAPI.from_dict(spec, config=config)


def validate_response(base_url: str, response: requests.Response) -> None:
    """Raises if ``response`` (to its own request) breaks the openEO API contract."""
    openapi = openapi_for(base_url)
    openapi.validate_response(
        RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
    )


def validate_error_document(doc: Any) -> None:
    """Raises unless ``doc`` is an openEO error document (for paths the API does not
    define, where a whole-response validation has no operation to check against)."""
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource

    spec = _spec_dict()
    registry = Registry().with_resource("urn:openeo-api", Resource.opaque(spec))
    schema = {"$ref": "urn:openeo-api#/components/schemas/error"}
    OAS30Validator(schema, registry=registry).validate(doc)
