"""The web map page of a service in headless Chromium (installed by scripts/install_chromium.sh)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image

from tests.services.conftest import ServiceClient, ndvi_process
from xcube_openeo_tiles import get_colormap

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=800,600",
    "--virtual-time-budget=15000",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "chromium is not installed: run scripts/install_chromium.sh (the test command does)"
        )
    return found


def screenshot(url: str, tmp_path: Path) -> np.ndarray:
    target = tmp_path / "map.png"
    subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={target}",
            url,
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    return np.asarray(Image.open(target).convert("RGB"))


@pytest.mark.slow
@pytest.mark.parametrize("service_type", ["XYZ", "WMTS"])
def test_web_map_page_shows_the_layer(services: ServiceClient, service_type: str, tmp_path):
    service_id = services.create(
        service_type,
        ndvi_process(),
        title="NDVI map",
        configuration={"colormap": "RdYlGn", "value_range": [-1, 1]},
    )
    page_url = services.get(service_id)["attributes"]["map"]
    page = requests.get(page_url)
    assert page.status_code == 200 and "leaflet.js" in page.text
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()  # vendored only
    library = requests.get(services.base + "/webmap/leaflet/leaflet.js")
    assert library.status_code == 200, "run scripts/vendor_web.sh"
    pixels = screenshot(page_url, tmp_path)
    # The map area without the legend (bottom right): NDVI colours of the palette.
    area = pixels[:450, :].reshape(-1, 3).astype(int)
    palette = get_colormap("RdYlGn").colors[:, :3].astype(int)
    distance = np.abs(area[:, None, :] - palette[None, :, :]).sum(axis=2).min(axis=1)
    on_palette = distance <= 6
    not_white = area.sum(axis=1) < 740
    share = (on_palette & not_white).mean()
    assert share > 0.2, f"only {share:.1%} of the map shows NDVI colours"
    greens = area[on_palette & not_white]
    assert (greens[:, 1] > greens[:, 0]).mean() > 0.5  # mostly vegetation: green dominates
