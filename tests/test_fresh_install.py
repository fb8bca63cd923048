"""The README's two commands work in a clean clone with a clean virtual environment.

Runs ``scripts/check_fresh_install.sh``: offline, from the wheelhouse that the test
command's set-up collects while package registries are reachable.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.server
@pytest.mark.slow
def test_readme_commands_in_a_clean_environment(tmp_path):
    if not (REPO / ".wheelhouse" / ".complete").exists():
        pytest.skip(
            "no wheelhouse: it is collected by the README's test command"
            " (bash scripts/dev.sh test), which CI runs"
        )
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "check_fresh_install.sh"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "[fresh-install]\x1b[0m ok" in output
    assert "SENTINEL2_L2A_DEMO" in output
