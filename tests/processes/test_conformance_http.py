"""The official examples of the scalar and array processes, run through the HTTP API.

Each example becomes a one-node process graph sent to ``POST /result``; the JSON result
must match like the in-process run does, so that the API and the engine agree.
Only examples that JSON can carry take part: JSON has no NaN or Infinity, and
labeled arrays, datetimes objects and data cubes have no JSON literal in a process
graph (those examples run in-process in ``test_conformance.py``).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import requests

from tests.processes import conformance
from tests.processes.test_conformance import EXPECTED_FAILURES

#: Process groups sent through HTTP: everything whose examples are scalars and arrays.
HTTP_CATEGORIES = {
    "math",
    "comparison",
    "logic",
    "texts",
    "text",
    "arrays",
    "reducer",
    "date & time",
    "math > statistics",
    "math > trigonometric",
    "math > exponential & logarithmic",
    "math > rounding",
    "math > constants",
    "math > interpolation",
    "math > cumulative",
}


def _json_literal(value: Any) -> tuple[bool, Any]:
    """(representable, value with {"type": "nodata"} as null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return False, None
    if isinstance(value, list):
        converted = [_json_literal(v) for v in value]
        return all(ok for ok, _ in converted), [v for _, v in converted]
    if isinstance(value, dict):
        if value.get("type") == "nodata":
            return True, None
        if value.get("type") in ("labeled-array", "datacube", "datetime") or "$ref" in value:
            return False, None
        converted = {k: _json_literal(v) for k, v in value.items()}
        return all(ok for ok, _ in converted.values()), {k: v for k, (_, v) in converted.items()}
    return True, value


def _http_examples() -> list[Any]:
    params = []
    for example in conformance.runnable_examples():
        definition = conformance.official_definition(example.process_id) or {}
        categories = set(definition.get("categories", []))
        if not categories & HTTP_CATEGORIES or "cubes" in categories:
            continue
        ok_args, arguments = _json_literal(dict(example.arguments))
        ok_returns, _ = _json_literal(example.returns) if example.has_returns else (True, None)
        if not (ok_args and ok_returns):
            continue
        arguments = conformance._fix_parameter_references(arguments)
        marks = []
        if example.id in EXPECTED_FAILURES:  # same reasons as in-process
            marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[example.id], strict=True))
        params.append(pytest.param(example, arguments, id=example.id, marks=marks))
    return params


EXAMPLES = _http_examples()


def test_enough_examples_go_through_http():
    assert len(EXAMPLES) > 300


@pytest.mark.parametrize(("example", "arguments"), EXAMPLES)
def test_example_through_http(server, auth_headers, example: conformance.Example, arguments: dict):
    graph = {"node": {"process_id": example.process_id, "arguments": arguments, "result": True}}
    response = requests.post(
        server.url + "/openeo/1.2/result",
        json={"process": {"process_graph": graph}},
        headers=auth_headers,
    )
    # As in-process: an example with both `throws` and `returns` accepts either outcome.
    if response.status_code != 200 and example.throws is not None:
        doc = response.json()
        assert response.status_code == 400 and doc["code"] != "Internal", doc
        if example.throws is not True:
            # Arguments that break the process's schema (e.g. index -1 where the minimum
            # is 0) are refused upfront by validation, as the examples' README requires.
            assert doc["code"] in (example.throws, "ProcessParameterInvalid"), doc
        return
    assert response.status_code == 200, response.text
    assert example.has_returns, f"expected {example.throws}, got {response.text}"
    expected = conformance.decode_expected(example.returns)
    conformance.assert_matches(response.json(), expected, example.delta)
