"""Graph size benchmark: validation plus lazy build of long process chains.

Two chains of N nodes, each timed for (1) validation and (2) evaluation:

* ``scalar``: ``add -> add -> ...`` on numbers: the engine's own overhead per node;
* ``cube``: ``load_collection -> apply(add 1) -> apply(add 1) -> ...`` over a small
  in-memory cube: evaluation only builds the lazy dask computation.  Consecutive
  ``apply`` nodes are fused into one dask operation (one xarray/dask operation per
  node would cost about 1-3 ms each on a small machine, 10-30 s for 10,000 nodes).

Targets: 1,000 nodes under 1 s, 10,000 under 10 s.

    python benchmarks/engine_graph_size.py [N ...]
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

import xcube_openeo.processes  # noqa: F401  (registers the processes with the engine)
from xcube_openeo.engine import EvalEnv, InMemoryCollections, evaluate_process, validate_process

TARGETS = {1_000: 1.0, 10_000: 10.0}


def small_cube() -> xr.Dataset:
    x = 500_005.0 + 10 * np.arange(64)
    y = 5_000_005.0 - 10 * np.arange(64)
    t = pd.date_range("2022-01-01", periods=4, freq="5D")
    data = np.random.default_rng(0).integers(1, 5000, (4, 64, 64), dtype=np.uint16)
    ds = xr.Dataset(
        {"B04": (("time", "y", "x"), data, {"nodata": 0})},
        coords={"x": x, "y": y, "time": t},
    )
    ds["crs"] = xr.DataArray(0, attrs={"crs_wkt": "EPSG:32632", "spatial_ref": "EPSG:32632"})
    return ds.chunk({"time": 1})


def chain(n: int) -> dict[str, Any]:
    add_one = {
        "process_graph": {
            "a": {
                "process_id": "add",
                "arguments": {"x": {"from_parameter": "x"}, "y": 1},
                "result": True,
            }
        }
    }
    graph: dict[str, Any] = {
        "n0": {
            "process_id": "load_collection",
            "arguments": {"id": "C", "spatial_extent": None, "temporal_extent": None},
        }
    }
    for i in range(1, n):
        graph[f"n{i}"] = {
            "process_id": "apply",
            "arguments": {"data": {"from_node": f"n{i - 1}"}, "process": add_one},
        }
    graph[f"n{n - 1}"]["result"] = True
    return {"process_graph": graph}


def scalar_chain(n: int) -> dict[str, Any]:
    graph: dict[str, Any] = {
        f"n{i}": {
            "process_id": "add",
            "arguments": {"x": {"from_node": f"n{i - 1}"} if i else 0, "y": 1},
        }
        for i in range(n)
    }
    graph[f"n{n - 1}"]["result"] = True
    return {"process_graph": graph}


def run(n: int, kind: str) -> tuple[float, float]:
    process = chain(n) if kind == "cube" else scalar_chain(n)
    env = EvalEnv(collections=InMemoryCollections({"C": small_cube()}))
    start = time.perf_counter()
    errors = validate_process(process)
    validated = time.perf_counter()
    if errors:
        raise SystemExit(f"validation failed: {errors[0].message}")
    result = evaluate_process(process, env)
    if kind == "cube":
        # Accessing the data finishes building the dask graph (fused apply chains).
        assert result.data.chunks is not None  # still lazy
    built = time.perf_counter()
    if kind != "cube":
        assert result == n
    return validated - start, built - validated


def main(sizes: list[int]) -> None:
    print(
        f"{'chain':>6} {'nodes':>8} {'validate [s]':>13} {'build [s]':>10} {'total [s]':>10} {'target [s]':>11}"
    )
    for kind in ("scalar", "cube"):
        run(10, kind)  # warm-up: imports, schema validators (one-off per process)
        for n in sizes:
            v, b = run(n, kind)
            target = TARGETS.get(n)
            verdict = "" if target is None else ("ok" if v + b < target else "MISSED")
            print(
                f"{kind:>6} {n:>8} {v:>13.3f} {b:>10.3f} {v + b:>10.3f} {target or '':>11} {verdict}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000])
