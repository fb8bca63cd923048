"""Batch jobs through the HTTP API of a real server."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import rasterio
import requests
import xarray as xr

from tests.jobs.conftest import JobClient, load_graph
from tests.openapi import validate_response


@pytest.fixture(scope="module")
def jobs(server, auth_headers) -> JobClient:
    return JobClient(server.url, auth_headers)


def test_job_lifecycle_and_results(jobs: JobClient, fixture_datasets):
    job_id = jobs.create(load_graph(slow=0.2), title="NDVI", description="two bands")
    created = jobs.request("GET", f"/jobs/{job_id}")
    validate_response(jobs.base, created)
    assert created.json()["status"] == "created"
    assert created.json()["process"] == load_graph(slow=0.2)

    assert jobs.request("GET", f"/jobs/{job_id}/results").json()["code"] == "JobNotStarted"
    start = jobs.request("POST", f"/jobs/{job_id}/results")
    assert start.status_code == 202
    validate_response(jobs.base, start)
    record: list = []
    job = jobs.wait(job_id, record=record)
    assert job["status"] == "finished", jobs.request("GET", f"/jobs/{job_id}/logs").text
    statuses = [s for s, _ in record]
    assert statuses[0] in ("queued", "running") and "running" in statuses
    progress = [p for s, p in record if p is not None]
    assert progress == sorted(progress), progress  # never decreasing
    assert any(0 < p < 100 for p in progress), progress  # measured, not jumped
    assert job["progress"] == 100
    assert job["usage"]["duration"]["value"] > 0
    assert job["usage"]["cpu"]["value"] > 0

    results = jobs.request("GET", f"/jobs/{job_id}/results")
    assert results.status_code == 200
    validate_response(jobs.base, results)
    item = results.json()
    assert item["type"] == "Feature" and item["properties"]["openeo:status"] == "finished"
    assert item["properties"]["expires"]
    w, s, e, n = item["bbox"]
    assert 11.2 < w < e < 11.3 and 46.5 < s < n < 46.6
    assert len(item["assets"]) == 6  # one COG per date
    source = xr.open_zarr(fixture_datasets["S2_SMALL"])
    for asset in item["assets"].values():
        # Signed URLs work without a token.
        response = requests.get(asset["href"])
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("image/tiff")
        assert int(response.headers["Content-Length"]) == asset["file:size"]
        with rasterio.open(io.BytesIO(response.content)) as cog:
            date = np.datetime64(asset["datetime"].rstrip("Z"))
            expected = source.sel(time=date)
            np.testing.assert_array_equal(cog.read(1), expected.B04.values)
            np.testing.assert_array_equal(cog.read(2), expected.B08.values)
            assert cog.crs.to_epsg() == 32632
    canonical = next(link for link in item["links"] if link["rel"] == "canonical")
    assert requests.get(canonical["href"]).json()["id"] == job_id

    logs = jobs.request("GET", f"/jobs/{job_id}/logs")
    validate_response(jobs.base, logs)
    messages = [entry["message"] for entry in logs.json()["logs"]]
    assert any("Size estimate" in m for m in messages)
    assert any("written by worker" in m for m in messages)
    assert not any("Traceback" in m or "/work/" in m for m in messages)
    first = jobs.request("GET", f"/jobs/{job_id}/logs?limit=2").json()
    assert len(first["logs"]) == 2
    rest = jobs.request("GET", f"/jobs/{job_id}/logs?offset={first['logs'][-1]['id']}").json()
    assert [e["id"] for e in rest["logs"]] == [e["id"] for e in logs.json()["logs"]][2:]


def test_signed_urls_refuse_tampering(jobs: JobClient):
    job_id = jobs.create(load_graph())
    jobs.request("POST", f"/jobs/{job_id}/results")
    jobs.wait(job_id)
    asset = next(iter(jobs.request("GET", f"/jobs/{job_id}/results").json()["assets"].values()))
    href = asset["href"]
    expires = href.split("/results/")[1].split("/")[0]
    tampered = href.replace(f"/results/{expires}/", f"/results/{int(expires) + 1}/")
    assert requests.get(tampered).status_code == 404
    other = href.replace(job_id, jobs.create(load_graph()))
    assert requests.get(other).status_code == 404
    assert requests.get(href.rsplit("/", 1)[0] + "/../../x").status_code == 404


def test_cancel_stops_the_job(jobs: JobClient):
    job_id = jobs.create(load_graph(slow=1.0))
    jobs.request("POST", f"/jobs/{job_id}/results")
    jobs.wait(job_id, until=("running",))
    locked = jobs.request("PATCH", f"/jobs/{job_id}", json={"title": "new"})
    assert locked.status_code == 400 and locked.json()["code"] == "JobLocked"
    cancel = jobs.request("DELETE", f"/jobs/{job_id}/results")
    assert cancel.status_code == 204
    job = jobs.wait(job_id, timeout=10)
    assert job["status"] == "canceled"

    def messages() -> list[str]:
        return [e["message"] for e in jobs.request("GET", f"/jobs/{job_id}/logs").json()["logs"]]

    assert any("canceled by its owner" in m for m in messages())
    # The runner notices within a poll interval and stops the work on the cluster.
    deadline = time.monotonic() + 10
    while not any("computation on the cluster was stopped" in m for m in messages()):
        assert time.monotonic() < deadline, messages()
        time.sleep(0.1)
    assert jobs.status(job_id)["status"] == "canceled"


def test_failed_job_reports_its_error(jobs: JobClient):
    # PNG takes one time step; the cube has six: the writer refuses it on the worker.
    job_id = jobs.create(load_graph(fmt="PNG"))
    jobs.request("POST", f"/jobs/{job_id}/results")
    job = jobs.wait(job_id)
    assert job["status"] == "error"
    results = jobs.request("GET", f"/jobs/{job_id}/results")
    assert results.status_code == 424
    validate_response(jobs.base, results)
    assert results.json()["code"] != "Internal"
    logs = jobs.request("GET", f"/jobs/{job_id}/logs?level=error").json()["logs"]
    assert logs and all(e["level"] == "error" for e in logs)


def test_restart_discards_old_results(jobs: JobClient):
    job_id = jobs.create(load_graph(bands=["B04"], fmt="netCDF"))
    jobs.request("POST", f"/jobs/{job_id}/results")
    jobs.wait(job_id)
    first = jobs.request("GET", f"/jobs/{job_id}/results").json()["assets"]
    assert list(first) == ["result.nc"]
    patched = jobs.request(
        "PATCH", f"/jobs/{job_id}", json={"process": load_graph(bands=["B08"], fmt="GTiff")}
    )
    assert patched.status_code == 204
    jobs.request("POST", f"/jobs/{job_id}/results")
    job = jobs.wait(job_id)
    assert job["status"] == "finished"
    second = jobs.request("GET", f"/jobs/{job_id}/results").json()["assets"]
    assert "result.nc" not in second and len(second) == 6
    old = requests.get(first["result.nc"]["href"])
    assert old.status_code == 404


def test_job_listing_editing_and_deleting(jobs: JobClient):
    job_id = jobs.create(load_graph(), title="first")
    listing = jobs.request("GET", "/jobs")
    validate_response(jobs.base, listing)
    assert job_id in {j["id"] for j in listing.json()["jobs"]}
    assert jobs.request("PATCH", f"/jobs/{job_id}", json={}).json()["code"] == "NoDataForUpdate"
    bad = jobs.request(
        "PATCH",
        f"/jobs/{job_id}",
        json={
            "process": {
                "process_graph": {"a": {"process_id": "nope", "arguments": {}, "result": True}}
            }
        },
    )
    assert bad.status_code == 400 and bad.json()["code"] == "ProcessUnsupported"
    assert jobs.request("PATCH", f"/jobs/{job_id}", json={"title": "renamed"}).status_code == 204
    assert jobs.status(job_id)["title"] == "renamed"
    estimate = jobs.request("GET", f"/jobs/{job_id}/estimate")
    validate_response(jobs.base, estimate)
    assert estimate.json()["size"] == 2 * 6 * 30 * 40 * 2  # 2 bands, 6 dates, uint16
    assert jobs.request("DELETE", f"/jobs/{job_id}").status_code == 204
    assert jobs.request("GET", f"/jobs/{job_id}").json()["code"] == "JobNotFound"


def test_invalid_jobs_are_refused(jobs: JobClient):
    response = jobs.request("POST", "/jobs", json={"title": "no process"})
    assert response.status_code == 400 and response.json()["code"] == "ProcessGraphMissing"
    response = jobs.request("POST", "/jobs", json={"process": load_graph(), "log_level": "x"})
    assert response.status_code == 400
    assert jobs.request("GET", "/jobs/j-nope").status_code == 404
    anonymous = requests.get(jobs.base + "/jobs")
    assert anonymous.status_code == 401
