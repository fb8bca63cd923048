"""The plugin is found by xcube through its entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.server import RunningServer


@pytest.mark.slow
def test_xcube_lists_the_openeo_api():
    xcube = Path(sys.executable).parent / "xcube"
    result = subprocess.run(
        [str(xcube), "serve", "--show", "apis"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "openeo" in result.stdout


@pytest.mark.server
def test_url_prefix_and_reverse_proxy(server_config):
    """Links follow xcube's url_prefix and reverse_url_prefix (a proxy's public URL)."""
    config = {
        **server_config,
        "url_prefix": "/api",
        "reverse_url_prefix": "https://eo.example.org/public",
    }
    running = RunningServer(config).start()
    try:
        well_known = requests.get(running.url + "/api/.well-known/openeo").json()
        assert well_known["versions"][0]["url"] == "https://eo.example.org/public/openeo/1.2/"
        caps = requests.get(running.url + "/api/openeo/1.2/").json()
        assert all(
            link["href"].startswith("https://eo.example.org/public/") for link in caps["links"]
        )
        collection = requests.get(running.url + "/api/openeo/1.2/collections/S2_SMALL").json()
        self_link = next(link for link in collection["links"] if link["rel"] == "self")
        assert self_link["href"] == "https://eo.example.org/public/openeo/1.2/collections/S2_SMALL"
        assert requests.get(running.url + "/openeo/1.2/").status_code == 404
    finally:
        running.stop()
