"""Writing demo datasets: atomic directories, completion markers, progress.

Standard library only, so that ``--if-missing`` decides quickly, before the heavy
imports of the writers.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO


def marker_path(target: Path) -> Path:
    """The completion marker of a dataset: a hidden sibling file, written last.

    It lives beside the dataset, not inside, so that the Zarr group stays clean.
    ``--if-missing`` trusts only this marker.
    """
    return target.parent / f".{target.name}.complete"


def read_marker(target: Path) -> dict[str, Any] | None:
    try:
        return json.loads(marker_path(target).read_text())
    except (OSError, ValueError):
        return None


def is_complete(target: Path, stamp: Mapping[str, Any]) -> bool:
    """Whether ``target`` is a finished dataset generated with the same ``stamp``."""
    return target.is_dir() and read_marker(target) == dict(stamp)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_partials(target: Path) -> None:
    for partial in target.parent.glob(f".{target.name}.partial-*"):
        suffix = partial.name.rsplit("-", 1)[-1]
        if not suffix.isdigit() or not _pid_alive(int(suffix)):
            shutil.rmtree(partial, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(target: Path, stamp: Mapping[str, Any]) -> Iterator[Path]:
    """Yield a temporary sibling directory that replaces ``target`` on success.

    The directory is renamed into place when complete and the marker is written after
    that, so an interrupted run never leaves something that looks complete. Leftovers
    of interrupted runs are removed on the next run.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    partial = target.parent / f".{target.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    marker = marker_path(target)
    marker.unlink(missing_ok=True)  # from here on the old dataset counts as incomplete
    if target.exists():
        old = target.parent / f".{target.name}.partial-old-{os.getpid()}"
        target.rename(old)
        partial.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.rename(target)
    marker.write_text(json.dumps(dict(stamp), sort_keys=True))


class Progress:
    """Plain progress lines on stderr: a line per 10 % and at the end, with timing."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self._next_report = 0.0
        self._start = time.monotonic()
        self._stream = stream or sys.stderr

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        fraction = self.done / self.total
        if fraction + 1e-9 >= self._next_report or self.done >= self.total:
            elapsed = time.monotonic() - self._start
            print(
                f"  {self.label}: {self.done}/{self.total} ({fraction:4.0%}) {elapsed:6.1f} s",
                file=self._stream,
                flush=True,
            )
            self._next_report = min(1.0, math.floor(fraction * 10 + 1e-9) / 10 + 0.1)
