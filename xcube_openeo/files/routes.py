"""Routes: ``/files`` and ``/files/{path}`` (uploads stream to disk, downloads stream out)."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.errors import Internal, NotFound
from xcube_openeo.files.storage import Upload
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.pagination import paginate
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

P = OPENEO_PREFIX
ROUTES = RouteTable()


@ROUTES.route(P + "/files")
class FilesHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        user = self.require_user()
        limit = self.query_int("limit", minimum=1)
        files = [info.to_json() for info in self.ctx.files.list(user.user_id)]
        base = f"{self.base_url}/files"
        page, links = paginate(
            files, limit, self.query_str("next"), lambda lim, tok: f"{base}?limit={lim}&next={tok}"
        )
        self.write_json({"files": list(page), "links": links})


@ROUTES.route(P + "/files/{*path}")
class FileHandler(OpenEOHandler["OpenEOContext"]):
    #: PUT bodies come through start/receive/end_body_stream (see api/tornado.py).
    streams_request_body = True
    _upload: Upload | None = None

    def _check_route(self) -> None:
        # xcube's '{*path}' pattern makes the '/' before it optional: '/filesX' must not
        # be read as the file 'X'.
        raw = urllib.parse.urlsplit(self.request.url).path
        after = raw[raw.find(P + "/files") + len(P + "/files") :]
        if not after.startswith("/"):
            raise NotFound(f"No openEO endpoint at {raw}.")

    # --- upload ----------------------------------------------------------------------

    def start_body_stream(self, path: str) -> int:
        user = self.require_user()
        self._check_route()
        length = self.request.headers.get("Content-Length")
        announced = int(length) if length and length.isdigit() else None
        self._upload = self.ctx.files.begin_upload(user, path, announced)
        return self.ctx.files.max_file_size

    def receive_body_chunk(self, chunk: bytes) -> None:
        if self._upload is not None:
            self._upload.write(chunk)

    def end_body_stream(self) -> None:
        if self._upload is not None:
            self._upload.discard()

    def put(self, path: str):
        self._check_route()
        if self._upload is None:  # only without the tornado streaming handler
            raise Internal("The upload was not received.")
        info = self._upload.commit()
        self.write_json(info.to_json())

    # --- download and delete -----------------------------------------------------------

    async def get(self, path: str):
        user = self.require_user()
        self._check_route()
        info = self.ctx.files.info(user.user_id, path)
        chunks = self.ctx.files.read_chunks(user.user_id, path)
        # What the API documents for every file; no type guessed from the file's name.
        self.response.set_header("Content-Type", "application/octet-stream")
        self.response.set_header("Content-Length", str(info.size))
        # User content is never rendered as a page of the API's origin (stored XSS).
        self.response.set_header("X-Content-Type-Options", "nosniff")
        filename = urllib.parse.quote(path.rsplit("/", 1)[-1])
        self.response.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{filename}")
        for chunk in chunks:
            self.response.write(chunk)
            # Sends each chunk before reading the next: memory stays at one chunk.
            await self.flush_response()
        self.response.finish()

    def delete(self, path: str):
        user = self.require_user()
        self._check_route()
        self.ctx.files.delete(user.user_id, path)
        self.response.set_status(204)
        self.response.finish()
