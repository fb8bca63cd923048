"""Servers for the attack tests: the shipped demo configuration over the small demo data.

``demo_server``: ``configs/demo.yaml`` as shipped (its environment variables pointing at
temporary folders), one admin added. ``open_server``: the same without ``api_spec``, so
that every xcube API is served, with the state beside the datasets as earlier versions
kept it: the layout in which the reported attacks worked. ``oidc_server``: the demo
configuration with an OpenID Connect provider (the tests' own issuer).
"""

from __future__ import annotations

import copy
import http.client
import string
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.accounts.oidc_issuer import OidcIssuer
from tests.server import RunningServer
from xcube_openeo.auth.passwords import hash_password
from xcube_openeo.jobs.signing import load_or_create_key

REPO = Path(__file__).resolve().parents[2]
S2 = "SENTINEL2_L2A_DEMO"
CLIMATE = "GLOBAL_CLIMATE_DEMO"
#: The demo users of the README.
ALICE = ("alice", "alice-demo-password")
BOB = ("bob", "bob-demo-password")
ADMIN = ("operator", "operator-secret-1")


def shipped_demo_config(data_dir: Path, state_dir: Path) -> dict[str, Any]:
    """``configs/demo.yaml`` with its variables substituted as xcube does it."""
    text = (REPO / "configs" / "demo.yaml").read_text()
    text = string.Template(text).safe_substitute(
        XCUBE_OPENEO_DATA_DIR=str(data_dir), XCUBE_OPENEO_STATE_DIR=str(state_dir)
    )
    config = yaml.safe_load(text)
    openeo = config["OpenEO"]
    openeo["Authentication"]["Users"].append(
        {"Id": ADMIN[0], "Password": hash_password(ADMIN[1], log2_n=14)}
    )
    openeo["Security"]["Admins"] = [ADMIN[0]]
    # Small sync deadline: any unbounded request shows up as a failed test, not a hang.
    openeo["SyncTimeout"] = 20
    openeo["Dask"] = {"Processes": False, "Workers": 1, "ThreadsPerWorker": 2}
    return config


@pytest.fixture(scope="session")
def security_demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xcube_openeo.demo.generate import main

    data_dir = tmp_path_factory.mktemp("security-demo") / "data"
    assert main(["--small", "--data-dir", str(data_dir)]) == 0
    return data_dir


def _serve(config: dict[str, Any]) -> Iterator[RunningServer]:
    running = RunningServer(config).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def demo_server(security_demo_dir: Path, tmp_path_factory) -> Iterator[RunningServer]:
    yield from _serve(shipped_demo_config(security_demo_dir, tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="module")
def open_server(security_demo_dir: Path) -> Iterator[RunningServer]:
    state = security_demo_dir / "state"
    config = shipped_demo_config(security_demo_dir, state)
    del config["api_spec"]
    # The key as a deployment has it once the first result was signed.
    load_or_create_key(state / "result-signing.key")
    yield from _serve(config)


@pytest.fixture(scope="module")
def oidc_issuer() -> Iterator[OidcIssuer]:
    issuer = OidcIssuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="module")
def oidc_server(
    security_demo_dir: Path, tmp_path_factory, oidc_issuer: OidcIssuer
) -> Iterator[RunningServer]:
    config = copy.deepcopy(
        shipped_demo_config(security_demo_dir, tmp_path_factory.mktemp("oidc-state"))
    )
    config["OpenEO"]["Authentication"]["OidcProviders"] = [
        {
            "Id": "testidp",
            "Issuer": oidc_issuer.url,
            "Title": "Test issuer",
            "Scopes": ["openid"],
            "Audience": oidc_issuer.audience,
            "JwksRefreshInterval": 0,
        }
    ]
    yield from _serve(config)


def raw_get(
    server: RunningServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """GET with the path sent as it is (requests/urllib3 remove '..' segments)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def basic_token(server: RunningServer, user: tuple[str, str]) -> dict[str, str]:
    response = requests.get(server.url + "/openeo/1.2/credentials/basic", auth=user, timeout=30)
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer basic//" + response.json()["access_token"]}


class Bystander:
    """Another client polling the server during an attack; records its latencies."""

    def __init__(self, server: RunningServer, path: str = "/openeo/1.2/"):
        self.url = server.url + path
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = requests.get(self.url, timeout=10).status_code
                if status != 200:
                    self.failures.append(str(status))
            except requests.RequestException as e:
                self.failures.append(repr(e))
            self.latencies.append(time.monotonic() - started)
            self._stop.wait(0.05)

    def __enter__(self) -> Bystander:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(15)


def attack(server: RunningServer, run: Callable[[], Any], within: float) -> Any:
    """Runs ``run`` while a bystander polls the server; asserts the attack is answered
    within ``within`` seconds and the bystander was never kept waiting for long."""
    with Bystander(server) as bystander:
        started = time.monotonic()
        result = run()
        elapsed = time.monotonic() - started
        time.sleep(0.2)  # at least one bystander request after the attack
    assert elapsed < within, f"the attack took {elapsed:.1f} s"
    assert not bystander.failures, bystander.failures
    assert bystander.latencies and max(bystander.latencies) < 3.0, bystander.latencies
    return result
