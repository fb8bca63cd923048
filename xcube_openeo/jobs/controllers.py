"""Batch job operations for the HTTP API (plain functions taking the context)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyproj

from xcube_openeo.engine import evaluate_process
from xcube_openeo.errors import OpenEOError
from xcube_openeo.execution.deadline import Deadline, deadline_scope
from xcube_openeo.execution.estimate import estimate
from xcube_openeo.formats import WrittenFile
from xcube_openeo.jobs.repository import Job
from xcube_openeo.layers.controllers import layer_links
from xcube_openeo.resource_fields import (
    checked_metadata,
    checked_process,
    logs_document,
    requested_log_level,
)
from xcube_openeo.util.rfc3339 import format_rfc3339
from xcube_openeo.web.pagination import paginate

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext

STAC_EXTENSIONS = [
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
]


def job_url(base_url: str, job_id: str) -> str:
    return f"{base_url}/jobs/{job_id}"


def list_jobs(
    ctx: OpenEOContext, user_id: str, base_url: str, limit: int | None, token: str | None
) -> dict[str, Any]:
    page, links = paginate(
        ctx.jobs.list(user_id),
        limit,
        token,
        lambda lim, tok: f"{base_url}/jobs?limit={lim}&next={tok}",
    )
    return {
        "jobs": [job.summary_json() for job in page],
        "links": [{"rel": "self", "href": f"{base_url}/jobs", "type": "application/json"}, *links],
    }


def _checked_fields(
    ctx: OpenEOContext, user_id: str, body: dict[str, Any], creating: bool
) -> dict[str, Any]:
    fields = checked_metadata(body)
    if "process" in body or creating:
        fields["process"] = checked_process(ctx, user_id, body, "job")
    return fields


def create_job(ctx: OpenEOContext, user_id: str, body: dict[str, Any]) -> Job:
    fields = _checked_fields(ctx, user_id, body, creating=True)
    return ctx.jobs.create(user_id, fields.pop("process"), **fields)


def update_job(ctx: OpenEOContext, user_id: str, job_id: str, body: dict[str, Any]) -> Job:
    ctx.jobs.get(user_id, job_id)  # 404 first, before validating the body
    return ctx.jobs.update(user_id, job_id, _checked_fields(ctx, user_id, body, creating=False))


def delete_job(ctx: OpenEOContext, user_id: str, job_id: str) -> None:
    ctx.jobs.cancel(user_id, job_id)
    ctx.jobs.delete(user_id, job_id)
    ctx.job_results.clear(job_id)


def start_job(ctx: OpenEOContext, user_id: str, job_id: str) -> None:
    job, queued = ctx.jobs.queue(user_id, job_id)
    if queued:
        ctx.job_results.clear(job_id)
        ctx.job_runner.submit(
            job, lambda logger: ctx.eval_env(user_id, logger=logger), ctx.cluster, ctx.settings.jobs
        )


def cancel_job(ctx: OpenEOContext, user_id: str, job_id: str) -> None:
    before = ctx.jobs.get(user_id, job_id).status
    job = ctx.jobs.cancel(user_id, job_id)
    if job.status == "canceled" and before != "canceled":
        ctx.jobs.append_log(job_id, "info", f"Job canceled by its owner while {before}.")


def estimate_job(ctx: OpenEOContext, user_id: str, job_id: str) -> dict[str, Any]:
    job = ctx.jobs.get(user_id, job_id)
    # Estimating evaluates the graph: bounded like a synchronous request.
    deadline = Deadline(ctx.settings.sync_timeout)
    with deadline_scope(deadline):
        env = ctx.eval_env(user_id)
        env.deadline = deadline
        size = estimate(evaluate_process(job.process, env), deadline)
    seconds = max(1.0, size.input_bytes / ctx.settings.jobs.throughput)
    return {
        "duration": pd.Timedelta(seconds=round(seconds)).isoformat(),
        "size": int(size.output_bytes),
        "downloads_included": None,
        "expires": format_rfc3339(datetime.now(timezone.utc) + timedelta(days=1)),
    }


def job_logs(
    ctx: OpenEOContext,
    user_id: str,
    job_id: str,
    base_url: str,
    offset: str | None,
    level: str | None,
    limit: int | None,
) -> dict[str, Any]:
    job = ctx.jobs.get(user_id, job_id)
    level = requested_log_level(level)
    entries = ctx.jobs.logs(job_id, offset, level, limit)
    return logs_document(entries, job.log_level, level, limit, f"{job_url(base_url, job_id)}/logs")


def job_results(
    ctx: OpenEOContext, job: Job, base_url: str, partial: bool
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, document): the STAC Item of the results, or the last error."""
    if job.status == "error":
        error = job.error or {"code": "Internal", "message": "The job failed."}
        return 424, {
            "id": error.get("id", "error"),
            "code": error.get("code"),
            "level": "error",
            "message": error.get("message", "The job failed."),
        }
    if job.status != "finished" and not partial:
        if job.status == "created":
            raise OpenEOError("JobNotStarted", f"Batch job {job.job_id} has not been started.")
        raise OpenEOError(
            "JobNotFinished",
            f"Batch job {job.job_id} is {job.status}; its results are not there yet.",
        )
    return 200, results_item(ctx, job, base_url)


def results_item(ctx: OpenEOContext, job: Job, base_url: str) -> dict[str, Any]:
    signer = ctx.job_url_signer
    expires = signer.expiry()
    signature = signer.signature(job.job_id, "", expires)
    signed_base = f"{job_url(base_url, job.job_id)}/results/{expires}/{signature}"
    files = (job.results or {}).get("files", []) if job.status == "finished" else []
    assets = {}
    for file in files:
        written = WrittenFile(
            **{
                **file,
                "roles": tuple(file["roles"]),
                "band_names": tuple(file["band_names"]),
                "raster_bands": tuple(file["raster_bands"]),
            }
        )
        assets[file["name"]] = written.to_stac_asset(f"{signed_base}/{file['name']}")
    bbox = _wgs84_bbox(files)
    expires_at = format_rfc3339(datetime.fromtimestamp(expires, timezone.utc))
    item: dict[str, Any] = {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": STAC_EXTENSIONS,
        "id": job.job_id,
        "geometry": None,
        "properties": {
            **_datetimes(files, job),
            "title": job.title,
            "description": job.description,
            "created": format_rfc3339(job.created),
            "updated": format_rfc3339(job.updated),
            "expires": expires_at,
            "openeo:status": job.status,
        },
        "assets": assets,
        "links": [
            {
                "rel": "self",
                "href": f"{job_url(base_url, job.job_id)}/results",
                "type": "application/geo+json",
            },
            {"rel": "canonical", "href": signed_base, "type": "application/geo+json"},
            *_layer_links(ctx, job, base_url),
        ],
    }
    if bbox is not None:
        w, s, e, n = bbox
        item["bbox"] = bbox
        item["geometry"] = {
            "type": "Polygon",
            "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
        }
    return item


def _layer_links(ctx: OpenEOContext, job: Job, base_url: str) -> list[dict[str, Any]]:
    """Result layer links (rel xyz, wmts, coverage) of a finished raster result."""
    return layer_links(ctx, job, base_url)


def _datetimes(files: list[dict[str, Any]], job: Job) -> dict[str, Any]:
    """STAC wants ``datetime``, or a range with ``datetime`` null."""
    times = sorted({f["datetime"] for f in files if f.get("datetime")})
    if len(times) > 1:
        return {"datetime": None, "start_datetime": times[0], "end_datetime": times[-1]}
    return {"datetime": times[0] if times else format_rfc3339(job.finished or job.created)}


def _wgs84_bbox(files: list[dict[str, Any]]) -> list[float] | None:
    boxes = []
    for file in files:
        projection = file.get("projection") or {}
        bbox = projection.get("proj:bbox")
        epsg = projection.get("proj:epsg")
        crs = f"EPSG:{epsg}" if epsg else projection.get("proj:code") or projection.get("proj:wkt2")
        if bbox and crs:
            transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            west, south, east, north = bbox
            boxes.append(transformer.transform_bounds(west, south, east, north, densify_pts=21))
    if not boxes:
        return None
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]
