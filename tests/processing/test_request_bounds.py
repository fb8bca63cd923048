"""Every synchronous request is bounded in time and memory.

- The deadline (``SyncTimeout``) covers the whole request: evaluation stops between
  process nodes, the in-process computation starts no task past it, the cluster
  computation is cancelled; the answer is 408 ``RequestTimeout`` right then, even if a
  step cannot be interrupted, while the server keeps answering other clients.
- Memory: what a request needs at once is estimated from its dask graph (the result
  and the intermediate steps, not only the values read) and refused above
  ``SyncMaxMemory`` before anything is computed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import requests
import xarray as xr

from tests.conftest import login
from tests.fixtures import crs_variable
from tests.server import RunningServer
from xcube_openeo.engine import EvalEnv, evaluate_process
from xcube_openeo.engine.registry import ProcessImpl, ProcessRegistry
from xcube_openeo.errors import OpenEOError
from xcube_openeo.execution.compute import compute_locally, local_threads
from xcube_openeo.execution.deadline import Deadline
from xcube_openeo.execution.estimate import estimate
from xcube_openeo.processes import REGISTRY

# --- in the process: deadline and estimates --------------------------------------------


def test_local_computation_starts_no_task_past_the_deadline() -> None:
    started: list[float] = []

    def slow(block: np.ndarray) -> np.ndarray:
        started.append(time.monotonic())
        time.sleep(0.05)
        return block

    # 200 tasks of 50 ms: several seconds on any number of threads up to 8.
    lazy = xr.DataArray(da.zeros(200, chunks=1).map_blocks(slow, dtype=float))
    begin = time.monotonic()
    with pytest.raises(OpenEOError) as info:
        compute_locally(lazy, Deadline(0.3))
    assert info.value.code == "RequestTimeout"
    assert time.monotonic() - begin < 2.0
    at_timeout = len(started)
    time.sleep(0.6)
    # At most the tasks already handed to threads ran after it; nothing new started.
    assert len(started) <= at_timeout + local_threads()
    assert len(started) < 100
    assert all(t < begin + 0.3 + 0.2 for t in started)


def test_evaluation_checks_the_deadline_between_nodes() -> None:
    calls: list[int] = []

    def slow_add(x: Any, y: Any) -> Any:
        calls.append(1)
        time.sleep(0.05)
        return x + y

    registry = ProcessRegistry()
    registry.impls.update(REGISTRY.impls)
    registry.impls["add"] = ProcessImpl("add", slow_add, takes_env=False)

    def chain(n: int) -> dict[str, Any]:
        graph = {f"n{i}": {"process_id": "add", "arguments": {
            "x": {"from_node": f"n{i - 1}"} if i else 0, "y": 1}} for i in range(n)}  # fmt: skip
        graph[f"n{n - 1}"]["result"] = True
        return {"process_graph": graph}

    assert evaluate_process(chain(3), EvalEnv(deadline=Deadline(10)), registry=registry) == 3
    calls.clear()
    begin = time.monotonic()
    with pytest.raises(OpenEOError) as info:
        evaluate_process(chain(100), EvalEnv(deadline=Deadline(0.3)), registry=registry)
    assert info.value.code == "RequestTimeout"
    assert time.monotonic() - begin < 1.0
    assert 3 <= len(calls) < 20  # 100 nodes would take 5 s


def test_estimate_counts_intermediate_steps_not_only_inputs() -> None:
    # Small chunks read, one large chunk in between (a rechunk), one value out.
    source = xr.DataArray(da.zeros((2000, 1000), chunks=(100, 100), dtype="float32"))
    joined = source.chunk({"dim_0": -1, "dim_1": -1}).astype("float64") * 2.0
    size = estimate(joined.mean())
    assert size.output_bytes == 8
    assert size.largest_chunk_bytes >= 2000 * 1000 * 4
    assert size.memory_bytes(threads=1) >= 2000 * 1000 * 8  # the float64 product
    assert size.tasks > 200
    assert "of memory" in size.describe(threads=2)
    streaming = estimate((source.astype("float64") * 2.0).mean())
    assert streaming.memory_bytes(threads=1) < 1_000_000  # chunk by chunk


# --- through a real server --------------------------------------------------------------

BIG = {"nt": 24, "n": 2048, "chunks": (1, 512, 512)}


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A test-only collection of zeros (tiny on disk), about 100 million values: below
    the default input limit of synchronous requests, but slow to compute through a
    long chain of trigonometric functions."""
    n, nt = BIG["n"], BIG["nt"]
    x = 675005.0 + 10 * np.arange(n)
    y = 5155995.0 - 10 * np.arange(n)
    time_ = pd.date_range("2022-01-01", periods=nt, freq="5D")
    values = da.zeros((nt, n, n), dtype="uint16", chunks=BIG["chunks"])
    ds = xr.Dataset(
        {"B01": (("time", "y", "x"), values, {"grid_mapping": "crs", "nodata": 0})},
        coords={"x": x, "y": y, "time": time_},
    )
    ds["crs"] = crs_variable(32632)
    path = tmp_path_factory.mktemp("big") / "big.zarr"
    ds.to_zarr(path, mode="w")
    return str(path)


@contextlib.contextmanager
def bounded_server(
    server_config: dict, big: str | None = None, **openeo: object
) -> Iterator[tuple[str, dict[str, str]]]:
    """A server with ``openeo`` settings (and the BIG collection): (API root, headers)."""
    datasets = list(server_config["Datasets"])
    if big:
        datasets.append({"Identifier": "BIG", "Path": big, "FileSystem": "file"})
    config = {
        **server_config,
        "Datasets": datasets,
        "OpenEO": {**server_config["OpenEO"], **openeo},
    }
    running = RunningServer(config).start()
    try:
        yield running.url + "/openeo/1.2", login(running.url)
    finally:
        running.stop()


def post_result(base: str, graph: dict, headers: dict, timeout: float = 60) -> requests.Response:
    return requests.post(
        base + "/result",
        json={"process": {"process_graph": graph}},
        headers=headers,
        timeout=timeout,
    )


def trig_chain(length: int) -> dict[str, Any]:
    graph: dict[str, Any] = {}
    previous: dict[str, str] = {"from_parameter": "x"}
    for i in range(length):
        graph[f"f{i}"] = {"process_id": "sin" if i % 2 else "cos", "arguments": {"x": previous}}
        previous = {"from_node": f"f{i}"}
    graph[f"f{length - 1}"]["result"] = True
    return {"process_graph": graph}


def slow_graph() -> dict[str, Any]:
    """Seconds of CPU over all of BIG (measured: ~6 s on 2 cores with 40 functions)."""
    return {
        "load": {"process_id": "load_collection", "arguments": {
            "id": "BIG", "spatial_extent": None, "temporal_extent": None}},
        "apply": {"process_id": "apply", "arguments": {
            "data": {"from_node": "load"}, "process": trig_chain(60)}},
        "reduce": {"process_id": "reduce_dimension", "arguments": {
            "data": {"from_node": "apply"}, "dimension": "t", "reducer": {"process_graph": {
                "m": {"process_id": "mean", "arguments": {"data": {"from_parameter": "data"}},
                      "result": True}}}}},
        "save": {"process_id": "save_result", "arguments": {
            "data": {"from_node": "reduce"}, "format": "GTiff"}, "result": True},
    }  # fmt: skip


def warm_up(base: str, headers: dict) -> None:
    """Waits until small requests succeed (a dask cluster may still be starting)."""
    graph = {
        "load": {"process_id": "load_collection", "arguments": {
            "id": "S2_SMALL", "bands": ["B04"], "spatial_extent": None,
            "temporal_extent": ["2022-01-01", "2022-01-02"]}},
        "save": {"process_id": "save_result", "arguments": {
            "data": {"from_node": "load"}, "format": "JSON"}, "result": True},
    }  # fmt: skip
    for _ in range(60):
        if post_result(base, graph, headers).status_code == 200:
            return
        time.sleep(1)
    raise AssertionError("small requests keep failing")


def cpu_seconds_over(seconds: float) -> float:
    """CPU time this process (server, cluster threads, test) uses within ``seconds``."""
    begin = time.process_time()
    time.sleep(seconds)
    return time.process_time() - begin


@pytest.mark.server
@pytest.mark.parametrize("where", ["server process", "cluster"])
def test_slow_request_gets_408_promptly_and_stops(where, server_config, big_dataset):
    local = (
        {"SyncLocalMaxInputValues": 10**9}
        if where == "server process"
        else {"SyncLocalMaxInputValues": 0}
    )
    with bounded_server(server_config, big_dataset, SyncTimeout=1.0, **local) as (base, headers):
        warm_up(base, headers)
        answers: dict[str, Any] = {}

        def slow() -> None:
            begin = time.monotonic()
            answers["response"] = post_result(base, slow_graph(), headers)
            answers["seconds"] = time.monotonic() - begin

        worker = threading.Thread(target=slow)
        worker.start()
        time.sleep(0.4)
        # Meanwhile the server answers other clients.
        begin = time.monotonic()
        capabilities = requests.get(base + "/", timeout=10)
        assert capabilities.status_code == 200
        assert time.monotonic() - begin < 2.0
        worker.join(30)
        response = answers["response"]
        assert response.status_code == 408, response.text
        assert response.json()["code"] == "RequestTimeout"
        assert answers["seconds"] < 10.0  # 1 s deadline; the work alone takes several
        # The work has stopped: once running tasks are over, no CPU is spent on it.
        deadline = time.monotonic() + 10
        while cpu_seconds_over(0.5) > 0.2:
            assert time.monotonic() < deadline, "the computation goes on after its 408"
        # The server still computes what fits.
        small = post_result(
            base,
            {"a": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}},
            headers,
        )
        assert small.status_code == 200 and small.json() == 3


@pytest.mark.server
def test_stuck_step_is_answered_at_the_deadline(server_config, monkeypatch):
    """A step that cannot be interrupted (here: encoding) does not hold the answer: 408
    at the deadline; its admission slot stays taken until the step really ends."""
    from xcube_openeo.processing import controllers

    release = threading.Event()
    encode = controllers.encode_result

    def stuck_encode(ctx: Any, result: Any) -> Any:
        release.wait(20)
        return encode(ctx, result)

    monkeypatch.setattr(controllers, "encode_result", stuck_encode)
    graph = {"a": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}}
    with bounded_server(server_config, SyncTimeout=1.0, SyncMaxConcurrent=1) as (base, headers):
        try:
            begin = time.monotonic()
            response = post_result(base, graph, headers)
            assert response.status_code == 408, response.text
            assert response.json()["code"] == "RequestTimeout"
            assert time.monotonic() - begin < 5.0
            # The stuck request still runs: it still counts against SyncMaxConcurrent.
            busy = post_result(base, graph, headers)
            assert busy.status_code == 503
            assert busy.json()["code"] == "InfrastructureBusy"
            assert requests.get(base + "/", timeout=5).status_code == 200
        finally:
            release.set()
        monkeypatch.setattr(controllers, "encode_result", encode)
        for _ in range(50):  # the slot comes back once the stuck step is over
            again = post_result(base, graph, headers)
            if again.status_code != 503:
                break
            time.sleep(0.1)
        assert again.status_code == 200 and again.json() == 3


@pytest.mark.server
def test_memory_budget_refuses_before_computing(server_config, monkeypatch):
    """Inputs and result are small, an intermediate step is not: 400 with the estimate,
    and nothing is computed."""
    from xcube_openeo.execution import compute

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("computed although over the memory budget")

    monkeypatch.setattr(compute, "compute_locally", never)
    monkeypatch.setattr(compute, "compute_result", never)
    monkeypatch.setattr("xcube_openeo.execution.compute_result", never)
    # S2_SMALL: 6 dates of 30 x 40 pixels (7,200 values of 2 bytes in one chunk); the
    # float64 steps in between need 57.6 kB a chunk, the result 9.6 kB.
    graph = {
        "load": {"process_id": "load_collection", "arguments": {
            "id": "S2_SMALL", "bands": ["B04"], "spatial_extent": None,
            "temporal_extent": None}},
        "reduce": {"process_id": "reduce_dimension", "arguments": {
            "data": {"from_node": "load"}, "dimension": "t", "reducer": {"process_graph": {
                "m": {"process_id": "mean", "arguments": {"data": {"from_parameter": "data"}},
                      "result": True}}}}},
        "save": {"process_id": "save_result", "arguments": {
            "data": {"from_node": "reduce"}, "format": "JSON"}, "result": True},
    }  # fmt: skip
    with bounded_server(server_config, SyncMaxMemory=40_000) as (base, headers):
        response = post_result(base, graph, headers)
        assert response.status_code == 400, response.text
        doc = response.json()
        assert doc["code"] == "ProcessGraphComplexity"
        # Refused for the memory estimate (the input limit is far away).
        assert "of memory" in doc["message"] and "at most 39.1 KiB" in doc["message"]
    monkeypatch.undo()
    with bounded_server(server_config, SyncMaxMemory=10_000_000) as (base, headers):
        response = post_result(base, graph, headers)
        assert response.status_code == 200, response.text


def test_cross_grid_merge_answers_quickly(server, auth_headers, fixture_datasets, tmp_path):
    """The reported request on the test collections: S2 (UTM, 10 m) merged with the
    global lat/lon cube over all their dates; the other cube's band is on S2's grid."""
    base = server.url + "/openeo/1.2"
    graph = {
        "s2": {"process_id": "load_collection", "arguments": {
            "id": "S2_SMALL", "bands": ["B04"], "spatial_extent": None,
            "temporal_extent": None}},
        "gl": {"process_id": "load_collection", "arguments": {
            "id": "GLOBAL_SMALL", "bands": ["t2m"],
            "spatial_extent": {"west": 0, "east": 30, "south": 30, "north": 60},
            "temporal_extent": None}},
        "merge": {"process_id": "merge_cubes", "arguments": {
            "cube1": {"from_node": "s2"}, "cube2": {"from_node": "gl"}}},
        "save": {"process_id": "save_result", "arguments": {
            "data": {"from_node": "merge"}, "format": "netCDF"}, "result": True},
    }  # fmt: skip
    begin = time.monotonic()
    response = post_result(base, graph, auth_headers)
    assert response.status_code == 200, response.text
    assert time.monotonic() - begin < 30
    path = tmp_path / "merged.nc"
    path.write_bytes(response.content)
    merged = xr.open_dataset(path).load()
    names = set(merged.data_vars)
    assert {"B04", "t2m"} <= names, names
    source = xr.open_zarr(fixture_datasets["GLOBAL_SMALL"])["t2m"]
    # The S2 area (about 11.3 E, 46.5 N) lies in the 10-degree cell centred at 15 E, 45 N.
    expected = source.sel(lon=15.0, lat=45.0).values
    t2m = merged["t2m"]
    assert t2m.shape[-2:] == merged["B04"].shape[-2:] == (30, 40)
    assert set(source["time"].values) <= set(t2m["t"].values)  # the union of the dates
    for day, value in zip(source["time"].values, expected, strict=True):
        np.testing.assert_allclose(t2m.sel(t=day).values, value, rtol=1e-6)


def test_long_loops_inside_one_process_stop_at_the_deadline() -> None:
    """A single node can take long by itself (here: resampling to a grid of 250,000
    small blocks builds a large graph); it checks the request's current deadline."""
    from tests.processing.test_merge_grids import call, utm_cube
    from xcube_openeo.execution.deadline import deadline_scope

    cube = utm_cube(40, 40)
    cube = cube.with_data(cube.data.chunk({"y": 4, "x": 4}))
    begin = time.monotonic()
    with deadline_scope(Deadline(0.3)), pytest.raises(OpenEOError) as info:
        call(
            "resample_spatial",
            data=cube,
            resolution=0.2,
            projection=None,
            method="near",
            align="upper-left",
        )
    assert info.value.code == "RequestTimeout"
    assert time.monotonic() - begin < 2.0


def test_absurd_target_grids_are_refused_at_once() -> None:
    from tests.processing.test_merge_grids import call, utm_cube

    begin = time.monotonic()
    with pytest.raises(OpenEOError) as info:
        call(
            "resample_spatial",
            data=utm_cube(),
            resolution=1e-6,
            projection=None,
            method="near",
            align="upper-left",
        )
    assert info.value.code == "ProcessGraphComplexity"
    with pytest.raises(OpenEOError) as info:  # 2 mm pixels: each axis allowed, too many chunks
        call(
            "resample_spatial",
            data=utm_cube(),
            resolution=[0.002, 0.0021],
            projection=None,
            method="near",
            align="upper-left",
        )
    assert info.value.code == "ProcessGraphComplexity"
    assert "chunks" in info.value.message
    assert time.monotonic() - begin < 5.0


def test_tasks_computed_in_process_see_the_request_deadline() -> None:
    from xcube_openeo.execution.deadline import current_deadline, deadline_scope

    seen: list[Any] = []

    def look(block: np.ndarray) -> np.ndarray:
        seen.append(current_deadline())
        return block

    deadline = Deadline(30)
    with deadline_scope(deadline):
        compute_locally(xr.DataArray(da.zeros(4, chunks=1).map_blocks(look)), deadline)
    assert seen and all(d is deadline for d in seen)


@pytest.mark.server
def test_local_memory_limit_sends_requests_to_the_cluster(server_config, monkeypatch):
    """Few values read, but more memory than SyncLocalMaxMemory: not in the server."""
    from xcube_openeo.execution import compute

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("computed in the server process")

    graph = {
        "load": {"process_id": "load_collection", "arguments": {
            "id": "S2_SMALL", "bands": ["B04"], "spatial_extent": None,
            "temporal_extent": None}},
        "save": {"process_id": "save_result", "arguments": {
            "data": {"from_node": "load"}, "format": "JSON"}, "result": True},
    }  # fmt: skip
    with bounded_server(server_config, SyncLocalMaxInputValues=10**9, SyncLocalMaxMemory=1000) as (
        base,
        headers,
    ):
        monkeypatch.setattr(compute, "compute_locally", never)
        response = post_result(base, graph, headers)
        assert response.status_code == 200, response.text
        assert np.array(response.json()["data"], dtype=float).size == 6 * 30 * 40
