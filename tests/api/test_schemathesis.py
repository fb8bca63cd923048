"""A bounded schemathesis run over the openEO API document: no server errors.

schemathesis (its CLI, in a subprocess) generates requests from
``../shared/openeo-api/openapi.yaml`` for every operation the server lists in its
capabilities: the examples of the document, its coverage cases (boundaries, missing
and wrong-typed values) and a few random examples per operation, authenticated as a
user of a real server started here, with identifiers of resources that exist (jobs,
services, processes, files, collections) in most requests.  Every answer must be
below 500, and the server must log no internal error.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import REPO, TEST_PASSWORD, TEST_USER, login
from tests.openapi import patched_spec
from tests.server import RunningServer

#: Random examples per operation (the examples and coverage phases add their own);
#: set XCUBE_OPENEO_FUZZ_EXAMPLES (and XCUBE_OPENEO_FUZZ_SEED) for longer runs by hand.
MAX_EXAMPLES = int(os.environ.get("XCUBE_OPENEO_FUZZ_EXAMPLES", 4))
#: The whole run takes about a minute on two cores (8,500 requests); five is a failure.
RUN_TIMEOUT = 300 * max(1, MAX_EXAMPLES // 25)
SEED = int(os.environ.get("XCUBE_OPENEO_FUZZ_SEED", 20260101))


@pytest.fixture(scope="module")
def fuzzed_server(server_config, tmp_path_factory) -> Iterator[RunningServer]:
    """A server of our own, like the demo's (its xcube APIs, a user with a storage
    quota): the run creates, changes and deletes resources and tries wrong logins,
    which must not disturb the other tests' servers."""
    demo = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text())
    users = [
        {**user, "Quota": 100 * 1024 * 1024}
        for user in server_config["OpenEO"]["Authentication"]["Users"]
    ]
    config = {
        **server_config,
        "api_spec": demo["api_spec"],
        "OpenEO": {
            **server_config["OpenEO"],
            "Authentication": {"Users": users},
            "DataDir": str(tmp_path_factory.mktemp("schemathesis-state")),
        },
    }
    running = RunningServer(config).start()
    yield running
    running.stop()


class InternalErrors(logging.Handler):
    """Collects the server's internal errors (each one a 500 with a logged cause)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self) -> str:
        return "\n".join(f"{r.getMessage()}\n{self.format(r)}" for r in self.records[:5])


def implemented_spec(base: str) -> dict:
    """The API document reduced to the operations the server lists in ``endpoints``."""
    endpoints = requests.get(base + "/", timeout=10).json()["endpoints"]
    implemented = {(e["path"], m.lower()) for e in endpoints for m in e["methods"]}
    spec = patched_spec(base)
    methods = {"get", "put", "post", "patch", "delete"}
    paths = {}
    for path, item in spec["paths"].items():
        kept = {k: v for k, v in item.items() if k not in methods or (path, k) in implemented}
        if methods & set(kept):
            paths[path] = kept
    spec["paths"] = paths
    # `not: {}` (a property that must be absent) in `process_argument_value`: schemathesis
    # cannot generate from a `not` without its complement spelled out (it refuses the
    # operation).  Without these three constraints generation is only less strict.
    restricted = spec["components"]["schemas"]["process_argument_value"]["anyOf"][0]
    assert all(v == {"not": {}} for v in restricted.pop("properties").values())
    return spec


def create_resources(base: str, headers: dict[str, str]) -> dict[str, list[str]]:
    """A job, a service, a user-defined process and a file, for the path parameters."""
    process = {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": "S2_SMALL",
                    "spatial_extent": None,
                    "temporal_extent": None,
                    "bands": ["B04", "B08"],
                },
            },
            "ndvi": {
                "process_id": "ndvi",
                "arguments": {"data": {"from_node": "load"}},
                "result": True,
            },
        }
    }
    job = requests.post(base + "/jobs", json={"process": process}, headers=headers, timeout=30)
    service = requests.post(
        base + "/services", json={"type": "XYZ", "process": process}, headers=headers, timeout=30
    )
    udp = requests.put(
        base + "/process_graphs/fuzzed_ndvi", json=process, headers=headers, timeout=30
    )
    file = requests.put(
        base + "/files/fuzz%2Fdata.txt", data=b"some text\n", headers=headers, timeout=30
    )
    for response in (job, service, udp, file):
        assert response.status_code < 300, response.text
    return {
        "job_id": [job.headers["OpenEO-Identifier"]],
        "service_id": [service.headers["OpenEO-Identifier"]],
        "process_graph_id": ["fuzzed_ndvi"],
        "path": ["fuzz/data.txt"],
        "collection_id": ["S2_SMALL", "GLOBAL_SMALL"],
    }


def toml_config(headers: dict[str, str], basic: str, resources: dict[str, list[str]]) -> str:
    """schemathesis.toml: headers, and existing identifiers in 80 % of the requests."""
    lines = ["[headers]"]
    lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in headers.items()]
    for name, values in resources.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines += ["[parameters]"]
    lines += [
        f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}' for name in resources
    ]
    # Logins take Basic credentials, not the token.
    lines += [
        "[[operations]]",
        'include-path = "/credentials/basic"',
        f'headers = {{ Authorization = "Basic {basic}" }}',
    ]
    return "\n".join(lines) + "\n"


def run_schemathesis(
    spec_path: Path, base: str, config_path: Path, report_dir: Path, cwd: Path
) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config_path),
        "run",
        str(spec_path),
        "--url",
        base,
        "--checks",
        "not_a_server_error",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        # One worker: hypothesis describing strategies in several threads at once trips
        # over a CPython 3.11 race in ast.parse (SystemError) now and then.
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-shrink",
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "false",
        "--report",
        "ndjson",
        "--report-dir",
        str(report_dir),
    ]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT)


def read_interactions(report_dir: Path) -> list[tuple[str, int | None, list[dict]]]:
    """(operation, status or None without a response, checks) of every request the run
    made, from its NDJSON report."""
    (path,) = report_dir.glob("*.ndjson")
    interactions = []
    for line in path.read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event["recorder"]
        for case_id, interaction in recorder.get("interactions", {}).items():
            response = interaction.get("response")
            interactions.append(
                (
                    recorder["label"],
                    response and response["status_code"],
                    recorder.get("checks", {}).get(case_id, []),
                )
            )
    return interactions


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(fuzzed_server, tmp_path):
    base = fuzzed_server.url + "/openeo/1.2"
    headers = login(fuzzed_server.url)
    resources = create_resources(base, headers)
    spec = implemented_spec(base)
    operations = sum(1 for item in spec["paths"].values() for k in item if k != "parameters")
    assert operations >= 30  # the capabilities list that many (checked, not skipped)

    spec_path = tmp_path / "openapi.json"
    # YAML gives dates as datetime objects; JSON wants them as text.
    spec_path.write_text(json.dumps(spec, default=lambda value: value.isoformat()))
    basic = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
    config_path = tmp_path / "schemathesis.toml"
    config_path.write_text(toml_config(headers, basic, resources))

    errors = InternalErrors()
    logger = logging.getLogger("xcube.openeo")
    logger.addHandler(errors)
    try:
        result = run_schemathesis(spec_path, base, config_path, tmp_path / "report", tmp_path)
    finally:
        logger.removeHandler(errors)
    output = result.stdout[-20000:] + result.stderr[-5000:]

    interactions = read_interactions(tmp_path / "report")
    server_errors = [
        (label, status) for label, status, _ in interactions if status is None or status >= 500
    ]
    failed_checks = [
        (label, check)
        for label, _, checks in interactions
        for check in checks
        if check["status"] != "success"
    ]
    assert not server_errors, f"{server_errors[:20]}\n{output}"
    assert not failed_checks, f"{failed_checks[:20]}\n{output}"
    assert not errors.records, f"internal server errors:\n{errors.describe()}\n{output}"
    assert result.returncode == 0, output
    # Exercised, not skipped: every operation, with many requests in all.
    exercised = {label for label, _, _ in interactions}
    statuses = Counter(f"{status // 100}xx" for _, status, _ in interactions if status)
    print(
        f"schemathesis: {len(interactions)} requests, {len(exercised)} operations,"
        f" {dict(sorted(statuses.items()))}"
    )
    assert len(exercised) == operations, sorted(exercised)
    assert len(interactions) >= 1000, len(interactions)
    assert sum(1 for _, status, _ in interactions if status is not None and status < 300) >= 100


# --- what the run found, kept as plain tests ---------------------------------------------


def _new_job(base: str, headers: dict[str, str]) -> str:
    """The id of a new job (a one-node graph) of the user of ``headers``."""
    graph = {"a": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}}
    job = requests.post(
        base + "/jobs", headers=headers, timeout=30, json={"process": {"process_graph": graph}}
    )
    assert job.status_code == 201, job.text
    return job.headers["OpenEO-Identifier"]


@pytest.mark.parametrize(
    "value", ["2295452622723028090880", "9223372036854775808", "1_0", " 7", "+3", "٣"]
)
def test_query_integers_beyond_int64_or_not_decimal_are_refused(fuzzed_server, value):
    """``GET /jobs/{job_id}/logs?limit=2295452622723028090880`` gave 500 (the limit
    went on to SQLite, which takes 64-bit integers only)."""
    base = fuzzed_server.url + "/openeo/1.2"
    headers = login(fuzzed_server.url)
    job_id = _new_job(base, headers)
    for path in (
        f"/jobs/{job_id}/logs",
        "/jobs",
        "/processes",
        "/process_graphs",
        "/services",
        "/files",
        "/collections",
    ):
        response = requests.get(base + path, params={"limit": value}, headers=headers, timeout=30)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "BadRequest"
    response = requests.get(
        base + f"/jobs/{job_id}/logs",
        params={"limit": "9223372036854775807"},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("offset", ["999999999999999999999999999999", "²", "-1", "1 "])
def test_log_offsets_beyond_int64_or_not_decimal_are_refused(fuzzed_server, offset):
    """``GET /jobs/{job_id}/logs?offset=999999999999999999999999999999`` gave 500
    (SQLite's integers end at 2**63); "²" passed str.isdigit and failed in int()."""
    base = fuzzed_server.url + "/openeo/1.2"
    headers = login(fuzzed_server.url)
    job_id = _new_job(base, headers)
    response = requests.get(
        base + f"/jobs/{job_id}/logs", params={"offset": offset}, headers=headers, timeout=30
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BadRequest"
    response = requests.get(
        base + f"/jobs/{job_id}/logs", params={"offset": "0"}, headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
