"""Processing over HTTP: synchronous NDVI latency, throughput, and a year-long batch job.

    .venv/bin/python benchmarks/processing_http.py [sync] [throughput] [batch]
        [--requests 20] [--data-dir data] [--workers 1] [--memory-limit 3GiB]

Starts a real ``xcube serve`` on the demo data (a fresh state directory, one user) and
measures, in the same run:

- sync: NDVI on 256 x 256 pixels and one date, 20 requests end-to-end over HTTP
  (``POST /result``, GeoTIFF) against the same graph evaluated, computed and encoded
  in this process; prints p50/p95 and the p50 ratio (target <= 1.5);
- throughput: 8 concurrent small synchronous requests; requests per second, errors;
- batch: the whole demo year (NDVI, cloud mask, monthly median composites) as a batch
  job written as COG and as Zarr: duration, CPU seconds, and the largest worker memory
  the scheduler reported, against the configured worker memory limit.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import yaml

REPO = Path(__file__).resolve().parents[1]
USER, PASSWORD = "bench", "bench-password-1"
COLLECTION = "SENTINEL2_L2A_DEMO"
#: 256 x 256 pixels of 10 m at the north-west corner of the demo cube.
TILE_EXTENT = {
    "west": 677000,
    "east": 679560,
    "south": 5150440,
    "north": 5153000,
    "crs": "EPSG:32632",
}
ONE_DATE = ["2022-07-05", "2022-07-06"]


def say(message: str) -> None:
    print(f"[processing] {message}", flush=True)


def ndvi_graph(extent: dict[str, Any], dates: list[str], fmt: str = "GTiff") -> dict[str, Any]:
    return {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": COLLECTION,
                    "spatial_extent": extent,
                    "temporal_extent": dates,
                    "bands": ["B04", "B08"],
                },
            },
            "ndvi": {
                "process_id": "ndvi",
                "arguments": {"data": {"from_node": "load"}, "red": "B04", "nir": "B08"},
            },
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "ndvi"}, "format": fmt},
                "result": True,
            },
        }
    }


def year_graph(fmt: str) -> dict[str, Any]:
    """NDVI, clouds (SCL 3, 8, 9, 10) masked, monthly medians over all of 2022."""

    def eq(node: str, value: int) -> dict[str, Any]:
        return {"process_id": "eq", "arguments": {"x": {"from_node": "scl"}, "y": value}}

    cloud = {
        "process_graph": {
            "scl": {
                "process_id": "array_element",
                "arguments": {"data": {"from_parameter": "data"}, "label": "SCL"},
            },
            "e3": eq("scl", 3),
            "e8": eq("scl", 8),
            "e9": eq("scl", 9),
            "e10": eq("scl", 10),
            "o1": {
                "process_id": "or",
                "arguments": {"x": {"from_node": "e3"}, "y": {"from_node": "e8"}},
            },
            "o2": {
                "process_id": "or",
                "arguments": {"x": {"from_node": "o1"}, "y": {"from_node": "e9"}},
            },
            "o3": {
                "process_id": "or",
                "arguments": {"x": {"from_node": "o2"}, "y": {"from_node": "e10"}},
                "result": True,
            },
        }
    }
    median = {
        "process_graph": {
            "m": {
                "process_id": "median",
                "arguments": {"data": {"from_parameter": "data"}},
                "result": True,
            }
        }
    }
    return {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": COLLECTION,
                    "spatial_extent": None,
                    "temporal_extent": ["2022-01-01", "2023-01-01"],
                    "bands": ["B04", "B08", "SCL"],
                },
            },
            "cloud": {
                "process_id": "reduce_dimension",
                "arguments": {
                    "data": {"from_node": "load"},
                    "dimension": "bands",
                    "reducer": cloud,
                },
            },
            "ndvi": {
                "process_id": "ndvi",
                "arguments": {"data": {"from_node": "load"}, "red": "B04", "nir": "B08"},
            },
            "masked": {
                "process_id": "mask",
                "arguments": {"data": {"from_node": "ndvi"}, "mask": {"from_node": "cloud"}},
            },
            "monthly": {
                "process_id": "aggregate_temporal_period",
                "arguments": {
                    "data": {"from_node": "masked"},
                    "period": "month",
                    "reducer": median,
                },
            },
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "monthly"}, "format": fmt},
                "result": True,
            },
        }
    }


class Server:
    """``xcube serve`` on the demo data with a fresh state directory."""

    def __init__(self, data_dir: Path, workers: int, memory_limit: str, processes: bool = True):
        from xcube_openeo.auth.passwords import hash_password

        self.tmp = Path(tempfile.mkdtemp(prefix="xcube-openeo-bench-"))
        config_text = (REPO / "configs" / "demo.yaml").read_text()
        config_text = config_text.replace("${XCUBE_OPENEO_DATA_DIR}", str(data_dir))
        config = yaml.safe_load(config_text)
        config["OpenEO"]["DataDir"] = str(self.tmp / "state")
        config["OpenEO"]["Authentication"] = {
            "Users": [{"Id": USER, "Password": hash_password(PASSWORD, log2_n=14)}]
        }
        config["OpenEO"]["SyncMaxConcurrent"] = 8
        config["OpenEO"]["Dask"] = {
            "Workers": workers,
            "ThreadsPerWorker": 2,
            "MemoryLimit": memory_limit,
            "Processes": processes,
        }
        (self.tmp / "config.yaml").write_text(yaml.safe_dump(config))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.memory_limit = memory_limit

    def __enter__(self) -> Server:
        xcube = Path(sys.executable).parent / "xcube"
        self.log = open(self.tmp / "server.log", "wb")
        self.process = subprocess.Popen(
            [
                str(xcube),
                "serve",
                "-c",
                str(self.tmp / "config.yaml"),
                "-p",
                str(self.port),
                "-a",
                "127.0.0.1",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started = time.monotonic()
        while True:
            try:
                if requests.get(self.url + "/openeo/1.2/", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError((self.tmp / "server.log").read_text()[-3000:])
            time.sleep(0.2)
        say(f"server ready in {time.monotonic() - started:.1f} s at {self.url}")
        token = requests.get(
            self.url + "/openeo/1.2/credentials/basic", auth=(USER, PASSWORD)
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer basic//{token}"}
        return self

    def __exit__(self, *exc: Any) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def post_result(self, process: dict[str, Any]) -> requests.Response:
        return requests.post(
            self.url + "/openeo/1.2/result",
            json={"process": process},
            headers=self.headers,
            timeout=600,
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def in_process_runner(data_dir: Path):
    """The same graph evaluated, computed and encoded in this process."""
    import dask

    import xcube_openeo.processes  # noqa: F401  (registers the processes with the engine)
    from xcube_openeo.engine import EvalEnv, InMemoryCollections, evaluate_process
    from xcube_openeo.formats import load_formats
    from xcube_openeo.formats.writing import encode_response

    ml = _open_levels(data_dir / f"{COLLECTION}.levels")
    env = EvalEnv(collections=InMemoryCollections({COLLECTION: ml}))
    formats = load_formats()

    def run(process: dict[str, Any]) -> bytes:
        result = evaluate_process(process, env)
        with dask.config.set(scheduler="threads"):
            data, _, _ = encode_response(
                formats.find_output(result.format), result.data, result.options
            )
        return data

    return run


def _open_levels(path: Path) -> Any:
    from xcube.core.mldataset import FsMultiLevelDataset

    return FsMultiLevelDataset(str(path))


def bench_sync(server: Server, data_dir: Path, n: int) -> dict[str, float]:
    process = ndvi_graph(TILE_EXTENT, ONE_DATE)
    local = in_process_runner(data_dir)
    say("warming up both (file cache, first-use costs)")
    assert server.post_result(process).status_code == 200
    local(process)
    http_times, local_times = [], []
    for i in range(n):
        start = time.perf_counter()
        response = server.post_result(process)
        http_times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
        start = time.perf_counter()
        local(process)
        local_times.append(time.perf_counter() - start)
        say(
            f"sync {i + 1}/{n}: http {http_times[-1] * 1000:.0f} ms,"
            f" in-process {local_times[-1] * 1000:.0f} ms"
        )
    p50_http, p50_local = statistics.median(http_times), statistics.median(local_times)
    return {
        "http p50 ms": p50_http * 1000,
        "http p95 ms": percentile(http_times, 95) * 1000,
        "in-process p50 ms": p50_local * 1000,
        "in-process p95 ms": percentile(local_times, 95) * 1000,
        "p50 ratio (target <= 1.5)": p50_http / p50_local,
    }


def bench_throughput(server: Server, total: int = 32, concurrency: int = 8) -> dict[str, float]:
    process = ndvi_graph(TILE_EXTENT, ONE_DATE)
    statuses: list[int] = []

    def one(_: int) -> int:
        return server.post_result(process).status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for status in pool.map(one, range(total)):
            statuses.append(status)
            if len(statuses) % 8 == 0:
                say(f"throughput: {len(statuses)}/{total} requests done")
    elapsed = time.perf_counter() - start
    errors = sum(1 for s in statuses if s != 200)
    return {
        "requests": total,
        "concurrency": concurrency,
        "requests/s": total / elapsed,
        "errors": errors,
    }


def bench_batch(server: Server) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for fmt in ("GTiff", "Zarr"):
        response = requests.post(
            server.url + "/openeo/1.2/jobs",
            headers=server.headers,
            json={"process": year_graph(fmt), "title": f"year {fmt}"},
        )
        response.raise_for_status()
        job_id = response.headers["OpenEO-Identifier"]
        requests.post(
            server.url + f"/openeo/1.2/jobs/{job_id}/results", headers=server.headers
        ).raise_for_status()
        start = time.perf_counter()
        last = None
        while True:
            job = requests.get(
                server.url + f"/openeo/1.2/jobs/{job_id}", headers=server.headers
            ).json()
            if job.get("progress") != last:
                last = job.get("progress")
                say(f"batch {fmt}: {job['status']} {last}%")
            if job["status"] in ("finished", "error", "canceled"):
                break
            time.sleep(1)
        if job["status"] != "finished":
            logs = requests.get(
                server.url + f"/openeo/1.2/jobs/{job_id}/logs", headers=server.headers
            ).json()["logs"]
            raise RuntimeError(f"batch {fmt} ended {job['status']}: {logs[-3:]}")
        usage = job.get("usage", {})
        figures[f"{fmt} wall s"] = time.perf_counter() - start
        figures[f"{fmt} cpu s"] = usage.get("cpu", {}).get("value")
        figures[f"{fmt} peak worker MB"] = usage.get("memory", {}).get("value")
    figures["worker memory limit"] = server.memory_limit
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="*", default=["sync", "throughput", "batch"])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=REPO / "data")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memory-limit", default="3GiB")
    parser.add_argument(
        "--threads", action="store_true", help="dask workers as threads of the server process"
    )
    args = parser.parse_args()
    if not (args.data_dir / f"{COLLECTION}.levels").exists():
        sys.exit(f"no demo data in {args.data_dir}: python -m xcube_openeo.demo.generate")
    results: dict[str, Any] = {}
    with Server(args.data_dir, args.workers, args.memory_limit, not args.threads) as server:
        if "sync" in args.which:
            results.update(bench_sync(server, args.data_dir, args.requests))
        if "throughput" in args.which:
            results.update(bench_throughput(server))
        if "batch" in args.which:
            results.update(bench_batch(server))
    print()
    for key, value in results.items():
        print(f"{key:32s} {value:10.2f}" if isinstance(value, float) else f"{key:32s} {value}")


if __name__ == "__main__":
    main()
