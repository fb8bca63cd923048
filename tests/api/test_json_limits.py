"""Limits of the JSON every endpoint reads, on a real server: nesting depth, NaN.

JSON nested about 1,000 levels deep used to give 500 (a RecursionError in the parser)
on every JSON endpoint, and a user-defined process with a NaN literal gave 500 when it
was stored.  Now: 400 with a clear code, and the server keeps answering.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.openapi import validate_response
from xcube_openeo.jsonio import MAX_JSON_DEPTH

TIMEOUT = 20

ADD = {"process_graph": {"a": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}}}


def nested(depth: int) -> str:
    """A JSON text of ``depth`` nested arrays around a number."""
    return "[" * depth + "1" + "]" * depth


def deep_process(depth: int) -> dict:
    """A process whose ``x`` argument nests arrays so that the whole document is
    ``depth`` levels deep (body, process, process_graph, node, arguments: 5 levels)."""
    return {
        "process_graph": {
            "a": {
                "process_id": "add",
                "arguments": {"x": json.loads(nested(depth - 5)), "y": 2},
                "result": True,
            }
        }
    }


@pytest.fixture(scope="module")
def base(server) -> str:
    return server.url + "/openeo/1.2"


@pytest.fixture(scope="module")
def job_id(base, auth_headers) -> str:
    response = requests.post(
        base + "/jobs", json={"process": ADD}, headers=auth_headers, timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    return response.headers["OpenEO-Identifier"]


@pytest.fixture(scope="module")
def service_id(base, auth_headers) -> str:
    process = {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": "S2_SMALL",
                    "spatial_extent": {"from_parameter": "spatial_extent"},
                    "temporal_extent": ["2022-01-01", "2022-01-02"],
                    "bands": ["B04"],
                },
            },
            "r": {
                "process_id": "reduce_dimension",
                "arguments": {
                    "data": {"from_node": "load"},
                    "dimension": "t",
                    "reducer": {
                        "process_graph": {
                            "m": {
                                "process_id": "mean",
                                "arguments": {"data": {"from_parameter": "data"}},
                                "result": True,
                            }
                        }
                    },
                },
                "result": True,
            },
        }
    }
    response = requests.post(
        base + "/services",
        json={"type": "XYZ", "process": process},
        headers=auth_headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    return response.headers["OpenEO-Identifier"]


def endpoints(job_id: str, service_id: str) -> list[tuple[str, str, str]]:
    """(method, path, body with the text TOO_DEEP where the nesting goes)."""
    return [
        ("POST", "/result", '{"process": {"process_graph": TOO_DEEP}}'),
        ("POST", "/jobs", '{"process": {"process_graph": TOO_DEEP}}'),
        ("PATCH", f"/jobs/{job_id}", '{"title": TOO_DEEP}'),
        ("POST", "/services", '{"type": "XYZ", "process": {"process_graph": TOO_DEEP}}'),
        ("PATCH", f"/services/{service_id}", '{"configuration": {"a": TOO_DEEP}}'),
        ("POST", "/validation", '{"process_graph": TOO_DEEP}'),
        ("PUT", "/process_graphs/deep", '{"process_graph": TOO_DEEP}'),
        ("POST", "/result", "TOO_DEEP"),
    ]


def assert_still_answering(base: str) -> None:
    started = time.monotonic()
    assert requests.get(base + "/", timeout=5).status_code == 200
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("depth", [1000, 100_000, MAX_JSON_DEPTH + 1])
def test_too_deep_json_is_refused_on_every_json_endpoint(
    base, auth_headers, job_id, service_id, depth
):
    for method, path, template in endpoints(job_id, service_id):
        body = template.replace("TOO_DEEP", nested(depth))
        if len(body) > 64 * 1024:  # the test server's MaxRequestBodySize
            body = template.replace("TOO_DEEP", "[" * 30_000)  # unclosed: depth counts first
        started = time.monotonic()
        response = requests.request(
            method,
            base + path,
            data=body,
            timeout=TIMEOUT,
            headers={**auth_headers, "Content-Type": "application/json"},
        )
        assert time.monotonic() - started < 5
        assert response.status_code == 400, (method, path, response.text)
        doc = response.json()
        assert doc["code"] == "JsonNestingTooDeep", (method, path, doc)
        assert str(MAX_JSON_DEPTH) in doc["message"]
        validate_response(base, response)
    assert_still_answering(base)


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/result"),
        ("POST", "/validation"),
        ("PUT", "/process_graphs/deep_ok"),
        ("POST", "/jobs"),
    ],
)
def test_json_at_the_depth_limit_never_fails_with_a_server_error(base, auth_headers, method, path):
    """Documents within the limit go through validation and evaluation (recursive walks)
    without exhausting the stack: an answer of the API, not a server error."""
    process = deep_process(MAX_JSON_DEPTH)
    body = process if path == "/validation" else {"process": process}
    if path.startswith("/process_graphs"):
        body = process
    response = requests.request(
        method, base + path, json=body, headers=auth_headers, timeout=TIMEOUT
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["code"] != "JsonNestingTooDeep"
    assert_still_answering(base)


def test_nesting_counts_objects_and_arrays(base, auth_headers):
    levels = '{"a": [' * 101 + "1" + "]}" * 101  # 202 levels
    response = requests.post(
        base + "/validation",
        data=levels,
        timeout=TIMEOUT,
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["code"] == "JsonNestingTooDeep"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_literals_are_refused_alike_by_result_and_process_graphs(base, auth_headers, literal):
    """A UDP with NaN gave 500 when stored (strict JSON output); /result accepted it.
    Both refuse it now (JSON has no NaN); the process ``nan`` gives one."""
    graph = json.dumps(
        {
            "process_graph": {
                "a": {"process_id": "add", "arguments": {"x": "LITERAL", "y": 1}, "result": True}
            }
        }
    ).replace('"LITERAL"', literal)
    process = '{"process": ' + graph + "}"
    headers = {**auth_headers, "Content-Type": "application/json"}
    for method, path, body in [
        ("PUT", "/process_graphs/with_nan", graph),
        ("POST", "/result", process),
        ("POST", "/jobs", process),
        ("POST", "/validation", graph),
    ]:
        response = requests.request(
            method, base + path, data=body, headers=headers, timeout=TIMEOUT
        )
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "BadRequest"
        assert literal in response.json()["message"]
    assert (
        requests.get(
            base + "/process_graphs/with_nan", headers=auth_headers, timeout=TIMEOUT
        ).status_code
        == 404
    )


def test_nan_through_the_nan_process_is_stored_and_computed(base, auth_headers):
    process = {
        "process_graph": {
            "n": {"process_id": "nan", "arguments": {}},
            "a": {"process_id": "is_nan", "arguments": {"x": {"from_node": "n"}}, "result": True},
        }
    }
    response = requests.put(
        base + "/process_graphs/nan_ok", json=process, headers=auth_headers, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    stored = requests.get(base + "/process_graphs/nan_ok", headers=auth_headers, timeout=TIMEOUT)
    assert stored.status_code == 200 and stored.json()["process_graph"] == process["process_graph"]
    response = requests.post(
        base + "/result", json={"process": process}, headers=auth_headers, timeout=TIMEOUT
    )
    assert response.status_code == 200 and response.json() is True


def wrapped_in_array_apply(callback: dict, levels: int) -> dict:
    """``callback`` (of a parameter ``x``) inside ``levels`` array_apply callbacks, each
    applying the next to ``[x]`` and passing out element 0."""
    for _ in range(levels):
        callback = {
            "process_graph": {
                "m": {
                    "process_id": "array_apply",
                    "arguments": {"data": [{"from_parameter": "x"}], "process": callback},
                },
                "f": {
                    "process_id": "array_element",
                    "arguments": {"data": {"from_node": "m"}, "index": 0},
                    "result": True,
                },
            }
        }
    return callback


def nested_callbacks(levels: int) -> dict:
    """``levels`` array_apply callbacks inside each other; the innermost adds 1."""
    inner: dict = {
        "process_graph": {
            "a": {
                "process_id": "add",
                "arguments": {"x": {"from_parameter": "x"}, "y": 1},
                "result": True,
            }
        }
    }
    inner = wrapped_in_array_apply(inner, levels - 1)
    return {
        "process_graph": {
            "m": {
                "process_id": "array_apply",
                "arguments": {"data": [0], "process": inner},
                "result": True,
            }
        }
    }


def depth_of(doc) -> int:
    if isinstance(doc, dict):
        return 1 + max((depth_of(v) for v in doc.values()), default=0)
    if isinstance(doc, list):
        return 1 + max((depth_of(v) for v in doc), default=0)
    return 0


def test_nested_callbacks_up_to_the_engines_limit_are_computed(base, auth_headers):
    from xcube_openeo.engine.env import Limits

    levels = Limits().max_child_depth  # callbacks inside each other
    body = {"process": nested_callbacks(levels)}
    assert depth_of(body) <= MAX_JSON_DEPTH  # the JSON limit leaves room for them
    response = requests.post(base + "/result", json=body, headers=auth_headers, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json() == [1]  # 0 + 1, passed out through every level
    too_deep = {"process": nested_callbacks(levels + 1)}
    response = requests.post(base + "/result", json=too_deep, headers=auth_headers, timeout=60)
    assert response.status_code == 400 and response.json()["code"] == "ProcessGraphComplexity"


def store_udp_chain(base: str, headers: dict, prefix: str, count: int, levels: int) -> list:
    """``count`` user-defined processes, each calling the next inside ``levels`` nested
    callbacks (the last one adds 1); the answers of storing them, last first."""
    answers = []
    for i in reversed(range(count)):
        innermost = (
            {
                "process_id": "add",
                "arguments": {"x": {"from_parameter": "x"}, "y": 1},
                "result": True,
            }
            if i == count - 1
            else {
                "process_id": f"{prefix}{i + 1}",
                "namespace": "user",
                "arguments": {"x": {"from_parameter": "x"}},
                "result": True,
            }
        )
        inner: dict = {"process_graph": {"a": innermost}}
        inner = wrapped_in_array_apply(inner, levels)
        process = {
            **inner,
            "parameters": [{"name": "x", "description": "a number", "schema": {"type": "number"}}],
        }
        answers.append(
            requests.put(
                f"{base}/process_graphs/{prefix}{i}", json=process, headers=headers, timeout=TIMEOUT
            )
        )
    return answers


def test_callbacks_nested_through_user_processes_are_bounded(base, auth_headers):
    """Each process within the limits, but 16 of them with 31 nested callbacks each
    nested 500 callbacks at evaluation: a RecursionError (500).  The nesting counts
    through user-defined processes now."""
    from xcube_openeo.engine.env import Limits

    answers = store_udp_chain(base, auth_headers, "chain", 5, 10)
    assert answers[0].status_code == 200 and answers[-1].status_code == 400, answers[-1].text
    refused = next(a for a in answers if a.status_code != 200).json()
    assert refused["code"] == "ProcessGraphComplexity"
    assert str(Limits().max_child_depth) in refused["message"]
    # within the limit: 16 processes (the most that may call each other), 1 level each
    answers = store_udp_chain(base, auth_headers, "flat", Limits().max_user_process_depth, 1)
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    graph = {
        "r": {"process_id": "flat0", "namespace": "user", "arguments": {"x": 0}, "result": True}
    }
    response = requests.post(
        base + "/result",
        json={"process": {"process_graph": graph}},
        headers=auth_headers,
        timeout=60,
    )
    assert response.status_code == 200 and response.json() == 1, response.text
    assert_still_answering(base)
