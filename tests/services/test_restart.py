"""Services survive a server killed with SIGKILL: same id, same URL, same tiles."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.accounts.process_server import ServerProcess
from tests.conftest import login
from tests.services.conftest import S2_POINT, ServiceClient, demo_config, ndvi_process
from xcube_openeo_tiles import WebMercatorQuad


@pytest.mark.server
@pytest.mark.slow
def test_services_survive_kill_9(tmp_path: Path, demo_dir):
    config = demo_config(demo_dir, tmp_path / "state")
    tile = WebMercatorQuad().tile(*S2_POINT, 15)
    first = ServerProcess(config, tmp_path).start()
    try:
        services = ServiceClient(first.url, login(first.url))
        service_id = services.create(
            "XYZ",
            ndvi_process(),
            title="kept",
            configuration={"colormap": "RdYlGn", "value_range": [-1, 1]},
        )
        template = services.get(service_id)["url"]
        url = template.format(z=tile.z, x=tile.x, y=tile.y)
        before = requests.get(url)
        assert before.status_code == 200
    finally:
        first.kill()

    second = ServerProcess(config, tmp_path).start()
    try:
        services = ServiceClient(second.url, login(second.url))
        doc = services.get(service_id)
        assert doc["title"] == "kept" and doc["configuration"]["colormap"] == "RdYlGn"
        assert urlparse(doc["url"]).path == urlparse(template).path  # same URL, new host
        after = requests.get(second.url + urlparse(url).path)
        assert after.status_code == 200
        assert after.content == before.content
        assert after.headers["ETag"] == before.headers["ETag"]
    finally:
        second.kill()
