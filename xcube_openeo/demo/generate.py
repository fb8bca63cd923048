"""Generate the embedded demo datasets (deterministic, offline).

    python -m xcube_openeo.demo.generate [--data-dir DIR] [--if-missing] [--small]

Writes ``SENTINEL2_L2A_DEMO.levels`` and ``GLOBAL_CLIMATE_DEMO.zarr`` into the data
directory: ``--data-dir``, else ``$XCUBE_OPENEO_DATA_DIR``, else ``./data``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .storage import atomic_directory, is_complete

DATA_DIR_ENV = "XCUBE_OPENEO_DATA_DIR"
#: Bump when the generated content changes: ``--if-missing`` then regenerates.
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class DemoDataset:
    name: str
    file_name: str
    write: Callable[[Path, bool], None]  # (directory, small)


def _write_sentinel2(path: Path, small: bool) -> None:
    # Writers are imported when needed: ``--if-missing`` on complete data stays fast.
    from . import sentinel2

    sentinel2.write_sentinel2(path, sentinel2.SMALL if small else sentinel2.FULL)


def _write_climate(path: Path, small: bool) -> None:
    from . import climate

    climate.write_climate(path, climate.SMALL if small else climate.FULL)


DATASETS = (
    DemoDataset("SENTINEL2_L2A_DEMO", "SENTINEL2_L2A_DEMO.levels", _write_sentinel2),
    DemoDataset("GLOBAL_CLIMATE_DEMO", "GLOBAL_CLIMATE_DEMO.zarr", _write_climate),
)


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or "data")


def _stamp(small: bool) -> dict[str, Any]:
    return {"generator_version": GENERATOR_VERSION, "variant": "small" if small else "full"}


def generate(data_dir: Path, *, if_missing: bool = False, small: bool = False) -> list[Path]:
    """Generate all demo datasets into ``data_dir``; returns their paths."""
    paths = []
    stamp = _stamp(small)
    for dataset in DATASETS:
        target = data_dir / dataset.file_name
        paths.append(target)
        if if_missing and is_complete(target, stamp):
            print(f"{dataset.name}: present, skipped ({target})", file=sys.stderr)
            continue
        print(f"{dataset.name}: generating {target}", file=sys.stderr, flush=True)
        start = time.monotonic()
        with atomic_directory(target, stamp) as partial:
            dataset.write(partial, small)
        print(
            f"{dataset.name}: done in {time.monotonic() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m xcube_openeo.demo.generate",
        description="Generate the xcube-openeo demo datasets (deterministic, offline).",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"output directory (default: ${DATA_DIR_ENV}, else ./data)",
    )
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="skip datasets that are already completely generated",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="tiny variant for tests (same extent, coarser grid, 6 dates)",
    )
    args = parser.parse_args(argv)
    generate(args.data_dir or default_data_dir(), if_missing=args.if_missing, small=args.small)
    return 0


if __name__ == "__main__":
    sys.exit(main())
