"""Fixtures of the services tests: a server over the (small) demo data, service helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import xarray as xr

from tests.conftest import TEST_PASSWORD, TEST_USER, login
from tests.server import RunningServer

S2 = "SENTINEL2_L2A_DEMO"
CLIMATE = "GLOBAL_CLIMATE_DEMO"
#: A point inside the demo S2 cube (lon, lat).
S2_POINT = (11.345, 46.488)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xcube_openeo.demo.generate import main

    data_dir = tmp_path_factory.mktemp("services-demo")
    assert main(["--small", "--data-dir", str(data_dir)]) == 0
    return data_dir


def demo_config(demo_dir: Path, state_dir: Path) -> dict[str, Any]:
    from xcube_openeo.auth.passwords import hash_password

    return {
        "Datasets": [
            {"Identifier": S2, "Path": str(demo_dir / f"{S2}.levels"), "FileSystem": "file"},
            {
                "Identifier": CLIMATE,
                "Path": str(demo_dir / f"{CLIMATE}.zarr"),
                "FileSystem": "file",
            },
        ],
        "OpenEO": {
            "DataDir": str(state_dir),
            "Authentication": {
                "Users": [
                    {"Id": TEST_USER, "Password": hash_password(TEST_PASSWORD, log2_n=14)},
                    {"Id": "other", "Password": hash_password("other-secret-1", log2_n=14)},
                ]
            },
            "Dask": {"Processes": False, "Workers": 1, "ThreadsPerWorker": 2},
        },
    }


@pytest.fixture(scope="session")
def maps_server(
    demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    running = RunningServer(demo_config(demo_dir, tmp_path_factory.mktemp("services-state")))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def maps_headers(maps_server: RunningServer) -> dict[str, str]:
    return login(maps_server.url)


def ndvi_process(collection: str = S2) -> dict[str, Any]:
    return {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": collection,
                    "spatial_extent": None,
                    "temporal_extent": None,
                    "bands": ["B04", "B08"],
                },
            },
            "ndvi": {
                "process_id": "ndvi",
                "arguments": {"data": {"from_node": "load"}},
                "result": True,
            },
        }
    }


def climate_process() -> dict[str, Any]:
    return {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": CLIMATE,
                    "spatial_extent": None,
                    "temporal_extent": None,
                    "bands": ["t2m"],
                },
                "result": True,
            },
        }
    }


class ServiceClient:
    """A thin client of the services API for tests."""

    def __init__(self, server_url: str, headers: dict[str, str]):
        self.base = server_url + "/openeo/1.2"
        self.headers = headers

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.base + path, headers=self.headers, **kwargs)

    def create(self, service_type: str, process: dict[str, Any], **fields: Any) -> str:
        response = self.request(
            "POST", "/services", json={"type": service_type, "process": process, **fields}
        )
        assert response.status_code == 201, response.text
        return response.headers["OpenEO-Identifier"]

    def get(self, service_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/services/{service_id}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def services(maps_server: RunningServer, maps_headers: dict[str, str]) -> ServiceClient:
    return ServiceClient(maps_server.url, maps_headers)


def expected_ndvi_colours(demo_dir, time_index: int) -> np.ndarray:
    """The palette colours of every NDVI value of the demo cube at one time."""
    ds = xr.open_zarr(demo_dir / f"{S2}.levels" / "0.zarr").isel(time=time_index)
    red, nir = (ds[b].astype("float64") for b in ("B04", "B08"))
    ndvi = ((nir - red) / (nir + red)).values.ravel()
    ndvi = ndvi[np.isfinite(ndvi)]
    from xcube_openeo_tiles import get_colormap

    palette = get_colormap("RdYlGn").colors
    index = np.clip(np.floor((ndvi + 1) / 2 * 255), 0, 254).astype(int)
    return palette[np.unique(index)][:, :3]
