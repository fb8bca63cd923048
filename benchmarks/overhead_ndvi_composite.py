"""Overhead benchmark: our openEO engine versus the same computation in plain xarray.

NDVI from B04/B08, cloud-masked by SCL (classes 3, 8, 9, 10), maximum over a season,
on ``SENTINEL2_L2A_DEMO`` level 0: (a) ``ours`` evaluates the openEO process graph
(as the openEO Python client sends it) with ``xcube_openeo.engine``; (b) ``xarray``
is the hand-written equivalent on the same opened dataset. Each run is a fresh
process (so its peak RSS is its own); runs alternate a, b, a, b, ...; both use dask's
threaded scheduler with the dataset's own chunks. Targets: time ratio <= 1.10,
peak memory ratio <= 1.2.

    .venv/bin/python benchmarks/overhead_ndvi_composite.py [--repeat N]
        [--season START/END] [--small] [--data-dir DIR] [--workers N] [--warmup N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import ndvi_compare as compare

TIME_TARGET = ("<= 1.10", 1.10)
MEMORY_TARGET = ("<= 1.2", 1.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    compare.add_common_arguments(parser)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        scratch = Path(tmp)
        levels = compare.levels_path(args, scratch)
        compare.print_setup()
        print(
            f"data: {levels} (level 0), season {args.season[0]} .. {args.season[1]} "
            f"(end exclusive), {args.workers} dask threads, {args.repeat} rounds"
        )
        contenders = [
            compare.Contender(
                name,
                compare.worker_command(
                    "ndvi_worker.py", compare.MAIN_PYTHON, levels, args, "--mode", name
                ),
            )
            for name in ("ours", "xarray")
        ]
        runs = compare.alternate(contenders, args.repeat, args.warmup, scratch)
        equal = compare.check_equal(scratch, "ours", "xarray")
        compare.summarise(
            "Overhead: openEO graph (ours) vs hand-written xarray",
            runs,
            "ours",
            "xarray",
            TIME_TARGET,
            MEMORY_TARGET,
        )
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
