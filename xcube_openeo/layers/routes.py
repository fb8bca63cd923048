"""Result layer routes: signed URLs (no token), listed as links in a job's results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.errors import BadRequest, NotFound
from xcube_openeo.layers import controllers
from xcube_openeo.services.routes import etag_matches
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable
from xcube_openeo_tiles import (
    GetCapabilitiesRequest,
    InvalidParameter,
    TilesError,
    exception_report_xml,
    parse_kvp,
)

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)
    from xcube_openeo.jobs.repository import Job  # jobs link to layers: no runtime import
    from xcube_openeo.layers.render import Layer

ROUTES = RouteTable()

P = OPENEO_PREFIX + "/result_layers"


@ROUTES.route(P + "/{job_id}/{expires}/{signature}/{*path}")
class ResultLayerHandler(OpenEOHandler["OpenEOContext"]):
    listed = False

    async def get(self, job_id: str, expires: str, signature: str, path: str = ""):
        job, layer = controllers.checked_layer(self.ctx, job_id, expires, signature)
        base = f"{self.base_url}/result_layers/{job_id}/{expires}/{signature}"
        query = {
            name: self.query_str(name)
            for name in (
                "bands",
                "time",
                "colormap",
                "range",
                "format",
                "bbox",
                "bbox-crs",
                "datetime",
                "properties",
                "f",
            )
        }
        parts = path.strip("/").split("/")
        if parts[0] == "xyz" and len(parts) == 4:
            z, x, y = _ints(parts[1:], NotFound(f"Not a tile path: {path!r}."))
            await self._tile(job, layer, "WebMercatorQuad", z, x, y, query)
        elif parts[0] == "wmts":
            await self._wmts(job, layer, base, parts[1:], query)
        elif parts == ["coverage"]:
            staged = f"{self.ctx.job_results.job_url(job_id)}/{controllers.STAGED_NAME}"
            body, media_type, filename = await self.ctx.run_in_executor(
                None, controllers.coverage, self.ctx, job, staged, query
            )
            self.response.set_header("Content-Type", media_type)
            self.response.set_header("Content-Disposition", f'attachment; filename="{filename}"')
            self.response.finish(body)
        else:
            raise NotFound(f"No result layer resource {path!r}.")

    async def _tile(
        self,
        job: Job,
        layer: Layer,
        tms_id: str,
        z: int,
        x: int,
        y: int,
        query: dict[str, str | None],
    ) -> None:
        try:
            etag, compute, media_type = controllers.tile(
                self.ctx, job, layer, tms_id, z, x, y, query
            )
        except TilesError as e:
            raise BadRequest(e.message, status=e.http_status) from None
        self.response.set_header("ETag", etag)
        self.response.set_header(
            "Cache-Control", f"private, max-age={self.ctx.settings.services.tile_max_age}"
        )
        if etag_matches(self.request.headers.get("If-None-Match"), etag):
            self.response.set_status(304)
            self.response.finish()
            return
        body = await self.ctx.run_in_executor(self.ctx.tile_executor, compute)
        self.response.set_header("Content-Type", media_type)
        self.response.finish(body)

    async def _wmts(
        self, job: Job, layer: Layer, base: str, parts: list[str], query: dict[str, str | None]
    ) -> None:
        try:
            if parts == []:
                raw: dict[str, Sequence[str]] = {
                    name: self.request.get_query_args(name) for name in self.request.query.keys()
                }
                request = parse_kvp(raw)
                if isinstance(request, GetCapabilitiesRequest):
                    self._xml(200, controllers.capabilities(job, layer, base, query))
                    return
                if request.layer not in layer.bands:
                    raise InvalidParameter(f"unknown layer {request.layer!r}", locator="Layer")
                await self._tile(
                    job,
                    layer,
                    request.tile_matrix_set,
                    request.zoom,
                    request.col,
                    request.row,
                    {**query, "bands": request.layer, "time": request.time},
                )
            elif parts == ["1.0.0", "WMTSCapabilities.xml"]:
                self._xml(200, controllers.capabilities(job, layer, base, query))
            elif len(parts) == 7 and parts[0] == "tile":
                band, time_label, tms_id = parts[1:4]
                z, row, col = _ints(parts[4:], InvalidParameter("not a tile path"))
                await self._tile(
                    job,
                    layer,
                    tms_id,
                    z,
                    col,
                    row,
                    {
                        **query,
                        "bands": band,
                        "time": None if time_label == "current" else time_label,
                    },
                )
            else:
                raise InvalidParameter("not a WMTS resource")
        except TilesError as e:
            self._xml(e.http_status, exception_report_xml(e))

    def _xml(self, status: int, body: bytes) -> None:
        self.response.set_status(status)
        self.response.set_header("Content-Type", "application/xml; charset=UTF-8")
        self.response.finish(body)


def _ints(values: list[str], error: Exception) -> tuple[int, ...]:
    try:
        return tuple(int(v.split(".")[0]) for v in values)
    except ValueError:
        raise error from None
