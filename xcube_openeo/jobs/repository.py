"""Batch jobs in the store: records, status transitions and logs.

Every transition is one transaction.  Transitions made by a runner name the run they
belong to: a job restarted meanwhile (new run number) or cancelled ignores them, so a
late runner can never overwrite the state of a newer run.
"""

from __future__ import annotations

import builtins
import json
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from xcube_openeo.errors import OpenEOError
from xcube_openeo.jobs.tables import job_logs, jobs
from xcube_openeo.store import Store
from xcube_openeo.store.engine import utcnow
from xcube_openeo.store.logs import LogTable
from xcube_openeo.util.rfc3339 import format_rfc3339

ACTIVE = ("queued", "running")
EDITABLE = ("title", "description", "process", "plan", "budget", "log_level")


def this_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Job:
    job_id: str
    owner: str
    title: str | None
    description: str | None
    process: dict[str, Any]
    status: str
    progress: float | None
    plan: str | None
    budget: float | None
    log_level: str
    created: datetime
    updated: datetime
    started: datetime | None
    finished: datetime | None
    usage: dict[str, Any] | None
    error: dict[str, Any] | None
    results: dict[str, Any] | None
    run: int
    runner: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Job:
        def loads(text: str | None) -> Any:
            return None if text is None else json.loads(text)

        return cls(
            job_id=row["job_id"],
            owner=row["owner"],
            title=row["title"],
            description=row["description"],
            process=json.loads(row["process"]),
            status=row["status"],
            progress=row["progress"],
            plan=row["plan"],
            budget=row["budget"],
            log_level=row["log_level"],
            created=row["created"],
            updated=row["updated"],
            started=row["started"],
            finished=row["finished"],
            usage=loads(row["usage"]),
            error=loads(row["error"]),
            results=loads(row["results"]),
            run=row["run"],
            runner=row["runner"],
        )

    def summary_json(self) -> dict[str, Any]:
        """The job as listed by ``GET /jobs``."""
        doc: dict[str, Any] = {
            "id": self.job_id,
            "title": self.title,
            "description": self.description,
            "status": self.status,
            "created": format_rfc3339(self.created),
            "updated": format_rfc3339(self.updated),
            "plan": self.plan,
            "budget": self.budget,
        }
        if self.progress is not None and self.status in (
            "running",
            "finished",
            "error",
            "canceled",
        ):
            doc["progress"] = round(self.progress, 2)
        # Unset optional fields are left out (the API does not allow null for all of them).
        return {k: v for k, v in doc.items() if v is not None}

    def to_json(self) -> dict[str, Any]:
        """The job as described by ``GET /jobs/{job_id}``."""
        doc = self.summary_json()
        doc["process"] = self.process
        doc["log_level"] = self.log_level
        if self.usage:
            doc["usage"] = self.usage
        return doc


class JobNotFound(OpenEOError):
    def __init__(self, job_id: str):
        super().__init__("JobNotFound", f"Batch job {job_id!r} does not exist.")


class JobRepository:
    def __init__(self, store: Store):
        self.store = store
        self.log_table = LogTable(store, job_logs, "job_id")

    # --- user operations -----------------------------------------------------------------

    def create(
        self,
        owner: str,
        process: dict[str, Any],
        *,
        title: str | None = None,
        description: str | None = None,
        plan: str | None = None,
        budget: float | None = None,
        log_level: str = "info",
    ) -> Job:
        now = utcnow()
        job_id = "j-" + uuid.uuid4().hex
        with self.store.write() as conn:
            conn.execute(
                jobs.insert().values(
                    job_id=job_id,
                    owner=owner,
                    title=title,
                    description=description,
                    process=json.dumps(process),
                    status="created",
                    progress=None,
                    plan=plan,
                    budget=budget,
                    log_level=log_level,
                    created=now,
                    updated=now,
                    run=0,
                )
            )
        return self.get(owner, job_id)

    def get(self, owner: str, job_id: str) -> Job:
        """The job; ``JobNotFound`` also for other users' jobs (no hint they exist)."""
        with self.store.read() as conn:
            row = (
                conn.execute(jobs.select().where(jobs.c.job_id == job_id, jobs.c.owner == owner))
                .mappings()
                .first()
            )
        if row is None:
            raise JobNotFound(job_id)
        return Job.from_row(row)

    def get_any(self, job_id: str) -> Job | None:
        """The job whoever owns it (for runners and signed URLs)."""
        with self.store.read() as conn:
            row = conn.execute(jobs.select().where(jobs.c.job_id == job_id)).mappings().first()
        return None if row is None else Job.from_row(row)

    def list(self, owner: str) -> list[Job]:
        with self.store.read() as conn:
            rows = (
                conn.execute(
                    jobs.select()
                    .where(jobs.c.owner == owner)
                    .order_by(jobs.c.created.desc(), jobs.c.job_id)
                )
                .mappings()
                .all()
            )
        return [Job.from_row(row) for row in rows]

    def update(self, owner: str, job_id: str, changes: Mapping[str, Any]) -> Job:
        values = {
            k: (json.dumps(v) if k == "process" else v) for k, v in changes.items() if k in EDITABLE
        }
        if not values:
            raise OpenEOError("NoDataForUpdate", "The request changes nothing that can be changed.")
        with self.store.write() as conn:
            job = self._locked(conn, owner, job_id)
            if job.status in ACTIVE:
                raise OpenEOError(
                    "JobLocked",
                    f"Batch job {job_id!r} is {job.status}; cancel it before changing it.",
                )
            conn.execute(
                jobs.update().where(jobs.c.job_id == job_id).values(**values, updated=utcnow())
            )
        return self.get(owner, job_id)

    def delete(self, owner: str, job_id: str) -> Job:
        with self.store.write() as conn:
            job = self._locked(conn, owner, job_id)
            self.log_table.clear(conn, job_id)
            conn.execute(jobs.delete().where(jobs.c.job_id == job_id))
        return job

    def queue(self, owner: str, job_id: str) -> tuple[Job, bool]:
        """Queues the job for a new run; (job, whether a new run was queued).

        A job already queued or running stays as it is.  Restarting a job that ran
        before discards its old results, usage, error and logs.
        """
        with self.store.write() as conn:
            job = self._locked(conn, owner, job_id)
            if job.status in ACTIVE:
                return job, False
            self.log_table.clear(conn, job_id)
            conn.execute(
                jobs.update()
                .where(jobs.c.job_id == job_id)
                .values(
                    status="queued",
                    progress=0.0,
                    run=job.run + 1,
                    runner=this_runner(),
                    started=None,
                    finished=None,
                    usage=None,
                    error=None,
                    results=None,
                    updated=utcnow(),
                )
            )
        return self.get(owner, job_id), True

    def cancel(self, owner: str, job_id: str) -> Job:
        with self.store.write() as conn:
            job = self._locked(conn, owner, job_id)
            if job.status in ACTIVE:
                now = utcnow()
                conn.execute(
                    jobs.update()
                    .where(jobs.c.job_id == job_id)
                    .values(status="canceled", finished=now, updated=now)
                )
        return self.get(owner, job_id)

    # --- runner transitions (ignored unless the run is still current) ----------------------

    def _transition(
        self, job_id: str, run: int, from_status: tuple[str, ...], **values: Any
    ) -> bool:
        with self.store.write() as conn:
            result = conn.execute(
                jobs.update()
                .where(jobs.c.job_id == job_id, jobs.c.run == run, jobs.c.status.in_(from_status))
                .values(**values, updated=utcnow())
            )
        return result.rowcount == 1

    def mark_running(self, job_id: str, run: int) -> bool:
        return self._transition(job_id, run, ("queued",), status="running", started=utcnow())

    def set_progress(self, job_id: str, run: int, progress: float) -> bool:
        # Never decreasing: a smaller value than the stored one is ignored.
        with self.store.write() as conn:
            result = conn.execute(
                jobs.update()
                .where(
                    jobs.c.job_id == job_id,
                    jobs.c.run == run,
                    jobs.c.status == "running",
                    sa.or_(jobs.c.progress.is_(None), jobs.c.progress < progress),
                )
                .values(progress=min(100.0, progress), updated=utcnow())
            )
        return result.rowcount == 1

    def mark_finished(
        self, job_id: str, run: int, results: dict[str, Any], usage: dict[str, Any]
    ) -> bool:
        return self._transition(
            job_id,
            run,
            ("running",),
            status="finished",
            progress=100.0,
            finished=utcnow(),
            results=json.dumps(results),
            usage=json.dumps(usage),
        )

    def mark_error(
        self, job_id: str, run: int, error: dict[str, Any], usage: dict[str, Any] | None = None
    ) -> bool:
        return self._transition(
            job_id,
            run,
            ACTIVE,
            status="error",
            finished=utcnow(),
            error=json.dumps(error),
            usage=None if usage is None else json.dumps(usage),
        )

    def is_current(self, job_id: str, run: int) -> bool:
        job = self.get_any(job_id)
        return job is not None and job.run == run and job.status in ACTIVE

    def recover_interrupted(self) -> builtins.list[str]:
        """Marks as ``error`` the jobs a server process on this host left queued or
        running when it died; returns their ids."""
        host, _, pid = this_runner().partition(":")
        with self.store.read() as conn:
            rows = conn.execute(
                sa.select(jobs.c.job_id, jobs.c.run, jobs.c.status, jobs.c.runner).where(
                    jobs.c.status.in_(ACTIVE)
                )
            ).all()
        interrupted = []
        for job_id, run, status, runner in rows:
            runner_host, _, runner_pid = (runner or "").partition(":")
            if runner_host != host or runner_pid == pid or _pid_alive(runner_pid):
                continue
            message = (
                f"The server stopped while this job was {status}; its computation was"
                " lost. Start it again with POST /jobs/{job_id}/results."
            )
            error = {"code": "Internal", "message": message.replace("{job_id}", job_id)}
            if self.mark_error(job_id, run, error):
                self.append_log(job_id, "error", error["message"])
                interrupted.append(job_id)
        return interrupted

    # --- logs --------------------------------------------------------------------------

    def append_log(self, job_id: str, level: str, message: str, data: Any = None) -> None:
        self.log_table.append(job_id, level, message, data)

    def logs(
        self, job_id: str, offset: str | None, level: str, limit: int | None
    ) -> builtins.list[dict[str, Any]]:
        """Log entries after ``offset`` (a log id) at ``level`` or more severe."""
        return self.log_table.read(job_id, offset, level, limit)

    # --- helpers -----------------------------------------------------------------------

    def _locked(self, conn: sa.Connection, owner: str, job_id: str) -> Job:
        # FOR UPDATE on PostgreSQL; SQLite's write transaction already holds the lock.
        row = (
            conn.execute(
                jobs.select()
                .where(jobs.c.job_id == job_id, jobs.c.owner == owner)
                .with_for_update()
            )
            .mappings()
            .first()
        )
        if row is None:
            raise JobNotFound(job_id)
        return Job.from_row(row)


def _pid_alive(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
