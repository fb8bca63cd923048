"""Jobs, logs and results survive a server killed with SIGKILL; interrupted jobs say so."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.accounts.process_server import ServerProcess
from tests.conftest import login
from tests.jobs.conftest import JobClient, load_graph


@pytest.mark.server
@pytest.mark.slow
def test_jobs_survive_kill_9(tmp_path: Path, server_config):
    config = {
        **server_config,
        "OpenEO": {
            **server_config["OpenEO"],
            "DataDir": str(tmp_path / "state"),
            "Jobs": {"MaxConcurrent": 1},
        },
    }
    first = ServerProcess(config, tmp_path).start()
    try:
        jobs = JobClient(first.url, login(first.url))
        done = jobs.create(load_graph(fmt="netCDF"), title="done")
        jobs.request("POST", f"/jobs/{done}/results")
        assert jobs.wait(done)["status"] == "finished"
        asset = jobs.request("GET", f"/jobs/{done}/results").json()["assets"]["result.nc"]
        content = requests.get(asset["href"]).content
        created = jobs.create(load_graph(), title="never started")
        busy = [jobs.create(load_graph(), title=f"busy {i}") for i in range(2)]
        for job_id in busy:
            jobs.request("POST", f"/jobs/{job_id}/results")
        active = [j for j in busy if jobs.status(j)["status"] in ("queued", "running")]
        first.kill()
    finally:
        first.kill()
    assert active, "both jobs finished before the kill; nothing was interrupted"

    second = ServerProcess(config, tmp_path).start()
    try:
        jobs = JobClient(second.url, login(second.url))
        assert jobs.status(done)["status"] == "finished"
        assert jobs.status(created)["status"] == "created"
        # Signed URLs stay valid: the signing key is kept in the data directory.
        # (the new server listens on another port: same path, new host)
        assert requests.get(second.url + urlparse(asset["href"]).path).content == content
        for job_id in active:
            assert jobs.status(job_id)["status"] == "error"
            logs = jobs.request("GET", f"/jobs/{job_id}/logs").json()["logs"]
            assert "server stopped" in logs[-1]["message"] and logs[-1]["level"] == "error"
            results = jobs.request("GET", f"/jobs/{job_id}/results")
            assert results.status_code == 424
            # Re-running is the documented way back.
            assert jobs.request("POST", f"/jobs/{job_id}/results").status_code == 202
            assert jobs.wait(job_id)["status"] == "finished"
    finally:
        second.kill()
