"""The tile latency benchmark runs end to end on the small demo data (no timing checks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.server
@pytest.mark.slow
def test_tiles_latency_benchmark_runs(demo_dir: Path):
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "tiles_latency.py"),
            "--data-dir",
            str(demo_dir),
            "--zooms",
            "9-10",
            "--date",
            "2022-05-21",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.splitlines()
    for scenario in ("(a) result layer", "(b) NDVI service", "(c) xcube /tiles"):
        row = next(line for line in lines if line.startswith(scenario))
        p50, p95, rate, errors = (float(v) for v in row[len(scenario) :].split()[:4])
        assert 0 < p50 <= p95 and rate > 0 and errors == 0
    assert any("baseline" in line for line in lines)
