"""A batch job on a real dask cluster: one scheduler and two worker processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import login
from tests.jobs.conftest import JobClient, load_graph
from tests.server import RunningServer, free_port

DASK = str(Path(sys.executable).parent / "dask")


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[tuple[str, list[int]]]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    for _ in range(2):
        processes.append(
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--memory-limit",
                    "2GiB",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, [p.pid for p in processes[1:]]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:  # a worker waiting for its scheduler
                process.kill()
                process.wait(15)


@pytest.mark.server
def test_batch_job_is_written_by_the_workers(dask_cluster, server_config):
    address, worker_pids = dask_cluster
    config = {
        **server_config,
        "OpenEO": {**server_config["OpenEO"], "Dask": {"SchedulerAddress": address}},
    }
    running = RunningServer(config).start()
    try:
        jobs = JobClient(running.url, login(running.url))
        job_id = jobs.create(load_graph(fmt="netCDF"))
        jobs.request("POST", f"/jobs/{job_id}/results")
        job = jobs.wait(job_id, timeout=180)
        logs = [e["message"] for e in jobs.request("GET", f"/jobs/{job_id}/logs").json()["logs"]]
        assert job["status"] == "finished", logs
        writer = next(m for m in logs if "written by worker" in m)
        pid = int(re.search(r"pid (\d+)", writer).group(1))
        assert pid != os.getpid() and pid in worker_pids, (writer, worker_pids)
        assert address.rsplit(":", 1)[0].replace("tcp://", "") in writer
        asset = jobs.request("GET", f"/jobs/{job_id}/results").json()["assets"]["result.nc"]
        assert requests.get(asset["href"]).status_code == 200
        # The staged chunks were computed by the cluster too: its task counter moved.
        assert job["usage"]["cpu"]["value"] > 0
    finally:
        running.stop()
        time.sleep(0.2)
