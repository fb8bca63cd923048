"""Secondary web service routes: management (``/services``) and the maps (``/maps``)."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.errors import NotFound, OpenEOError
from xcube_openeo.services import controllers, webmap
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable
from xcube_openeo_tiles import (
    GetCapabilitiesRequest,
    InvalidParameter,
    TilesError,
    exception_report_xml,
    normalize_format,
    parse_kvp,
)

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

P = OPENEO_PREFIX
ROUTES = RouteTable()


@ROUTES.route(P + "/services")
class ServicesHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        user = self.require_user()
        self.write_json(
            controllers.list_services(
                self.ctx,
                user.user_id,
                self.base_url,
                self.query_int("limit"),
                self.query_str("next"),
            )
        )

    def post(self):
        user = self.require_user()
        service = controllers.create_service(self.ctx, user.user_id, self.read_json_object())
        self.response.set_status(201)
        self.response.set_header("Location", f"{self.base_url}/services/{service.service_id}")
        self.response.set_header("OpenEO-Identifier", service.service_id)
        self.response.finish()


@ROUTES.route(P + "/services/{service_id}")
class ServiceHandler(OpenEOHandler["OpenEOContext"]):
    async def get(self, service_id: str):
        user = self.require_user()
        service = self.ctx.services.get(user.user_id, service_id)
        # Lists the available times: evaluates the graph (lazily), off the event loop.
        doc = await self.ctx.run_in_executor(
            None, controllers.service_json, self.ctx, service, self.base_url, True
        )
        self.write_json(doc)

    def patch(self, service_id: str):
        user = self.require_user()
        controllers.update_service(self.ctx, user.user_id, service_id, self.read_json_object())
        self.response.set_status(204)
        self.response.finish()

    def delete(self, service_id: str):
        user = self.require_user()
        controllers.delete_service(self.ctx, user.user_id, service_id)
        self.response.set_status(204)
        self.response.finish()


@ROUTES.route(P + "/services/{service_id}/logs")
class ServiceLogsHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, service_id: str):
        user = self.require_user()
        self.write_json(
            controllers.service_logs(
                self.ctx,
                user.user_id,
                service_id,
                self.base_url,
                self.query_str("offset"),
                self.query_str("level"),
                self.query_int("limit"),
            )
        )


class TileHandlerBase(OpenEOHandler["OpenEOContext"]):
    listed = False

    def _service(self, url_key: str) -> Any:
        user = self.user
        return controllers.service_for_tiles(self.ctx, url_key, user.user_id if user else None)

    async def send_tile(
        self, answer: controllers.TileAnswer, media_type: str, public: bool = True
    ) -> None:
        self.response.set_header("ETag", answer.etag)
        # Tiles of services that need a token must not be kept by shared caches.
        scope = "public" if public else "private"
        self.response.set_header(
            "Cache-Control", f"{scope}, max-age={self.ctx.settings.services.tile_max_age}"
        )
        self.response.set_header("Vary", "Authorization")
        if etag_matches(self.request.headers.get("If-None-Match"), answer.etag):
            self.response.set_status(304)
            self.response.finish()
            return
        body = await self.ctx.run_in_executor(self.ctx.tile_executor, answer.compute)
        self.response.set_header("Content-Type", media_type)
        self.response.finish(body)


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def _xyz(path: str) -> tuple[int, int, int]:
    """z/x/y with an optional extension on y."""
    try:
        z, x, y = path.split("/")
        return int(z), int(x), int(y.split(".")[0])
    except ValueError:
        raise NotFound(f"Not a tile path: {path!r} (expected z/x/y).") from None


@ROUTES.route(P + "/maps/{url_key}/xyz/{*path}")
class XyzTileHandler(TileHandlerBase):
    async def get(self, url_key: str, path: str = ""):
        service, checked = self._service(url_key)
        z, x, y = _xyz(path)
        try:
            # Off the event loop: the first tile of a service version lists its times.
            answer = await self.ctx.run_in_executor(
                self.ctx.tile_executor,
                controllers.tile_answer,
                self.ctx,
                service,
                checked,
                "WebMercatorQuad",
                z,
                x,
                y,
                self.query_str("time"),
            )
        except TilesError as e:
            raise OpenEOError(
                "NotFound" if e.http_status == 404 else "BadRequest",
                e.message,
                status=e.http_status,
            ) from None
        await self.send_tile(answer, checked.style.media_type, checked.public)


class WmtsHandlerBase(TileHandlerBase):
    """Errors as OWS exception reports, as WMTS clients expect."""

    async def _guarded(self, coroutine: Any) -> None:
        try:
            await coroutine
        except TilesError as e:
            self._report(e.http_status, e)
        except OpenEOError as e:
            if e.status >= 500:
                raise
            self._report(e.status, InvalidParameter(f"{e.code}: {e.message}"))

    def _report(self, status: int, error: TilesError) -> None:
        self.response.set_status(status)
        self.response.set_header("Content-Type", "application/xml; charset=UTF-8")
        self.response.finish(exception_report_xml(error))

    async def _capabilities(self, url_key: str) -> None:
        service, checked = self._service(url_key)
        body = await self.ctx.run_in_executor(
            None, controllers.capabilities, self.ctx, service, checked, self.base_url
        )
        self.response.set_header("Content-Type", "application/xml; charset=UTF-8")
        self.response.finish(body)

    async def _tile(
        self, url_key: str, tms_id: str, z: int, row: int, col: int, time_label: str | None
    ) -> None:
        service, checked = self._service(url_key)
        answer = await self.ctx.run_in_executor(
            self.ctx.tile_executor,
            controllers.tile_answer,
            self.ctx,
            service,
            checked,
            tms_id,
            z,
            col,
            row,
            time_label,
        )
        await self.send_tile(answer, checked.style.media_type, checked.public)


@ROUTES.route(P + "/maps/{url_key}/wmts")
class WmtsKvpHandler(WmtsHandlerBase):
    async def get(self, url_key: str):
        query: dict[str, Sequence[str]] = {
            name: self.request.get_query_args(name) for name in self.request.query.keys()
        }
        await self._guarded(self._kvp(url_key, query))

    async def _kvp(self, url_key: str, query: dict[str, Any]) -> None:
        request = parse_kvp(query)
        if isinstance(request, GetCapabilitiesRequest):
            await self._capabilities(url_key)
            return
        service, checked = self._service(url_key)
        if request.layer != controllers.layer_name(service):
            raise InvalidParameter(f"unknown layer {request.layer!r}", locator="Layer")
        if request.style not in ("default", ""):
            raise InvalidParameter(f"unknown style {request.style!r}", locator="Style")
        if normalize_format(request.format) != checked.extension:
            raise InvalidParameter(
                f"this layer's tiles are {checked.style.media_type}, not {request.format}",
                locator="Format",
            )
        await self._tile(
            url_key, request.tile_matrix_set, request.zoom, request.row, request.col, request.time
        )


@ROUTES.route(P + "/maps/{url_key}/wmts/1.0.0/WMTSCapabilities.xml")
class WmtsCapabilitiesHandler(WmtsHandlerBase):
    async def get(self, url_key: str):
        await self._guarded(self._capabilities(url_key))


@ROUTES.route(P + "/maps/{url_key}/wmts/tile/{*path}")
class WmtsRestTileHandler(WmtsHandlerBase):
    async def get(self, url_key: str, path: str = ""):
        await self._guarded(self._rest(url_key, path))

    async def _rest(self, url_key: str, path: str) -> None:
        parts = path.split("/")
        if len(parts) != 5:
            raise InvalidParameter(f"not a tile path: {path!r}")
        time_label, tms_id, z, row, col = parts
        try:
            zoom, row_index, col_index = int(z), int(row), int(col.split(".")[0])
        except ValueError:
            raise InvalidParameter(f"not a tile path: {path!r}") from None
        await self._tile(
            url_key,
            tms_id,
            zoom,
            row_index,
            col_index,
            None if time_label == "current" else time_label,
        )


@ROUTES.route(P + "/maps/{url_key}/legend.png")
class LegendHandler(TileHandlerBase):
    async def get(self, url_key: str):
        service, checked = self._service(url_key)
        body = await self.ctx.run_in_executor(None, controllers.legend, checked, service.title)
        self.response.set_header("Content-Type", "image/png")
        self.response.set_header(
            "Cache-Control", f"max-age={self.ctx.settings.services.tile_max_age}"
        )
        self.response.finish(body)


@ROUTES.route(P + "/maps/{url_key}/tilejson.json")
class TileJsonHandler(TileHandlerBase):
    """TileJSON 3.0.0 of the service's Web Mercator tiles (MapLibre, OpenLayers, ...)."""

    async def get(self, url_key: str):
        service, checked = self._service(url_key)
        bbox = await self.ctx.run_in_executor(None, controllers.layer_bbox, self.ctx, service)
        self.write_json(controllers.tile_json(service, checked, self.base_url, bbox))


@ROUTES.route(P + "/maps/{url_key}/map.html")
class WebMapHandler(TileHandlerBase):
    async def get(self, url_key: str):
        service, checked = self._service(url_key)
        bbox = await self.ctx.run_in_executor(None, controllers.layer_bbox, self.ctx, service)
        html = webmap.page(
            service, self.base_url, controllers.maps_url(self.base_url, service), bbox
        )
        self.response.set_header("Content-Type", "text/html; charset=UTF-8")
        self.response.finish(html.encode("utf-8"))


@ROUTES.route(P + "/webmap/leaflet/{*path}")
class LeafletHandler(OpenEOHandler["OpenEOContext"]):
    """The vendored Leaflet files (installed by scripts/vendor_web.sh)."""

    listed = False

    def get(self, path: str = ""):
        root = webmap.library_dir(self.ctx.settings.services.web_map_library_dir)
        file = (root / path).resolve()
        if root.resolve() not in file.parents or not file.is_file():
            raise NotFound(
                f"No web map library file {path!r}"
                + ("" if root.is_dir() else "; run scripts/vendor_web.sh")
                + ".",
            )
        media_type, _ = mimetypes.guess_type(file.name)
        self.response.set_header("Content-Type", media_type or "application/octet-stream")
        self.response.set_header("Cache-Control", "max-age=86400")
        self.response.finish(Path(file).read_bytes())
