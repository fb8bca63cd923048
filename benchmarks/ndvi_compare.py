"""Running contenders alternately in fresh processes, and summarising the figures.

Shared by ``overhead_ndvi_composite.py`` and ``peer_ndvi_composite.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ndvi_common as common
import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
MAIN_PYTHON = REPO / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Contender:
    name: str
    #: The command of one run, given where to save its result (or None).
    command: Callable[[Path | None], list[str]]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per contender")
    parser.add_argument(
        "--season",
        type=common.parse_season,
        default=common.SEASON,
        help="START/END, end exclusive (default: {}/{})".format(*common.SEASON),
    )
    parser.add_argument("--small", action="store_true", help="a tiny generated cube")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("XCUBE_OPENEO_DATA_DIR") or REPO / "data"),
        help="where SENTINEL2_L2A_DEMO.levels is (default: $XCUBE_OPENEO_DATA_DIR or data/)",
    )
    parser.add_argument("--workers", type=int, default=2, help="dask threads per run")
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed runs per contender first (file cache)"
    )


def levels_path(args: argparse.Namespace, scratch: Path) -> Path:
    """The ``.levels`` directory to read: the tiny cube with ``--small``."""
    if args.small:
        from tiny_cube import write_tiny_cube

        return write_tiny_cube(scratch)
    levels = args.data_dir / f"{common.COLLECTION}.levels"
    if not (levels / "0.zarr").is_dir():
        sys.exit(
            f"{levels} not found: generate it with\n"
            f"  {MAIN_PYTHON} -m xcube_openeo.demo.generate --if-missing --data-dir {args.data_dir}"
            "\nor run with --small."
        )
    return levels


def worker_command(
    script: str, python: Path, levels: Path, args: argparse.Namespace, *extra: str
) -> Callable[[Path | None], list[str]]:
    season = "/".join(args.season)

    def command(out: Path | None) -> list[str]:
        cmd = [
            str(python),
            str(BENCH_DIR / script),
            "--levels",
            str(levels),
            "--season",
            season,
            "--workers",
            str(args.workers),
            *extra,
        ]
        return cmd + (["--out", str(out)] if out is not None else [])

    return command


def alternate(
    contenders: list[Contender], repeat: int, warmup: int, scratch: Path
) -> dict[str, list[dict[str, Any]]]:
    """Warm-up runs, then ``repeat`` rounds running each contender once, in turn.

    The first timed run of each contender saves its result to ``<scratch>/<name>.npy``.
    """
    for w in range(warmup):
        for c in contenders:
            print(f"warm-up {w + 1}/{warmup}: {c.name} ...", flush=True)
            common.run_child(c.command(None))
    runs: dict[str, list[dict[str, Any]]] = {c.name: [] for c in contenders}
    for r in range(repeat):
        for c in contenders:
            out = scratch / f"{c.name}.npy" if r == 0 else None
            fig = common.run_child(c.command(out))
            runs[c.name].append(fig)
            print(
                f"round {r + 1}/{repeat}: {c.name:7s} build {fig['build_s']:6.2f} s  "
                f"compute {fig['compute_s']:6.2f} s  total {fig['total_s']:6.2f} s  "
                f"CPU {fig['cpu_s']:6.2f} s  "
                f"peak RSS {common.mib(fig['peak_rss'])} "
                f"(+{common.mib(fig['peak_rss'] - fig['rss_before'])} during the run)",
                flush=True,
            )
    return runs


def check_equal(scratch: Path, a: str, b: str) -> bool:
    """Prints whether the two saved results are equal (NaN where the other has NaN)."""
    x, y = np.load(scratch / f"{a}.npy"), np.load(scratch / f"{b}.npy")
    try:
        np.testing.assert_allclose(x, y, rtol=1e-6, equal_nan=True)
    except AssertionError as e:
        print(f"\nresults of {a} and {b} DIFFER:\n{e}")
        return False
    print(
        f"\nresults of {a} and {b} are equal (assert_allclose, rtol 1e-6): shape {x.shape}, "
        f"{int(np.isnan(x).sum())} no-data pixels, dtype {x.dtype} / {y.dtype}"
    )
    return True


def summarise(
    title: str,
    runs: dict[str, list[dict[str, Any]]],
    ours: str,
    other: str,
    time_target: tuple[str, float],
    memory_target: tuple[str, float] | None,
) -> None:
    """The table of medians, the ratios ours/other, and whether targets are met."""

    def med(name: str, key: str) -> float:
        return common.median([f[key] for f in runs[name]])

    def med_delta(name: str) -> float:
        return common.median([f["peak_rss"] - f["rss_before"] for f in runs[name]])

    rows = [
        (
            "",
            "total s",
            "build s",
            "compute s",
            "min total s",
            "CPU s",
            "peak RSS",
            "RSS added by run",
            "dask tasks",
        )
    ]
    for name in (ours, other):
        rows.append(
            (
                name,
                f"{med(name, 'total_s'):.2f}",
                f"{med(name, 'build_s'):.2f}",
                f"{med(name, 'compute_s'):.2f}",
                f"{min(f['total_s'] for f in runs[name]):.2f}",
                f"{med(name, 'cpu_s'):.2f}",
                common.mib(med(name, "peak_rss")),
                common.mib(med_delta(name)),
                str(runs[name][0]["dask_tasks"]),
            )
        )
    time_ratio = med(ours, "total_s") / med(other, "total_s")
    mem_ratio = med(ours, "peak_rss") / med(other, "peak_rss")
    delta_ratio = med_delta(ours) / max(med_delta(other), 1)
    rows.append(
        (
            f"ratio {ours}/{other}",
            f"{time_ratio:.3f}",
            f"{med(ours, 'build_s') / max(med(other, 'build_s'), 1e-9):.2f}",
            f"{med(ours, 'compute_s') / med(other, 'compute_s'):.3f}",
            f"{min(f['total_s'] for f in runs[ours]) / min(f['total_s'] for f in runs[other]):.3f}",
            f"{med(ours, 'cpu_s') / med(other, 'cpu_s'):.3f}",
            f"{mem_ratio:.3f}",
            f"{delta_ratio:.3f}",
            "",
        )
    )
    n = len(runs[ours])
    common.print_table(f"{title} (medians of {n} runs each)", rows)
    label, limit = time_target
    print(
        f"\ntime ratio {ours}/{other} = {time_ratio:.3f}  (target: {label}): "
        f"{'MET' if time_ratio <= limit else 'MISSED'}"
    )
    if memory_target is not None:
        label, limit = memory_target
        print(
            f"peak memory ratio {ours}/{other} = {mem_ratio:.3f}  (target: {label}): "
            f"{'MET' if mem_ratio <= limit else 'MISSED'}"
        )
