"""One measured run of the NDVI composite in this (the main) environment.

Run by ``overhead_ndvi_composite.py`` and ``peer_ndvi_composite.py``, each run in a
fresh process so that its peak RSS is the peak of exactly that run::

    python benchmarks/ndvi_worker.py --mode {ours,xarray} --levels DIR.levels
        [--season START/END] [--open {xcube,zarr}] [--workers N] [--out FILE.npy]

``ours``: the openEO process graph evaluated by ``xcube_openeo.engine``;
``xarray``: the same computation written directly in xarray, as a scientist would.
Both compute with dask's threaded scheduler. The last line printed holds the figures
(``ndvi_common.RESULT_PREFIX`` + JSON): seconds to build the lazy result and to
compute it, resident memory before the run and peak.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import dask
import ndvi_common as common
import numpy as np
import xarray as xr


def open_level0(levels: Path, how: str) -> tuple[Any, xr.Dataset]:
    """The (multi-level) dataset and its level 0, opened as the server opens it.

    ``xcube``: xcube's ``FsMultiLevelDataset`` (what the server serves);
    ``zarr``: plain ``xarray.open_zarr`` of ``0.zarr`` (what the peer gets).
    """
    if how == "xcube":
        from xcube.core.mldataset import FsMultiLevelDataset

        ml = FsMultiLevelDataset(str(levels))
        return ml, ml.get_dataset(0)
    from xcube.core.mldataset import BaseMultiLevelDataset

    ds = xr.open_zarr(levels / "0.zarr")
    return BaseMultiLevelDataset(ds), ds


def build_ours(ml: Any, season: tuple[str, str]) -> xr.DataArray:
    """The lazy result of the openEO process graph, evaluated by our engine."""
    from xcube_openeo.engine import EvalEnv, InMemoryCollections, evaluate_process

    env = EvalEnv(collections=InMemoryCollections({common.COLLECTION: ml}))
    cube = evaluate_process({"process_graph": common.ndvi_composite_graph(season)}, env)
    return cube.masked_float() if cube.is_encoded else cube.data


def build_xarray(ds: xr.Dataset, season: tuple[str, str]) -> xr.DataArray:
    """The same computation, hand-written: scale, mask, NDVI, maximum over time."""
    start, end = (np.datetime64(d) for d in season)
    ds = ds.sel(time=(ds.time >= start) & (ds.time < end))  # end exclusive, as openEO

    def reflectance(band: xr.DataArray) -> xr.DataArray:
        return band.where(band != band.attrs["nodata"]) * band.attrs["scale"]

    red, nir = reflectance(ds.B04), reflectance(ds.B08)
    ndvi = (nir - red) / (nir + red)
    cloudy = ds.SCL.isin(common.CLOUD_CLASSES)
    return ndvi.where(~cloudy).max("time")


def measure(args: argparse.Namespace) -> dict[str, Any]:
    # Import everything both modes need before the clock starts: a server has the
    # engine and its processes loaded already.
    if args.mode == "ours":
        import xcube_openeo.processes  # noqa: F401

    ml, ds = open_level0(args.levels, args.open)
    rss_before = common.current_rss_bytes()
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        start, cpu_start = time.perf_counter(), time.process_time()
        if args.mode == "ours":
            lazy = build_ours(ml, args.season)
        else:
            lazy = build_xarray(ds, args.season)
        built = time.perf_counter()
        result = lazy.compute()
        done, cpu_done = time.perf_counter(), time.process_time()
    figures = {
        "mode": args.mode,
        "build_s": built - start,
        "compute_s": done - built,
        "total_s": done - start,
        # CPU seconds of all threads: less sensitive than wall time to a busy machine.
        "cpu_s": cpu_done - cpu_start,
        "rss_before": rss_before,
        "peak_rss": common.peak_rss_bytes(),
        "dims": list(result.dims),
        "shape": list(result.shape),
        "dtype": str(result.dtype),
        "dask_tasks": len(lazy.data.__dask_graph__()) if dask.is_dask_collection(lazy) else 0,
    }
    # A server keeps the opened dataset (and what the engine caches about it): the
    # build time of a second request is the per-request cost there. Not computed.
    again = time.perf_counter()
    build_ours(ml, args.season) if args.mode == "ours" else build_xarray(ds, args.season)
    figures["build_again_s"] = time.perf_counter() - again
    if args.out is not None:
        # Compared by the caller; y, x order is what both modes produce.
        np.save(args.out, result.transpose("y", "x").values)
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("ours", "xarray"), required=True)
    parser.add_argument("--levels", type=Path, required=True, help="the .levels directory")
    parser.add_argument("--season", type=common.parse_season, default=common.SEASON)
    parser.add_argument("--open", choices=("xcube", "zarr"), default="xcube")
    parser.add_argument("--workers", type=int, default=2, help="dask threads")
    parser.add_argument("--out", type=Path, default=None, help="save the result (.npy)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    common.report(measure(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
