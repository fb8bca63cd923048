"""Peer benchmark: our engine versus openeo-processes-dask + openeo-pg-parser-networkx.

The same process graph as ``overhead_ndvi_composite.py`` (NDVI, SCL cloud mask,
maximum over a season), on the same Zarr (level 0 of ``SENTINEL2_L2A_DEMO``), opened
the same way (``xarray.open_zarr``) by both. The peer runs in its own environment,
``.venv-peer``, created by ``benchmarks/peer_env.sh`` if missing. Each run is a fresh
process; runs alternate ours, peer, ours, peer, ...; both use dask's threaded
scheduler with the dataset's own chunks. Target: ours faster (time ratio < 1).

    .venv/bin/python benchmarks/peer_ndvi_composite.py [--repeat N]
        [--season START/END] [--small] [--data-dir DIR] [--workers N] [--warmup N]
        [--no-install]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import ndvi_compare as compare

PEER_PYTHON = compare.REPO / ".venv-peer" / "bin" / "python"
TIME_TARGET = ("< 1, ours faster", 0.999_999)


def ensure_peer_environment(install: bool) -> None:
    if PEER_PYTHON.exists():
        return
    if not install:
        sys.exit(f"{PEER_PYTHON} not found: run bash benchmarks/peer_env.sh")
    print("creating the peer environment (.venv-peer, a few minutes) ...", flush=True)
    subprocess.run(["bash", str(compare.BENCH_DIR / "peer_env.sh")], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    compare.add_common_arguments(parser)
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="fail instead of creating .venv-peer when it is missing",
    )
    args = parser.parse_args(argv)
    ensure_peer_environment(not args.no_install)
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        scratch = Path(tmp)
        levels = compare.levels_path(args, scratch)
        compare.print_setup()
        print(
            f"data: {levels} (level 0), season {args.season[0]} .. {args.season[1]} "
            f"(end exclusive), {args.workers} dask threads, {args.repeat} rounds"
        )
        contenders = [
            compare.Contender(
                "ours",
                compare.worker_command(
                    "ndvi_worker.py",
                    compare.MAIN_PYTHON,
                    levels,
                    args,
                    "--mode",
                    "ours",
                    "--open",
                    "zarr",
                ),
            ),
            compare.Contender(
                "peer", compare.worker_command("peer_worker.py", PEER_PYTHON, levels, args)
            ),
        ]
        runs = compare.alternate(contenders, args.repeat, args.warmup, scratch)
        equal = compare.check_equal(scratch, "ours", "peer")
        compare.summarise(
            "Peer: our engine vs openeo-processes-dask", runs, "ours", "peer", TIME_TARGET, None
        )
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
