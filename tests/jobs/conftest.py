"""Fixtures of the batch-job tests: a slow test process, job helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from xcube_openeo.processes import REGISTRY

SLOW_PROCESS_ID = "test_slow_identity"


def _sleep_block(block: Any, seconds: float) -> Any:
    time.sleep(seconds)
    return block


def slow_identity(data: Any, seconds: float) -> Any:
    """The cube unchanged, each chunk taking ``seconds`` to compute (test only)."""
    return data.with_data(
        data.data.copy(data=data.data.data.map_blocks(_sleep_block, seconds, dtype=data.data.dtype))
    )


@pytest.fixture(scope="session", autouse=True)
def slow_process() -> Iterator[str]:
    """A test-only process, so that jobs run long enough to watch and cancel."""
    REGISTRY.specs[SLOW_PROCESS_ID] = {
        "id": SLOW_PROCESS_ID,
        "description": "Test only: slow identity.",
        "parameters": [
            {
                "name": "data",
                "description": "cube",
                "schema": {"type": "object", "subtype": "datacube"},
            },
            {"name": "seconds", "description": "per chunk", "schema": {"type": "number"}},
        ],
        "returns": {"description": "cube", "schema": {"type": "object", "subtype": "datacube"}},
    }
    REGISTRY.register(SLOW_PROCESS_ID, slow_identity)
    yield SLOW_PROCESS_ID
    REGISTRY.impls.pop(SLOW_PROCESS_ID, None)
    REGISTRY.specs.pop(SLOW_PROCESS_ID, None)


def load_graph(
    bands: list[str] | None = None,
    slow: float | None = None,
    fmt: str = "GTiff",
    options: dict | None = None,
) -> dict[str, Any]:
    graph: dict[str, Any] = {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": "S2_SMALL",
                "spatial_extent": None,
                "temporal_extent": None,
                "bands": bands or ["B04", "B08"],
            },
        },
    }
    source = "load"
    if slow is not None:
        graph["slow"] = {
            "process_id": SLOW_PROCESS_ID,
            "arguments": {"data": {"from_node": "load"}, "seconds": slow},
        }
        source = "slow"
    graph["save"] = {
        "process_id": "save_result",
        "arguments": {"data": {"from_node": source}, "format": fmt, "options": options or {}},
        "result": True,
    }
    return {"process_graph": graph}


class JobClient:
    """A thin client of the jobs API for tests."""

    def __init__(self, server_url: str, headers: dict[str, str]):
        self.base = server_url + "/openeo/1.2"
        self.headers = headers

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.base + path, headers=self.headers, **kwargs)

    def create(self, process: dict[str, Any], **fields: Any) -> str:
        response = self.request("POST", "/jobs", json={"process": process, **fields})
        assert response.status_code == 201, response.text
        return response.headers["OpenEO-Identifier"]

    def status(self, job_id: str) -> dict[str, Any]:
        return self.request("GET", f"/jobs/{job_id}").json()

    def wait(
        self,
        job_id: str,
        until: tuple[str, ...] = ("finished", "error", "canceled"),
        timeout: float = 120,
        record: list | None = None,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.status(job_id)
            if record is not None:
                record.append((job["status"], job.get("progress")))
            if job["status"] in until:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not reach {until}: {job}")
