"""One measured run of the NDVI composite through the peer, in ``.venv-peer``.

The peer is openeo-pg-parser-networkx (parses the graph into a callable) with the
process implementations of openeo-processes-dask. Run by ``peer_ndvi_composite.py``::

    .venv-peer/bin/python benchmarks/peer_worker.py --levels DIR.levels
        [--season START/END] [--workers N] [--out FILE.npy]

openeo-processes-dask has no ``load_collection`` (a back-end supplies its own), so
this script registers one that reads the same Zarr (level 0 of the ``.levels``
directory) with xarray, decodes no-data and scale exactly as our engine does, and
leaves the temporal filter to the peer's own ``filter_temporal``. Prints the same
figures as ``ndvi_worker.py``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import sys
import time
from pathlib import Path
from typing import Any

import dask
import ndvi_common as common
import numpy as np
import xarray as xr


def _decoded(band: xr.DataArray) -> xr.DataArray:
    """Physical values: no-data as NaN, then the scale (as the band's attributes say)."""
    nodata = band.attrs.get("nodata")
    if nodata is not None:
        band = band.where(band != nodata)
    scale = band.attrs.get("scale")
    if scale is not None and float(scale) != 1:
        band = band * scale
    return band


def make_load_collection(ds: xr.Dataset) -> Any:
    from openeo_processes_dask.process_implementations.cubes._filter import filter_temporal

    def load_collection(
        id: str,
        spatial_extent: Any = None,
        temporal_extent: Any = None,
        bands: list[str] | None = None,
        properties: Any = None,
    ) -> xr.DataArray:
        if id != common.COLLECTION:
            raise ValueError(f"unknown collection {id!r}")
        names = list(bands) if bands else [str(v) for v in ds.data_vars]
        cube = xr.concat([_decoded(ds[b]) for b in names], dim="bands", coords="minimal")
        cube = cube.assign_coords(bands=names).rename({"time": "t"})
        cube = cube.drop_vars([c for c in cube.coords if c not in cube.dims])
        if temporal_extent is not None:
            cube = filter_temporal(data=cube, extent=temporal_extent)
        return cube

    return load_collection


def make_registry(ds: xr.Dataset) -> Any:
    """All of openeo-processes-dask's processes, plus our ``load_collection``."""
    from openeo_pg_parser_networkx import ProcessRegistry
    from openeo_pg_parser_networkx.process_registry import Process
    from openeo_processes_dask import specs
    from openeo_processes_dask.process_implementations.core import process

    implementations = dict(
        inspect.getmembers(
            importlib.import_module("openeo_processes_dask.process_implementations"),
            inspect.isfunction,
        )
    )
    registry = ProcessRegistry(wrap_funcs=[process])
    for name in specs.__all__:
        spec = getattr(specs, name)
        registry["predefined", spec["id"]] = Process(
            spec=spec, implementation=implementations.get(name)
        )
    registry["predefined", "load_collection"] = Process(
        spec=specs.load_collection, implementation=make_load_collection(ds)
    )
    return registry


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from openeo_pg_parser_networkx import OpenEOProcessGraph

    logging.disable(logging.INFO)  # the peer logs every process call at INFO
    ds = xr.open_zarr(args.levels / "0.zarr")
    registry = make_registry(ds)  # a server builds this once, at start-up
    rss_before = common.current_rss_bytes()
    graph = {"process_graph": common.ndvi_composite_graph(args.season)}
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        start, cpu_start = time.perf_counter(), time.process_time()
        lazy = OpenEOProcessGraph(graph).to_callable(process_registry=registry)()
        built = time.perf_counter()
        result = lazy.compute()
        done, cpu_done = time.perf_counter(), time.process_time()
    figures = {
        "mode": "peer",
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
    if args.out is not None:
        np.save(args.out, result.transpose("y", "x").values)
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=Path, required=True, help="the .levels directory")
    parser.add_argument("--season", type=common.parse_season, default=common.SEASON)
    parser.add_argument("--workers", type=int, default=2, help="dask threads")
    parser.add_argument("--out", type=Path, default=None, help="save the result (.npy)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    common.report(measure(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
