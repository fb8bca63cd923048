from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Importing the process library registers it with the engine's registry (the engine never
# imports it): tests that evaluate graphs with the engine alone rely on it.
import xcube_openeo.processes  # noqa: F401
from tests import markers
from tests.fixtures import write_fixture_datasets
from tests.server import RunningServer

REPO = Path(__file__).resolve().parents[1]

# The server with users, OIDC and files, shared by the accounts and the UDP tests.
pytest_plugins = ("tests.accounts.fixtures",)


def pytest_configure(config: pytest.Config) -> None:
    # Servers without a configured DataDir keep state under XDG_DATA_HOME: never the
    # real home directory during tests (subprocess servers inherit this too).
    import os
    import tempfile

    os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp(prefix="xcube-openeo-test-"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(markers.starts_server(name) for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    markers.set_current_test(item)
    try:
        return (yield)
    finally:
        markers.set_current_test(None)


@pytest.fixture(scope="session")
def fixture_datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_fixture_datasets(tmp_path_factory.mktemp("datasets"))


TEST_USER, TEST_PASSWORD = "tester", "tester-secret-1"


@pytest.fixture(scope="session")
def server_config(fixture_datasets: dict[str, Path], tmp_path_factory) -> dict:
    from xcube_openeo.auth.passwords import hash_password

    return {
        "Datasets": [
            {
                "Identifier": ds_id,
                "Path": str(path),
                "FileSystem": "file",
                "Title": f"Test dataset {ds_id}",
            }
            for ds_id, path in fixture_datasets.items()
        ],
        "OpenEO": {
            "DataDir": str(tmp_path_factory.mktemp("state")),
            "Authentication": {
                "Users": [{"Id": TEST_USER, "Password": hash_password(TEST_PASSWORD, log2_n=14)}]
            },
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


def login(server_url: str, user: str = TEST_USER, password: str = TEST_PASSWORD) -> dict[str, str]:
    """Authorization header of a user of a server (basic auth token)."""
    import requests

    response = requests.get(server_url + "/openeo/1.2/credentials/basic", auth=(user, password))
    response.raise_for_status()
    return {"Authorization": f"Bearer basic//{response.json()['access_token']}"}


@pytest.fixture(scope="session")
def auth_headers(server: RunningServer) -> dict[str, str]:
    """Authorization header of the test user of the ``server`` fixture."""
    return login(server.url)


@pytest.fixture(scope="session")
def broken_server(
    tmp_path_factory: pytest.TempPathFactory, fixture_datasets
) -> Iterator[RunningServer]:
    """A server with one dataset that has no spatial grid: describing it must fail."""
    import numpy as np
    import xarray as xr

    path = tmp_path_factory.mktemp("broken") / "broken.zarr"
    xr.Dataset({"v": (("a", "b"), np.zeros((2, 2)))}).to_zarr(path, mode="w")
    config = {
        "Datasets": [
            {"Identifier": "BROKEN", "Path": str(path), "FileSystem": "file"},
            {
                "Identifier": "S2_SMALL",
                "Path": str(fixture_datasets["S2_SMALL"]),
                "FileSystem": "file",
            },
        ],
        "OpenEO": {"DataDir": str(tmp_path_factory.mktemp("broken-state"))},
    }
    running = RunningServer(config).start()
    yield running
    running.stop()
