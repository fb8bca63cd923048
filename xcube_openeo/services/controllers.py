"""Secondary web service operations for the HTTP API (plain functions taking the context)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from xcube_openeo.engine import evaluate_process
from xcube_openeo.errors import AuthenticationRequired, BadRequest, OpenEOError
from xcube_openeo.resource_fields import (
    checked_metadata,
    checked_process,
    logs_document,
    requested_log_level,
)
from xcube_openeo.services import tiling
from xcube_openeo.services.levels import collection_info
from xcube_openeo.services.repository import Service
from xcube_openeo.services.result_arrays import tile_cube, time_labels
from xcube_openeo.services.types import (
    SPATIAL_EXTENT,
    TIME,
    ServiceSettings,
    normalize_type,
    settings,
)
from xcube_openeo.web.pagination import paginate
from xcube_openeo_tiles import (
    UnknownTileMatrixSet,
    WmtsLayer,
    WmtsService,
    WmtsStyle,
    capabilities_xml,
    get_tile_matrix_set,
    legend_png,
    tilejson,
)

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext


def maps_url(base_url: str, service: Service) -> str:
    return f"{base_url}/maps/{service.url_key}"


def service_url(base_url: str, service: Service) -> str:
    """The URL clients use as it is: an XYZ template, or the WMTS (KVP) endpoint."""
    if service.type == "XYZ":
        return maps_url(base_url, service) + "/xyz/{z}/{x}/{y}"
    return maps_url(base_url, service) + "/wmts"


def layer_name(service: Service) -> str:
    return service.service_id


def service_json(ctx: OpenEOContext, service: Service, base_url: str, full: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": service.service_id,
        "title": service.title,
        "description": service.description,
        "url": service_url(base_url, service),
        "type": service.type,
        "enabled": service.enabled,
        "configuration": service.configuration,
        "created": service.created_iso,
        "plan": service.plan,
        "budget": service.budget,
    }
    doc = {k: v for k, v in doc.items() if v is not None or k in ("configuration",)}
    if full:
        doc["process"] = service.process
        doc["log_level"] = service.log_level
        doc["attributes"] = attributes(ctx, service, base_url)
    return doc


def attributes(ctx: OpenEOContext, service: Service, base_url: str) -> dict[str, Any]:
    checked = settings(service.type, service.configuration)
    attrs: dict[str, Any] = {
        "map": maps_url(base_url, service) + "/map.html",
        "legend": maps_url(base_url, service) + "/legend.png",
        "tilejson": maps_url(base_url, service) + "/tilejson.json",
        "public": checked.public,
    }
    if service.type == "WMTS":
        attrs["layers"] = [layer_name(service)]
        attrs["tile_matrix_sets"] = list(checked.tile_matrix_sets)
        attrs["capabilities"] = maps_url(base_url, service) + "/wmts/1.0.0/WMTSCapabilities.xml"
    try:
        attrs["times"] = available_times(ctx, service)
    except OpenEOError as e:
        attrs["times"] = []
        attrs["error"] = e.message
    return attrs


def list_services(
    ctx: OpenEOContext, user_id: str, base_url: str, limit: int | None, token: str | None
) -> dict[str, Any]:
    page, links = paginate(
        ctx.services.list(user_id),
        limit,
        token,
        lambda lim, tok: f"{base_url}/services?limit={lim}&next={tok}",
    )
    return {
        "services": [service_json(ctx, s, base_url, full=False) for s in page],
        "links": [
            {"rel": "self", "href": f"{base_url}/services", "type": "application/json"},
            *links,
        ],
    }


def _checked_fields(
    ctx: OpenEOContext, user_id: str, body: dict[str, Any], service_type: str, creating: bool
) -> dict[str, Any]:
    fields = checked_metadata(body)
    if "configuration" in body or creating:
        configuration = body.get("configuration") or {}
        settings(service_type, configuration)
        fields["configuration"] = configuration
    if "process" in body or creating:
        process = checked_process(ctx, user_id, body, "service", [SPATIAL_EXTENT, TIME])
        check_result(ctx, user_id, process)
        fields["process"] = process
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise BadRequest("'enabled' must be true or false.")
        fields["enabled"] = body["enabled"]
    return fields


def check_result(ctx: OpenEOContext, user_id: str, process: dict[str, Any]) -> None:
    """Evaluates the graph once, lazily (nothing is computed), so that a graph that
    fails or does not give a map (a raster cube of 1 or 3 bands) is refused now
    rather than on every tile."""
    result = evaluate_process(process, ctx.eval_env(user_id), {SPATIAL_EXTENT: None, TIME: None})
    tile_cube(result)


def create_service(ctx: OpenEOContext, user_id: str, body: dict[str, Any]) -> Service:
    if "type" not in body:
        raise BadRequest("The service needs a 'type' (see GET /service_types).")
    service_type = normalize_type(body["type"])
    fields = _checked_fields(ctx, user_id, body, service_type, creating=True)
    service = ctx.services.create(
        user_id, service_type, fields.pop("process"), fields.pop("configuration"), **fields
    )
    ctx.services.append_log(service.service_id, "info", f"{service_type} service created.")
    return service


def update_service(
    ctx: OpenEOContext, user_id: str, service_id: str, body: dict[str, Any]
) -> Service:
    current = ctx.services.get(user_id, service_id)
    if "type" in body and normalize_type(body["type"]) != current.type:
        raise OpenEOError(
            "ServiceUnsupported",
            "A service's type cannot be changed; create a new service instead.",
        )
    fields = _checked_fields(ctx, user_id, body, current.type, creating=False)
    service = ctx.services.update(user_id, service_id, fields)
    ctx.tile_cache.invalidate(service_id)
    ctx.services.append_log(
        service_id, "info", f"Service updated ({', '.join(sorted(fields)) or 'nothing'})."
    )
    return service


def delete_service(ctx: OpenEOContext, user_id: str, service_id: str) -> None:
    ctx.services.delete(user_id, service_id)
    ctx.tile_cache.invalidate(service_id)


def service_logs(
    ctx: OpenEOContext,
    user_id: str,
    service_id: str,
    base_url: str,
    offset: str | None,
    level: str | None,
    limit: int | None,
) -> dict[str, Any]:
    service = ctx.services.get(user_id, service_id)
    level = requested_log_level(level)
    entries = ctx.services.logs(service_id, offset, level, limit)
    return logs_document(
        entries, service.log_level, level, limit, f"{base_url}/services/{service_id}/logs"
    )


# --- tiles -----------------------------------------------------------------------------

_TIMES: dict[tuple[str, int], list[str]] = {}
_TIMES_LOCK = threading.Lock()


def available_times(ctx: OpenEOContext, service: Service) -> list[str]:
    """The time labels of the service's result cube (lazily evaluated once per version)."""
    key = (service.service_id, service.version)
    with _TIMES_LOCK:
        cached = _TIMES.get(key)
    if cached is not None:
        return cached

    result = evaluate_process(
        service.process, ctx.eval_env(service.owner), {SPATIAL_EXTENT: None, TIME: None}
    )
    times = time_labels(tile_cube(result))
    with _TIMES_LOCK:
        if len(_TIMES) > 1024:
            _TIMES.clear()
        _TIMES[key] = times
    return times


def layer_bbox(ctx: OpenEOContext, service: Service) -> tuple[float, float, float, float]:
    env = ctx.eval_env(service.owner)
    boxes = [
        collection_info(env.collections, cid).bbox_wgs84
        for cid in set(tiling.load_nodes(service.process).values())
    ]
    if not boxes:
        return (-180.0, -90.0, 180.0, 90.0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass(frozen=True)
class TileAnswer:
    etag: str
    compute: Callable[[], bytes]


def service_for_tiles(
    ctx: OpenEOContext, url_key: str, user_id: str | None
) -> tuple[Service, ServiceSettings]:
    """The service behind a tile URL, checked for access; raises openEO errors."""
    service = ctx.services.by_url_key(url_key)
    if service is None:
        raise OpenEOError("ServiceNotFound", "No service at this URL.")
    checked = settings(service.type, service.configuration)
    if not checked.public:
        if user_id is None:
            raise AuthenticationRequired(
                "This service's tiles need the owner's"
                " access token (its configuration has public: false).",
            )
        if user_id != service.owner:
            raise OpenEOError("ServiceNotFound", "No service at this URL.")
    if not service.enabled:
        raise OpenEOError(
            "ServiceDisabled",
            f"Service {service.service_id} is disabled; its owner"
            " can enable it again with PATCH /services/{service_id}"
            ' {"enabled": true}.',
            status=403,
        )
    return service, checked


def tile_answer(
    ctx: OpenEOContext,
    service: Service,
    checked: ServiceSettings,
    tms_id: str,
    z: int,
    x: int,
    y: int,
    time_label: str | None,
) -> TileAnswer:
    """The ETag of a tile, and how to get its bytes (from the cache or computed)."""
    known = {name.lower(): name for name in checked.tile_matrix_sets}
    if tms_id.lower() not in known:
        raise UnknownTileMatrixSet(
            f"this layer has no tile matrix set {tms_id!r} (it has {', '.join(known.values())})",
            locator="TileMatrixSet",
        )
    tms_id = known[tms_id.lower()]
    tms = get_tile_matrix_set(tms_id, checked.tile_size)
    tile = tms.check((x, y, z))
    times = available_times(ctx, service)
    if time_label is None and times:
        time_label = times[-1]
    key = (
        service.service_id,
        service.version,
        tms_id,
        checked.tile_size,
        *tile,
        time_label,
        checked.style.key,
        checked.resampling,
    )
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'

    def compute() -> bytes:
        env = ctx.eval_env(service.owner)
        return ctx.tile_cache.get_or_compute(
            key,
            lambda: _logged(
                ctx,
                service,
                lambda: tiling.compute_tile(
                    service.process, env, tms, tile, checked.style, checked.resampling, time_label
                ),
            ),
        )

    return TileAnswer(etag, compute)


def _logged(ctx: OpenEOContext, service: Service, compute: Any) -> bytes:
    try:
        return compute()
    except OpenEOError as e:
        ctx.services.append_log(service.service_id, "error", f"Tile failed: {e.message}")
        raise


def capabilities(
    ctx: OpenEOContext, service: Service, checked: ServiceSettings, base_url: str
) -> bytes:
    base = maps_url(base_url, service)
    times = available_times(ctx, service)
    time_part = "{Time}" if times else "current"
    ext = checked.extension
    template = f"{base}/wmts/tile/{time_part}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.{ext}"
    layer = WmtsLayer(
        identifier=layer_name(service),
        title=service.title or service.service_id,
        abstract=service.description or "",
        bbox_wgs84=layer_bbox(ctx, service),
        tile_urls={ext: template},
        styles=(WmtsStyle(legend_url=f"{base}/legend.png"),),
        times=times,
        tile_matrix_sets=list(checked.tile_matrix_sets),
    )
    wmts = WmtsService(
        title=service.title or "openEO service",
        kvp_url=f"{base}/wmts",
        capabilities_url=f"{base}/wmts/1.0.0/WMTSCapabilities.xml",
        tile_matrix_sets=[
            get_tile_matrix_set(t, checked.tile_size) for t in checked.tile_matrix_sets
        ],
    )
    return capabilities_xml(wmts, [layer])


def tile_json(
    service: Service,
    checked: ServiceSettings,
    base_url: str,
    bbox: tuple[float, float, float, float],
) -> dict[str, Any]:
    base = maps_url(base_url, service)
    if service.type == "XYZ":
        template = base + "/xyz/{z}/{x}/{y}"
    else:
        template = (
            base + f"/wmts/tile/current/WebMercatorQuad/{{z}}/{{y}}/{{x}}.{checked.extension}"
        )
    west, south, east, north = bbox
    doc = tilejson(
        template,
        name=service.title,
        description=service.description,
        bounds=(west, max(south, -85.0511287798066), east, min(north, 85.0511287798066)),
    )
    if checked.tile_size == 512:
        doc["tileSize"] = 512  # a MapLibre extension of TileJSON
    return doc


def legend(checked: ServiceSettings, title: str | None) -> bytes:
    style = checked.style
    value_range = cast(
        "tuple[float, float]",
        style.value_range
        if style.value_range and not isinstance(style.value_range[0], tuple)
        else (0.0, 1.0),
    )
    return legend_png(style.colormap, value_range[0], value_range[1], label=title)
