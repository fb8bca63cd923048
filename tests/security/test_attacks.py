"""Every attack of issue 9, against real servers with the shipped demo configuration.

Each attack is sent while another client polls the server (``attack``): it must be
refused (or answered) quickly, and the bystander must keep getting answers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from tests.security.conftest import ADMIN, ALICE, BOB, CLIMATE, S2, attack, basic_token, raw_get

TRAVERSALS = [
    f"/s3/datasets/{S2}.zarr/../../state/result-signing.key",
    f"/s3/datasets/{S2}.zarr/../state/result-signing.key",
    f"/s3/datasets/{S2}.levels/../state/result-signing.key",
    f"/s3/datasets/{S2}.zarr/%2E%2E/%2E%2E/state/result-signing.key",
    f"/s3/datasets/{S2}.zarr/%2e%2e/state/result-signing.key",
    f"/s3/datasets/{S2}.zarr/%252E%252E/state/result-signing.key",
    f"/s3/pyramids/{S2}.levels/../state/result-signing.key",
    f"/s3/datasets/{S2}.zarr/" + "../" * 12 + "etc/hostname",
]
MAINTENANCE = ["/maintenance/kill", "/maintenance/update", "/maintenance/fail", "/maintenance/oom"]
FREEZE = f"/expressions/validate/{S2}/99999999**99999999"
COMPUTE_JOB = {
    "operationId": "spatial_subset",
    "parameters": {"dataset": S2, "bbox": [675000, 5146000, 676000, 5147000]},
    "output": {"datasetId": S2, "title": "replaced"},
}


def _no_traceback(body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    assert "Traceback" not in text and 'File "' not in text, text[:500]
    assert "site-packages" not in text and "/work/" not in text and "/tmp/" not in text, text[:500]


def _signing_key(server) -> bytes:
    return (Path(server.config["OpenEO"]["DataDir"]) / "result-signing.key").read_bytes()


# --- 1. xcube's own routes --------------------------------------------------------------


@pytest.mark.parametrize("path", TRAVERSALS)
def test_file_read_through_s3_is_closed(demo_server, open_server, path):
    # The shipped configuration does not serve /s3 at all.
    status, body = attack(demo_server, lambda: raw_get(demo_server, path), within=5)
    assert status == 404
    # With every xcube API served (and /s3 opened to all), '..' is still refused.
    key = _signing_key(open_server)
    for headers in ({}, basic_token(open_server, ADMIN)):
        status, body = attack(
            open_server, lambda h=headers: raw_get(open_server, path, h), within=5
        )
        assert status in (400, 401), (status, body[:200])
        assert key not in body
        _no_traceback(body)


def test_s3_is_admin_only_when_served(open_server):
    status, body = raw_get(open_server, "/s3/datasets")
    assert status == 401 and json.loads(body)["code"] == "AuthenticationRequired"
    status, body = raw_get(open_server, "/s3/datasets", basic_token(open_server, ALICE))
    assert status == 403 and json.loads(body)["code"] == "PermissionsInsufficient"
    status, _ = raw_get(open_server, "/s3/datasets", basic_token(open_server, ADMIN))
    assert status == 200


@pytest.mark.parametrize("path", MAINTENANCE)
def test_maintenance_needs_an_admin(demo_server, path):
    for headers, status, code in (
        ({}, 401, "AuthenticationRequired"),
        (basic_token(demo_server, BOB), 403, "PermissionsInsufficient"),
        ({"Authorization": "Bearer basic//forged"}, 403, "TokenInvalid"),
    ):
        got, body = attack(demo_server, lambda h=headers: raw_get(demo_server, path, h), within=5)
        assert (got, json.loads(body)["code"]) == (status, code)
    assert requests.get(demo_server.url + "/openeo/1.2/", timeout=5).status_code == 200


def test_cors_preflight_of_a_guarded_route_needs_no_token(demo_server):
    response = requests.options(demo_server.url + "/maintenance/kill", timeout=5)
    assert response.status_code in (200, 204)
    assert requests.get(demo_server.url + "/openeo/1.2/", timeout=5).status_code == 200


def test_admin_errors_carry_no_traceback(demo_server):
    admin = basic_token(demo_server, ADMIN)
    status, body = raw_get(demo_server, "/maintenance/fail", admin)
    assert status == 500
    _no_traceback(body)
    assert re.search(r"id [0-9a-f]{32}", json.loads(body)["error"]["message"])
    status, body = raw_get(demo_server, "/maintenance/fail?code=418&message=teapot", admin)
    assert status == 418 and json.loads(body)["error"]["message"] == "teapot"
    _no_traceback(body)


@pytest.mark.parametrize(
    "path",
    [
        "/datasets/NOPE",
        "/datasets/NOPE/coords/time",
        f"/tiles/{S2}/NOPE/3/0/0",
        f"/datasets/{S2}/vars/NOPE/legend.png",
        f"/tiles/{S2}/B04/0/0/0?crs=NOPE",
        f"/wmts/1.0.0/tile/{S2}/NOPE/0/0/0.png",
        "/places/NOPE",
    ],
)
def test_xcube_errors_carry_no_traceback(demo_server, path):
    # (xcube answers the unknown CRS with a 500 of its own: its message is replaced too.)
    status, body = raw_get(demo_server, path)
    assert status >= 400, (status, body[:300])
    _no_traceback(body)
    assert set(json.loads(body)["error"]) == {"status_code", "message"}


def test_expression_freeze_is_closed(demo_server, open_server):
    status, _ = attack(demo_server, lambda: raw_get(demo_server, FREEZE), within=5)
    assert status == 404
    status, body = attack(open_server, lambda: raw_get(open_server, FREEZE), within=5)
    assert status == 401
    _no_traceback(body)


def test_compute_cannot_replace_a_collection(demo_server, open_server):
    for server, expected in ((demo_server, (404, 405)), (open_server, (401,))):
        before = requests.get(f"{server.url}/openeo/1.2/collections/{S2}", timeout=10).json()
        response = attack(
            server,
            lambda s=server: requests.put(s.url + "/compute/jobs", json=COMPUTE_JOB, timeout=10),
            within=5,
        )
        assert response.status_code in expected, response.text
        after = requests.get(f"{server.url}/openeo/1.2/collections/{S2}", timeout=10).json()
        assert after["extent"] == before["extent"]


def test_the_demo_serves_only_safe_xcube_apis(demo_server):
    info = requests.get(demo_server.url + "/", timeout=10).json()
    served = {api["name"] for api in info["apis"]}
    assert served.isdisjoint(
        {"s3", "expressions", "compute", "timeseries", "statistics", "volumes", "ows.coverages"}
    ), served
    assert "openeo" in served
    # What stays open still works: xcube's datasets and tiles.
    assert requests.get(demo_server.url + "/datasets", timeout=10).status_code == 200


# --- 2. bounded computations -------------------------------------------------------------


def _result(server, graph: dict, user=ALICE, within: float = 30) -> requests.Response:
    headers = basic_token(server, user)
    return attack(
        server,
        lambda: requests.post(
            server.url + "/openeo/1.2/result",
            json={"process": {"process_graph": graph}},
            headers=headers,
            timeout=120,
        ),
        within=within,
    )


@pytest.mark.parametrize(
    "process,arguments,expected",
    [
        # Beyond int64 the result is an IEEE double: +inf, which JSON writes as null.
        ("power", {"base": 99999999, "p": 99999999}, None),
        ("power", {"base": 10, "p": 100000}, None),
        ("multiply", {"x": 10**18, "y": 10**18}, 1e36),
        ("power", {"base": 3, "p": 39}, 3**39),
    ],
)
def test_integer_arithmetic_is_bounded(demo_server, process, arguments, expected):
    response = _result(
        demo_server,
        {"n": {"process_id": process, "arguments": arguments, "result": True}},
        within=10,
    )
    assert response.status_code == 200, response.text
    assert response.json() == expected


def test_huge_integer_literals_are_refused(demo_server):
    body = (
        '{"process": {"process_graph": {"n": {"process_id": "multiply", "arguments":'
        f' {{"x": {10**4000}, "y": {10**4000}}}, "result": true}}}}}}'
    )
    headers = {**basic_token(demo_server, ALICE), "Content-Type": "application/json"}
    response = attack(
        demo_server,
        lambda: requests.post(
            demo_server.url + "/openeo/1.2/result", data=body, headers=headers, timeout=30
        ),
        within=10,
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "NumberOutOfRange"


def test_cross_grid_merge_is_bounded(demo_server):
    s2 = {
        "process_id": "load_collection",
        "arguments": {
            "id": S2,
            "bands": ["B04"],
            "temporal_extent": ["2022-01-01", "2022-12-31"],
            "spatial_extent": {
                "west": 675000,
                "east": 684950,
                "south": 5146000,
                "north": 5155950,
                "crs": "EPSG:32632",
            },
        },
    }
    climate = {
        "process_id": "load_collection",
        "arguments": {
            "id": CLIMATE,
            "bands": ["t2m"],
            "temporal_extent": ["2022-01-01", "2022-12-31"],
            "spatial_extent": {"west": 10, "east": 13, "south": 45, "north": 48},
        },
    }
    graph = {
        "s2": s2,
        "climate": climate,
        "merge": {
            "process_id": "merge_cubes",
            "arguments": {"cube1": {"from_node": "s2"}, "cube2": {"from_node": "climate"}},
            "result": True,
        },
    }
    response = _result(demo_server, graph, within=60)
    assert response.status_code == 200, response.text[:300]
    # One GeoTIFF per date, in a tar archive.
    assert response.headers["Content-Type"].startswith("application/x-tar")
    assert len(response.content) > 10_000


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/result"),
        ("POST", "/jobs"),
        ("POST", "/validation"),
        ("POST", "/services"),
        ("PUT", "/process_graphs/deep"),
    ],
)
def test_deeply_nested_json_is_refused(demo_server, method, path):
    body = '{"process": {"process_graph": ' + "[" * 1000 + "]" * 1000 + "}}"
    headers = {**basic_token(demo_server, ALICE), "Content-Type": "application/json"}
    response = attack(
        demo_server,
        lambda: requests.request(
            method, demo_server.url + "/openeo/1.2" + path, data=body, headers=headers, timeout=30
        ),
        within=10,
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "JsonNestingTooDeep"


def test_nan_in_a_stored_process_is_no_server_error(demo_server):
    body = (
        '{"process_graph": {"n": {"process_id": "add", "arguments": {"x": NaN, "y": 1},'
        ' "result": true}}}'
    )
    headers = {**basic_token(demo_server, ALICE), "Content-Type": "application/json"}
    response = requests.put(
        demo_server.url + "/openeo/1.2/process_graphs/nan_literal",
        data=body,
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BadRequest"


# --- 3. logins ----------------------------------------------------------------------------


def test_failed_logins_are_throttled(demo_server):
    url = demo_server.url + "/openeo/1.2/credentials/basic"

    def flood() -> list[requests.Response]:
        return [requests.get(url, auth=(BOB[0], f"wrong-{i}"), timeout=30) for i in range(30)]

    responses = attack(demo_server, flood, within=30)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {403, 429} and statuses[-1] == 429, statuses
    throttled = responses[-1]
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.json()["code"] == "TooManyRequests"
    # Another user is not locked out by bob's attacker.
    assert requests.get(url, auth=ALICE, timeout=30).status_code == 200


# --- 4. conformance points --------------------------------------------------------------


def test_oidc_is_listed_only_with_providers(demo_server, oidc_server):
    def endpoints(server) -> set[str]:
        doc = requests.get(server.url + "/openeo/1.2/", timeout=10).json()
        return {e["path"] for e in doc["endpoints"]}

    assert "/credentials/oidc" not in endpoints(demo_server)
    assert (
        requests.get(demo_server.url + "/openeo/1.2/credentials/oidc", timeout=10).status_code
        == 404
    )
    assert "/credentials/oidc" in endpoints(oidc_server)
    providers = requests.get(oidc_server.url + "/openeo/1.2/credentials/oidc", timeout=10).json()[
        "providers"
    ]
    assert [p["id"] for p in providers] == ["testidp"]


def test_oidc_server_closes_xcube_doors_too(oidc_server):
    for path in MAINTENANCE[:2] + [FREEZE, TRAVERSALS[0]]:
        status, _ = raw_get(oidc_server, path)
        assert status in (401, 404), path
    status, body = raw_get(
        oidc_server, "/maintenance/kill", {"Authorization": "Bearer oidc/testidp/not-a-token"}
    )
    assert status == 403 and json.loads(body)["code"] == "TokenInvalid"
    assert requests.get(oidc_server.url + "/openeo/1.2/", timeout=5).status_code == 200


def test_files_are_octet_streams_and_cors_has_no_credentials_flag(demo_server):
    headers = basic_token(demo_server, ALICE)
    url = demo_server.url + "/openeo/1.2/files/notes.txt"
    assert requests.put(url, data=b"hello", headers=headers, timeout=10).status_code == 200
    response = requests.get(url, headers=headers, timeout=10)
    assert response.headers["Content-Type"].startswith("application/octet-stream")
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
