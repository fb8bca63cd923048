"""User-defined processes: /process_graphs, validation, namespace ``user`` in the engine."""

from __future__ import annotations

import openeo
import pytest
import requests

from tests.accounts.fixtures import PASSWORDS
from tests.openapi import validate_response
from xcube_openeo.engine import EvalEnv, evaluate_process

X = [{"name": "x", "description": "A number.", "schema": {"type": "number"}}]


def multiply(factor: float) -> dict:
    return {
        "parameters": X,
        "summary": f"times {factor}",
        "process_graph": {
            "m": {
                "process_id": "multiply",
                "arguments": {"x": {"from_parameter": "x"}, "y": factor},
                "result": True,
            }
        },
    }


def calling(*ids: str) -> dict:
    """x through each user-defined process in turn."""
    graph, previous = {}, {"from_parameter": "x"}
    for i, pid in enumerate(ids):
        graph[f"n{i}"] = {"process_id": pid, "namespace": "user", "arguments": {"x": previous}}
        previous = {"from_node": f"n{i}"}
    graph[f"n{len(ids) - 1}"]["result"] = True
    return {"parameters": X, "process_graph": graph}


def test_create_get_list_replace_delete(base: str, alice):
    url = base + "/process_graphs/double_it"
    created = requests.put(url, json=multiply(2), headers=alice)
    assert created.status_code == 200, created.text
    validate_response(base, created)

    got = requests.get(url, headers=alice)
    validate_response(base, got)
    assert got.json()["id"] == "double_it" and got.json()["summary"] == "times 2"
    assert got.json()["process_graph"] == multiply(2)["process_graph"]

    listing = requests.get(base + "/process_graphs", headers=alice)
    validate_response(base, listing)
    assert "double_it" in [p["id"] for p in listing.json()["processes"]]

    assert requests.put(url, json=multiply(3), headers=alice).ok
    assert requests.get(url, headers=alice).json()["summary"] == "times 3"

    deleted = requests.delete(url, headers=alice)
    assert deleted.status_code == 204
    validate_response(base, deleted)
    missing = requests.get(url, headers=alice)
    assert missing.status_code == 404 and missing.json()["code"] == "ProcessGraphNotFound"
    validate_response(base, missing)
    assert requests.delete(url, headers=alice).status_code == 404


@pytest.mark.parametrize(
    ("pid", "body", "code"),
    [
        ("add", multiply(2), "PredefinedProcessExists"),
        ("ndvi", multiply(2), "PredefinedProcessExists"),
        ("no_graph", {"parameters": X}, "ProcessGraphMissing"),
        (
            "bad_node",
            {
                "process_graph": {
                    "a": {"process_id": "no_such_process", "arguments": {}, "result": True}
                }
            },
            "ProcessUnsupported",
        ),
        (
            "no_arg",
            {"process_graph": {"a": {"process_id": "absolute", "arguments": {}, "result": True}}},
            "ProcessParameterRequired",
        ),
        ("self_call", calling("self_call"), "ProcessGraphInvalid"),
        ("mismatch", {**multiply(2), "id": "other"}, "ProcessGraphInvalid"),
    ],
)
def test_invalid_processes_are_not_stored(base: str, alice, pid: str, body: dict, code: str):
    response = requests.put(f"{base}/process_graphs/{pid}", json=body, headers=alice)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    validate_response(base, response)
    assert requests.get(f"{base}/process_graphs/{pid}", headers=alice).status_code == 404


@pytest.mark.parametrize("pid", ["with-dash", "has.dot", "sp%20ace"])
def test_ids_must_be_words(base: str, alice, pid: str):
    response = requests.put(f"{base}/process_graphs/{pid}", json=multiply(2), headers=alice)
    assert response.status_code == 400


def test_bodies_must_be_json_objects(base: str, alice):
    response = requests.put(base + "/process_graphs/p", data=b"[1]", headers=alice)
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"


def test_user_processes_call_each_other_and_recursion_is_refused(base: str, bob, accounts_server):
    assert requests.put(base + "/process_graphs/twice", json=multiply(2), headers=bob).ok
    assert requests.put(
        base + "/process_graphs/four_times", json=calling("twice", "twice"), headers=bob
    ).ok
    assert requests.put(
        base + "/process_graphs/eight_times", json=calling("four_times", "twice"), headers=bob
    ).ok
    # Mutual recursion through a replacement is refused; the old version stays.
    response = requests.put(
        base + "/process_graphs/twice", json=calling("eight_times"), headers=bob
    )
    assert response.status_code == 400 and response.json()["code"] == "ProcessGraphInvalid"
    assert "recursive" in response.json()["message"]
    assert requests.get(base + "/process_graphs/twice", headers=bob).json()["summary"] == "times 2"

    # The engine evaluates them from the store, as namespace "user".
    from xcube_openeo.store import get_store
    from xcube_openeo.store.config import database_url
    from xcube_openeo.udp.store import UserProcesses

    stored = UserProcesses(get_store(database_url(accounts_server.config["OpenEO"]))).all("bob")
    graph = {
        "process_graph": {
            "c": {
                "process_id": "eight_times",
                "namespace": "user",
                "arguments": {"x": 5},
                "result": True,
            }
        }
    }
    assert evaluate_process(graph, EvalEnv(user_processes=stored)) == 40


def test_openeo_client_manages_user_processes(accounts_server):
    connection = openeo.connect(accounts_server.url + "/openeo/1.2")
    connection.authenticate_basic("carol", PASSWORDS["carol"])
    connection.save_user_defined_process(
        "client_udp",
        multiply(10)["process_graph"],
        parameters=[openeo.api.process.Parameter.number("x", description="A number.")],
    )
    assert "client_udp" in [p["id"] for p in connection.list_user_defined_processes()]
    assert connection.user_defined_process("client_udp").describe()["id"] == "client_udp"
    connection.user_defined_process("client_udp").delete()
    assert "client_udp" not in [p["id"] for p in connection.list_user_defined_processes()]


def test_stored_processes_run_in_synchronous_requests_of_their_owner(base: str, alice, bob):
    body = {
        "parameters": X,
        "process_graph": {
            "p": {
                "process_id": "add",
                "arguments": {"x": {"from_parameter": "x"}, "y": 1},
                "result": True,
            }
        },
    }
    assert requests.put(base + "/process_graphs/plus_one", json=body, headers=alice).ok
    request = {
        "process": {
            "process_graph": {
                "c": {
                    "process_id": "plus_one",
                    "namespace": "user",
                    "arguments": {"x": 41},
                    "result": True,
                }
            }
        }
    }
    response = requests.post(base + "/result", json=request, headers=alice)
    assert response.status_code == 200, response.text
    assert response.json() == 42
    # Another user has no such process.
    response = requests.post(base + "/result", json=request, headers=bob)
    assert response.status_code == 400 and response.json()["code"] == "ProcessUnsupported"
