"""Batch job routes."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from xcube_openeo import OPENEO_PREFIX
from xcube_openeo.errors import NotFound
from xcube_openeo.jobs import controllers
from xcube_openeo.web.handler import OpenEOHandler
from xcube_openeo.web.routes import RouteTable

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext  # noqa: F401 (a string in base classes)

ROUTES = RouteTable()

P = OPENEO_PREFIX + "/jobs"
CHUNK = 1024 * 1024


@ROUTES.route(P)
class JobsHandler(OpenEOHandler["OpenEOContext"]):
    def get(self):
        user = self.require_user()
        limit = self.query_int("limit", minimum=1)
        self.write_json(
            controllers.list_jobs(
                self.ctx, user.user_id, self.base_url, limit, self.query_str("next")
            )
        )

    def post(self):
        user = self.require_user()
        job = controllers.create_job(self.ctx, user.user_id, self.read_json_object())
        self.response.set_status(201)
        self.response.set_header("Location", controllers.job_url(self.base_url, job.job_id))
        self.response.set_header("OpenEO-Identifier", job.job_id)
        self.response.finish()


@ROUTES.route(P + "/{job_id}")
class JobHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, job_id: str):
        user = self.require_user()
        self.write_json(self.ctx.jobs.get(user.user_id, job_id).to_json())

    def patch(self, job_id: str):
        user = self.require_user()
        controllers.update_job(self.ctx, user.user_id, job_id, self.read_json_object())
        self.response.set_status(204)
        self.response.finish()

    def delete(self, job_id: str):
        user = self.require_user()
        controllers.delete_job(self.ctx, user.user_id, job_id)
        self.response.set_status(204)
        self.response.finish()


@ROUTES.route(P + "/{job_id}/estimate")
class JobEstimateHandler(OpenEOHandler["OpenEOContext"]):
    async def get(self, job_id: str):
        user = self.require_user()
        doc = await self.ctx.run_in_executor(
            None, controllers.estimate_job, self.ctx, user.user_id, job_id
        )
        self.write_json(doc)


@ROUTES.route(P + "/{job_id}/logs")
class JobLogsHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, job_id: str):
        user = self.require_user()
        self.write_json(
            controllers.job_logs(
                self.ctx,
                user.user_id,
                job_id,
                self.base_url,
                self.query_str("offset"),
                self.query_str("level"),
                self.query_int("limit", minimum=1),
            )
        )


@ROUTES.route(P + "/{job_id}/results")
class JobResultsHandler(OpenEOHandler["OpenEOContext"]):
    def get(self, job_id: str):
        user = self.require_user()
        job = self.ctx.jobs.get(user.user_id, job_id)
        partial = (self.query_str("partial") or "false").lower() == "true"
        status, doc = controllers.job_results(self.ctx, job, self.base_url, partial)
        self.write_json(
            doc,
            status=status,
            content_type="application/json" if status != 200 else "application/geo+json",
        )

    def post(self, job_id: str):
        user = self.require_user()
        controllers.start_job(self.ctx, user.user_id, job_id)
        self.response.set_status(202)
        self.response.finish()

    def delete(self, job_id: str):
        user = self.require_user()
        controllers.cancel_job(self.ctx, user.user_id, job_id)
        self.response.set_status(204)
        self.response.finish()


@ROUTES.route(P + "/{job_id}/results/{expires}/{signature}/{*path}")
class SignedResultsHandler(OpenEOHandler["OpenEOContext"]):
    """Results reachable without a token through a signed, expiring URL."""

    listed = False

    def get(self, job_id: str, expires: str, signature: str, path: str = ""):
        self.ctx.job_url_signer.check(job_id, "", expires, signature)
        job = self.ctx.jobs.get_any(job_id)
        if job is None:
            raise NotFound("No such result file.")
        if not path:
            status, doc = controllers.job_results(self.ctx, job, self.base_url, partial=True)
            self.write_json(doc, status=status, content_type="application/geo+json")
            return
        storage = self.ctx.job_results
        with storage.open(job_id, path) as f:
            media_type = _media_type(job, path)
            self.response.set_header("Content-Type", media_type)
            self.response.set_header("Content-Length", str(storage.size(job_id, path)))
            while chunk := f.read(CHUNK):
                self.response.write(chunk)
        self.response.finish()


def _media_type(job, path: str) -> str:
    for file in (job.results or {}).get("files", []):
        if file["name"] == path:
            return file["media_type"]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"
