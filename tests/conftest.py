from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import write_fixture_datasets
from tests.server import RunningServer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def fixture_datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_fixture_datasets(tmp_path_factory.mktemp("datasets"))


@pytest.fixture(scope="session")
def server_config(fixture_datasets: dict[str, Path]) -> dict:
    return {
        "Datasets": [
            {"Identifier": ds_id, "Path": str(path), "FileSystem": "file",
             "Title": f"Test dataset {ds_id}"}
            for ds_id, path in fixture_datasets.items()
        ],
        "OpenEO": {
            "MaxRequestBodySize": 64 * 1024,
            # Threads in the test process: quick to start, light on 2 cores.
            "Dask": {"Processes": False, "Workers": 1, "ThreadsPerWorker": 2},
        },
    }


@pytest.fixture(scope="session")
def server(server_config: dict) -> Iterator[RunningServer]:
    running = RunningServer(server_config).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def broken_server(tmp_path_factory: pytest.TempPathFactory, fixture_datasets) -> Iterator[RunningServer]:
    """A server with one dataset that has no spatial grid: describing it must fail."""
    import numpy as np
    import xarray as xr

    path = tmp_path_factory.mktemp("broken") / "broken.zarr"
    xr.Dataset({"v": (("a", "b"), np.zeros((2, 2)))}).to_zarr(path, mode="w")
    config = {
        "Datasets": [
            {"Identifier": "BROKEN", "Path": str(path), "FileSystem": "file"},
            {"Identifier": "S2_SMALL", "Path": str(fixture_datasets["S2_SMALL"]), "FileSystem": "file"},
        ]
    }
    running = RunningServer(config).start()
    yield running
    running.stop()
