"""Per-user isolation over every user-scoped endpoint, table-driven.

To cover a new kind of user resource (jobs, services, ...) add rows: a ``Resource``
that knows how to create one as its owner, and the endpoints that address it.
Every row is checked three ways: the owner succeeds, another user gets the same 404
as for a resource that does not exist, an anonymous caller gets 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

Headers = dict[str, str]


@dataclass(frozen=True)
class Resource:
    """A kind of user resource: how to create one (returns its id) and list them."""

    name: str
    create: Callable[[str, Headers], str]
    list_path: str
    listed_ids: Callable[[dict[str, Any]], list[str]]


@dataclass(frozen=True)
class ItemEndpoint:
    resource: Resource
    method: str
    #: Path below the API root with ``{id}`` for the resource's id.
    path: str
    owner_status: int
    not_found_code: str
    body: Any = None


def _create_file(base: str, headers: Headers) -> str:
    path = f"iso/{uuid.uuid4().hex}.txt"
    requests.put(f"{base}/files/{path}", data=b"private", headers=headers).raise_for_status()
    return path


def _create_process(base: str, headers: Headers) -> str:
    pid = f"iso_{uuid.uuid4().hex}"
    body = {
        "process_graph": {"a": {"process_id": "absolute", "arguments": {"x": -1}, "result": True}}
    }
    requests.put(f"{base}/process_graphs/{pid}", json=body, headers=headers).raise_for_status()
    return pid


FILES = Resource("files", _create_file, "/files", lambda doc: [f["path"] for f in doc["files"]])
PROCESSES = Resource(
    "process_graphs",
    _create_process,
    "/process_graphs",
    lambda doc: [p["id"] for p in doc["processes"]],
)

_LOAD = {
    "process_graph": {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": "S2_SMALL",
                "spatial_extent": None,
                "temporal_extent": None,
                "bands": ["B04"],
            },
            "result": True,
        }
    }
}


def _create_service(base: str, headers: Headers) -> str:
    response = requests.post(
        f"{base}/services", json={"type": "XYZ", "process": _LOAD}, headers=headers
    )
    response.raise_for_status()
    return response.headers["OpenEO-Identifier"]


def _create_job(base: str, headers: Headers) -> str:
    response = requests.post(f"{base}/jobs", json={"process": _LOAD}, headers=headers)
    response.raise_for_status()
    return response.headers["OpenEO-Identifier"]


SERVICES = Resource(
    "services", _create_service, "/services", lambda doc: [s["id"] for s in doc["services"]]
)
JOBS = Resource("jobs", _create_job, "/jobs", lambda doc: [j["id"] for j in doc["jobs"]])

RESOURCES = [FILES, PROCESSES, SERVICES, JOBS]

ITEM_ENDPOINTS = [
    ItemEndpoint(FILES, "GET", "/files/{id}", 200, "FileNotFound"),
    ItemEndpoint(FILES, "DELETE", "/files/{id}", 204, "FileNotFound"),
    ItemEndpoint(PROCESSES, "GET", "/process_graphs/{id}", 200, "ProcessGraphNotFound"),
    ItemEndpoint(PROCESSES, "DELETE", "/process_graphs/{id}", 204, "ProcessGraphNotFound"),
    ItemEndpoint(SERVICES, "GET", "/services/{id}", 200, "ServiceNotFound"),
    ItemEndpoint(
        SERVICES, "PATCH", "/services/{id}", 204, "ServiceNotFound", body={"title": "renamed"}
    ),
    ItemEndpoint(SERVICES, "GET", "/services/{id}/logs", 200, "ServiceNotFound"),
    ItemEndpoint(SERVICES, "DELETE", "/services/{id}", 204, "ServiceNotFound"),
    ItemEndpoint(JOBS, "GET", "/jobs/{id}", 200, "JobNotFound"),
    ItemEndpoint(JOBS, "PATCH", "/jobs/{id}", 204, "JobNotFound", body={"title": "renamed"}),
    ItemEndpoint(JOBS, "GET", "/jobs/{id}/logs", 200, "JobNotFound"),
    ItemEndpoint(JOBS, "GET", "/jobs/{id}/results", 400, "JobNotFound"),
    ItemEndpoint(JOBS, "DELETE", "/jobs/{id}", 204, "JobNotFound"),
]

#: Endpoints without a resource id that still need a user.
USER_ENDPOINTS = [
    ("GET", "/me"),
    ("GET", "/files"),
    ("PUT", "/files/x.txt"),
    ("GET", "/process_graphs"),
    ("PUT", "/process_graphs/x"),
    ("GET", "/services"),
    ("POST", "/services"),
    ("GET", "/jobs"),
    ("POST", "/jobs"),
]


def _ids(endpoint: ItemEndpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


@pytest.mark.parametrize("endpoint", ITEM_ENDPOINTS, ids=_ids)
def test_another_user_gets_404_and_the_owner_keeps_the_resource(base: str, alice, bob, endpoint):
    rid = endpoint.resource.create(base, alice)
    url = base + endpoint.path.format(id=rid)
    as_bob = requests.request(endpoint.method, url, json=endpoint.body, headers=bob)
    missing = requests.request(
        endpoint.method,
        base + endpoint.path.format(id=rid + "_none"),
        json=endpoint.body,
        headers=bob,
    )
    assert as_bob.status_code == missing.status_code == 404, as_bob.text
    assert as_bob.json()["code"] == missing.json()["code"] == endpoint.not_found_code
    # No hint that it exists: the same message as for a resource that does not.
    assert as_bob.json()["message"] == missing.json()["message"].replace(rid + "_none", rid)
    # Nothing happened to it: the owner still finds it and may act on it.
    assert rid in endpoint.resource.listed_ids(
        requests.get(base + endpoint.resource.list_path, headers=alice).json()
    )
    as_alice = requests.request(endpoint.method, url, json=endpoint.body, headers=alice)
    assert as_alice.status_code == endpoint.owner_status, as_alice.text


@pytest.mark.parametrize("endpoint", ITEM_ENDPOINTS, ids=_ids)
def test_anonymous_callers_get_401(base: str, alice, endpoint):
    rid = endpoint.resource.create(base, alice)
    response = requests.request(
        endpoint.method, base + endpoint.path.format(id=rid), json=endpoint.body
    )
    assert response.status_code == 401
    assert response.json()["code"] == "AuthenticationRequired"


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_listings_show_only_own_resources(base: str, alice, bob, resource: Resource):
    rid = resource.create(base, alice)
    assert rid in resource.listed_ids(requests.get(base + resource.list_path, headers=alice).json())
    assert rid not in resource.listed_ids(
        requests.get(base + resource.list_path, headers=bob).json()
    )


@pytest.mark.parametrize(("method", "path"), USER_ENDPOINTS)
def test_user_endpoints_need_a_user(base: str, method: str, path: str):
    response = requests.request(method, base + path, data=b"{}")
    assert response.status_code == 401
    assert response.json()["code"] == "AuthenticationRequired"


def test_same_names_are_separate_resources(base: str, alice, bob):
    requests.put(base + "/files/same.txt", data=b"alice's", headers=alice).raise_for_status()
    requests.put(base + "/files/same.txt", data=b"bob's", headers=bob).raise_for_status()
    assert requests.get(base + "/files/same.txt", headers=alice).content == b"alice's"
    assert requests.get(base + "/files/same.txt", headers=bob).content == b"bob's"
    graph = {
        "process_graph": {"a": {"process_id": "absolute", "arguments": {"x": 1}, "result": True}}
    }
    requests.put(
        base + "/process_graphs/same", json={**graph, "summary": "A"}, headers=alice
    ).raise_for_status()
    requests.put(
        base + "/process_graphs/same", json={**graph, "summary": "B"}, headers=bob
    ).raise_for_status()
    assert requests.get(base + "/process_graphs/same", headers=alice).json()["summary"] == "A"
    assert requests.get(base + "/process_graphs/same", headers=bob).json()["summary"] == "B"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/collections",
        "/processes",
        "/file_formats",
        "/conformance",
        "/credentials/oidc",
        "/service_types",
        "/udf_runtimes",
    ],
)
def test_discovery_needs_no_token(base: str, path: str):
    assert requests.get(base + path).status_code == 200
