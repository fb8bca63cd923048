from __future__ import annotations

from pathlib import Path

import pytest

from xcube_openeo.demo.generate import main


@pytest.fixture(scope="session")
def small_demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo data, generated once through the command line entry point."""
    data_dir = tmp_path_factory.mktemp("demo-small")
    assert main(["--small", "--data-dir", str(data_dir)]) == 0
    return data_dir
