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


def print_setup() -> None:
    """What the figures depend on: code version, library versions, machine load."""
    import platform
    import subprocess
    from importlib.metadata import version

    commit = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    libs = ", ".join(f"{n} {version(n)}" for n in ("numpy", "dask", "xarray", "zarr", "xcube-core"))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"code {commit or 'unknown'}; Python {platform.python_version()}; {libs}")
    print(f"{os.cpu_count()} cores, load average {load}")


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


#: Table columns: (header, figure of one run or None if the run lacks it, format).
COLUMNS: list[tuple[str, Callable[[dict[str, Any]], float | None], str]] = [
    ("total s", lambda f: f["total_s"], "{:.2f}"),
    ("build s", lambda f: f["build_s"], "{:.2f}"),
    ("2nd build s", lambda f: f.get("build_again_s"), "{:.2f}"),
    ("compute s", lambda f: f["compute_s"], "{:.2f}"),
    ("CPU s", lambda f: f["cpu_s"], "{:.2f}"),
    ("peak RSS", lambda f: f["peak_rss"], "mib"),
    ("RSS added by run", lambda f: f["peak_rss"] - f["rss_before"], "mib"),
]


def summarise(
    title: str,
    runs: dict[str, list[dict[str, Any]]],
    ours: str,
    other: str,
    time_target: tuple[str, float],
    memory_target: tuple[str, float] | None,
) -> None:
    """The table of medians, the ratios ours/other, and whether targets are met."""

    def med(name: str, figure: Callable[[dict[str, Any]], float | None]) -> float | None:
        values = [figure(f) for f in runs[name]]
        return None if None in values else common.median([v for v in values if v is not None])

    def cell(value: float | None, fmt: str) -> str:
        if value is None:
            return "-"
        return common.mib(value) if fmt == "mib" else fmt.format(value)

    rows = [("", *(c[0] for c in COLUMNS), "dask tasks")]
    medians = {n: [med(n, c[1]) for c in COLUMNS] for n in (ours, other)}
    for name in (ours, other):
        row = [cell(v, c[2]) for v, c in zip(medians[name], COLUMNS, strict=True)]
        rows.append((name, *row, str(runs[name][0]["dask_tasks"])))
    ratios = [
        None if a is None or b is None or b == 0 else a / b
        for a, b in zip(medians[ours], medians[other], strict=True)
    ]
    rows.append((f"ratio {ours}/{other}", *(cell(r, "{:.3f}") for r in ratios), ""))
    common.print_table(f"{title} (medians of {len(runs[ours])} runs each)", rows)

    time_ratio = ratios[0]
    assert time_ratio is not None
    label, limit = time_target
    verdict = "MET" if time_ratio <= limit else "MISSED"
    print(f"\ntime ratio {ours}/{other} = {time_ratio:.3f}  (target: {label}): {verdict}")
    if memory_target is not None:
        mem_ratio = ratios[[c[0] for c in COLUMNS].index("peak RSS")]
        assert mem_ratio is not None
        label, limit = memory_target
        verdict = "MET" if mem_ratio <= limit else "MISSED"
        print(f"peak memory ratio {ours}/{other} = {mem_ratio:.3f}  (target: {label}): {verdict}")
