"""A small web map page per service (Leaflet, vendored at set-up time, never a CDN)."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from xcube_openeo.services.repository import Service
from xcube_openeo.services.types import settings

#: Where scripts/vendor_web.sh puts Leaflet in a source checkout (editable install).
DEFAULT_LIBRARY_DIR = Path(__file__).resolve().parents[2] / "var" / "vendor" / "leaflet"


def library_dir(configured: str | None) -> Path:
    return Path(configured or os.environ.get("XCUBE_OPENEO_LEAFLET_DIR") or DEFAULT_LIBRARY_DIR)


def page(
    service: Service, base_url: str, maps_url: str, bbox: tuple[float, float, float, float]
) -> str:
    checked = settings(service.type, service.configuration)
    if service.type == "XYZ":
        template, crs = maps_url + "/xyz/{z}/{x}/{y}", "EPSG3857"
    elif "WebMercatorQuad" in checked.tile_matrix_sets:
        template = (
            maps_url + f"/wmts/tile/current/WebMercatorQuad/{{z}}/{{y}}/{{x}}.{checked.extension}"
        )
        crs = "EPSG3857"
    else:
        template = (
            maps_url + f"/wmts/tile/current/WorldCRS84Quad/{{z}}/{{y}}/{{x}}.{checked.extension}"
        )
        crs = "EPSG4326"
    config: dict[str, Any] = {
        "template": template,
        "crs": crs,
        "bounds": [[bbox[1], bbox[0]], [bbox[3], bbox[2]]],
        "tileSize": checked.tile_size,
        "legend": maps_url + "/legend.png",
    }
    title = html.escape(service.title or service.service_id)
    leaflet = f"{base_url}/webmap/leaflet"
    # json.dumps output is safe inside <script> once "</" cannot close the element.
    config_json = json.dumps(config).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{leaflet}/leaflet.css">
<script src="{leaflet}/leaflet.js"></script>
<style>
  html, body, #map {{ height: 100%; margin: 0; background: #ffffff; }}
  #legend {{ position: absolute; right: 10px; bottom: 10px; z-index: 1000; }}
</style>
</head>
<body>
<div id="map"></div>
<img id="legend" alt="legend" src="{html.escape(config["legend"])}">
<script>
  const config = {config_json};
  const map = L.map("map", {{crs: L.CRS[config.crs], zoomControl: true, fadeAnimation: false}});
  const size = config.tileSize;
  // 512-pixel tiles cover the area of 256-pixel ones: shown one zoom level out.
  const layer = L.tileLayer(config.template, {{tileSize: size,
      zoomOffset: size === 512 ? -1 : 0, maxZoom: 22, noWrap: true}});
  layer.on("load", () => {{ document.body.dataset.tilesLoaded = "true"; }});
  layer.addTo(map);
  map.fitBounds(config.bounds);
</script>
</body>
</html>
"""
