"""Tile latency of (a) a finished result layer, (b) a lazy NDVI service and (c) xcube's
own ``/tiles`` on the same demo data (the baseline), with 2 concurrent clients.

    .venv/bin/python benchmarks/tiles_latency.py [--data-dir data] [--zooms 12-15]

Starts one xcube server with the plugin in this process (threads), creates the
result layer (a batch job staging band B04 of one date) and the NDVI service, then
requests every tile covering the demo cube at the given zooms once per scenario
(cold: no tile is requested twice, so neither cache answers), from 2 client threads.
Prints p50/p95 latency, tiles per second, and for (a) and (b) the share of server
time spent building the computation, reading chunks, computing and encoding
(measured in the server by wrapping its tile functions, see ``tile_timings.py``; the
clients share the process, which costs all scenarios alike).  Targets: (a) p50 <= 1.2x
(c), (a) >= 50 tiles/s (issue 6), (b) p50 <= 1.5x (c) (issue 10).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import mercantile
import requests
import tile_timings

REPO = Path(__file__).resolve().parents[1]
S2 = "SENTINEL2_L2A_DEMO"
DATE = "2022-06-05"
USER, PASSWORD = "bench", "bench-secret-1"


def start_server(data_dir: Path, state: Path) -> str:
    from xcube.server.server import Server
    from xcube.server.webservers.tornado import TornadoFramework
    from xcube.util.plugin import get_extension_registry

    from xcube_openeo.auth.passwords import hash_password

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = {
        "port": port,
        "address": "127.0.0.1",
        "Datasets": [
            {"Identifier": S2, "Path": str(data_dir / f"{S2}.levels"), "FileSystem": "file"}
        ],
        "OpenEO": {
            "DataDir": str(state),
            "Authentication": {
                "Users": [{"Id": USER, "Password": hash_password(PASSWORD, log2_n=14)}]
            },
            "Dask": {"Processes": False, "Workers": 1, "ThreadsPerWorker": 2},
        },
    }
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        framework = TornadoFramework()
        server = Server(framework, config, get_extension_registry())
        framework.io_loop.add_callback(ready.set)
        server.start()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(120)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(url + "/", timeout=2)
            return url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def login(url: str) -> dict[str, str]:
    response = requests.get(url + "/openeo/1.2/credentials/basic", auth=(USER, PASSWORD))
    response.raise_for_status()
    return {"Authorization": f"Bearer basic//{response.json()['access_token']}"}


def next_day(date: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(date) + dt.timedelta(days=1)).isoformat()


def result_layer(api: str, headers: dict[str, str]) -> str:
    """The XYZ template of a finished job's result: B04 on one date, full resolution."""
    process = {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": S2,
                    "spatial_extent": None,
                    "temporal_extent": [DATE, next_day(DATE)],
                    "bands": ["B04"],
                },
            },
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "load"}, "format": "GTiff"},
                "result": True,
            },
        }
    }
    response = requests.post(api + "/jobs", json={"process": process}, headers=headers)
    response.raise_for_status()
    job_id = response.headers["OpenEO-Identifier"]
    requests.post(f"{api}/jobs/{job_id}/results", headers=headers).raise_for_status()
    for _ in range(3000):
        status = requests.get(f"{api}/jobs/{job_id}", headers=headers).json()["status"]
        if status in ("finished", "error", "canceled"):
            break
        time.sleep(0.2)
    if status != "finished":
        raise RuntimeError(f"the result layer's job ended {status}")
    links = requests.get(f"{api}/jobs/{job_id}/results", headers=headers).json()["links"]
    xyz = next(link["href"] for link in links if link["rel"] == "xyz")
    return xyz + "?colormap=viridis&range=0,0.3"


def ndvi_service(api: str, headers: dict[str, str]) -> str:
    process = {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": S2,
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
    response = requests.post(
        api + "/services",
        headers=headers,
        json={
            "type": "XYZ",
            "process": process,
            "configuration": {"colormap": "RdYlGn", "value_range": [-1, 1]},
        },
    )
    response.raise_for_status()
    service = requests.get(response.headers["Location"], headers=headers).json()
    return service["url"] + f"?time={DATE}"


def demo_tiles(data_dir: Path, zooms: range) -> list[mercantile.Tile]:
    import xarray as xr

    attrs = xr.open_zarr(data_dir / f"{S2}.levels" / "0.zarr").attrs
    bbox = (
        attrs["geospatial_lon_min"],
        attrs["geospatial_lat_min"],
        attrs["geospatial_lon_max"],
        attrs["geospatial_lat_max"],
    )
    return [t for z in zooms for t in mercantile.tiles(*bbox, zooms=z)]


def run_scenario(urls: list[str], clients: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    local = threading.local()

    def fetch(url: str) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        response = session.get(url)
        elapsed = time.perf_counter() - started
        with lock:
            if response.status_code == 200:
                latencies.append(elapsed)
            else:  # reported, not fatal: one server's hiccup should not hide the others
                errors.append(f"{response.status_code} {url}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(fetch, urls))
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]
    return {
        "n": len(latencies),
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))],
        "rate": len(latencies) / wall,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    global DATE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("XCUBE_OPENEO_DATA_DIR", REPO / "data")),
    )
    parser.add_argument("--zooms", default="12-15", help="first-last zoom level")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--date", default=DATE, help="date shown (one of the cube's)")
    args = parser.parse_args(argv)
    DATE = args.date
    first, _, last = args.zooms.partition("-")
    zooms = range(int(first), int(last or first) + 1)

    from xcube_openeo import __version__

    timings = tile_timings.install()

    print(
        f"xcube-openeo {__version__}, Python {platform.python_version()}, {os.cpu_count()} cores,"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="tiles-bench-") as state:
        url = start_server(args.data_dir, Path(state))
        api = url + "/openeo/1.2"
        headers = login(url)
        layer = result_layer(api, headers)
        service = ndvi_service(api, headers)
        tiles = demo_tiles(args.data_dir, zooms)
        baseline = (
            url + "/tiles/" + S2 + "/B04/{z}/{y}/{x}?crs=EPSG:3857&vmin=0&vmax=0.3"
            f"&cmap=viridis&time={DATE}"
        )
        scenarios = {
            "(a) result layer": layer,
            "(b) NDVI service": service,
            "(c) xcube /tiles": baseline,
        }
        # Warm-up on tiles outside the measured set (imports, opening datasets).
        warm = mercantile.tiles(11.27, 46.44, 11.42, 46.54, zooms=zooms.start - 1)
        for template in scenarios.values():
            for tile in list(warm)[:2]:
                requests.get(template.format(z=tile.z, x=tile.x, y=tile.y))
        print(
            f"{len(tiles)} tiles (zooms {zooms.start}-{zooms.stop - 1}) per scenario,"
            f" {args.clients} concurrent clients, every tile requested once (cold)"
        )
        print(
            f"{'scenario':22} {'p50 ms':>8} {'p95 ms':>8} {'tiles/s':>8} {'errors':>6}"
            "   server time shares"
        )
        results = {}
        for name, template in scenarios.items():
            timings.reset()
            result = run_scenario(
                [template.format(z=t.z, x=t.x, y=t.y) for t in tiles], args.clients
            )
            results[name] = result
            print(
                f"{name:22} {result['p50'] * 1000:8.1f} {result['p95'] * 1000:8.1f}"
                f" {result['rate']:8.1f} {len(result['errors']):6d}"
                f"   {timings.shares() if not name.startswith('(c)') else '-'}"
            )
            for error in result["errors"][:3]:
                print(f"    failed: {error}")
        base = results["(c) xcube /tiles"]["p50"]
        a, b = results["(a) result layer"], results["(b) NDVI service"]
        print(
            f"(a) p50 = {a['p50'] / base:.2f}x baseline (target <= 1.2x);"
            f" (b) p50 = {b['p50'] / base:.2f}x baseline (target <= 1.5x);"
            f" (a) {a['rate']:.0f} tiles/s (target >= 50)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
