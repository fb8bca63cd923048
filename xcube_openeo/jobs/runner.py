"""Running batch jobs: evaluation in the server, computation and writing on the cluster.

A raster result is computed in two phases, both on the dask cluster:

1. staging: the whole computation as one dask graph whose tasks write Zarr chunks
   (bounded memory; the scheduler counts the tasks, which gives ``progress``);
2. writing: one worker task converts the staged cube into the requested format.

Other results (vector cubes, numbers, arrays) are computed and written by one worker
task.  Runners are process-wide (they outlive configuration reloads); each job runs
in a thread of a bounded pool, and gives up as soon as its run is no longer current
(cancelled, restarted or deleted), cancelling its work on the cluster.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from xcube_openeo.engine import evaluate_process
from xcube_openeo.engine.cube import DataCube
from xcube_openeo.errors import OpenEOError, internal_error
from xcube_openeo.execution.estimate import estimate
from xcube_openeo.execution.progress import TaskProgress
from xcube_openeo.execution.staging import stage_cube
from xcube_openeo.formats import load_formats
from xcube_openeo.jobs import tasks
from xcube_openeo.jobs.config import JobsSettings
from xcube_openeo.jobs.repository import Job, JobRepository
from xcube_openeo.jobs.storage import ResultStorage
from xcube_openeo.processes.cubes.io import SaveResult
from xcube_openeo.resource_fields import LOG_LEVELS

LOG = logging.getLogger("xcube.openeo")

STAGED_NAME = ".staged.zarr"
POLL_SECONDS = 0.5
#: Share of the progress bar for staging (the rest is writing the final format).
STAGING_SHARE = 90.0


class JobCanceled(Exception):
    """The run is no longer current: stop quietly."""


class JobLogger:
    """A logger-like object for the engine that writes into the job's log."""

    def __init__(self, repo: JobRepository, job_id: str, level: str):
        self.repo = repo
        self.job_id = job_id
        self.max_severity = LOG_LEVELS.index(level) if level in LOG_LEVELS else 2

    def log(self, level: str, message: str, data: Any = None) -> None:
        if LOG_LEVELS.index(level) <= self.max_severity:
            self.repo.append_log(self.job_id, level, message, data)

    def error(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.log("error", message % args if args else message, kwargs.get("extra"))

    def warning(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.log("warning", message % args if args else message, kwargs.get("extra"))

    warn = warning

    def info(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.log("info", message % args if args else message, kwargs.get("extra"))

    def debug(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.log("debug", message % args if args else message, kwargs.get("extra"))


class JobRunner:
    """Runs jobs in a bounded thread pool.

    The cluster and the settings come with each job, from the configuration current
    when it was started: the runner outlives configuration reloads.
    """

    def __init__(self, repo: JobRepository, storage: ResultStorage, max_concurrent: int):
        self.repo = repo
        self.storage = storage
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="openeo-job")

    def submit(
        self, job: Job, make_env: Callable[[JobLogger], Any], cluster: Any, settings: JobsSettings
    ) -> None:
        """Runs the queued ``job`` (its current run) in the background."""
        self._pool.submit(self._run, job, make_env, cluster, settings)

    # --- one run -----------------------------------------------------------------------

    def _run(
        self, job: Job, make_env: Callable[[JobLogger], Any], cluster: Any, settings: JobsSettings
    ) -> None:
        repo, run = self.repo, job.run
        logger = JobLogger(repo, job.job_id, job.log_level)
        started = time.monotonic()
        meter: dict[str, float] = {"cpu_seconds": 0.0, "max_worker_memory": 0.0}
        try:
            if not repo.mark_running(job.job_id, run):
                return  # cancelled or restarted while queued
            logger.info(f"Job started (run {run}).")
            self.storage.clear(job.job_id)
            results = self._execute(job, make_env(logger), logger, meter, cluster, settings)
            usage = self._usage(started, meter)
            if repo.mark_finished(job.job_id, run, results, usage):
                logger.info(f"Job finished in {usage['duration']['value']:.1f} s.")
        except JobCanceled:
            logger.info("Job canceled; its computation on the cluster was stopped.")
        except OpenEOError as e:
            self._fail(job, logger, e, started, meter)
        except Exception as e:  # logged with its id; the job's log gets no traceback
            self._fail(
                job, logger, internal_error(f"Batch job {job.job_id} failed.", e), started, meter
            )

    def _fail(
        self,
        job: Job,
        logger: JobLogger,
        error: OpenEOError,
        started: float,
        meter: dict[str, float],
    ) -> None:
        doc = {"id": error.id, "code": error.code, "message": error.message}
        if self.repo.mark_error(job.job_id, job.run, doc, self._usage(started, meter)):
            logger.log("error", f"{error.code}: {error.message}", {"error_id": error.id})

    @staticmethod
    def _usage(started: float, meter: dict[str, float]) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "duration": {"value": round(time.monotonic() - started, 3), "unit": "seconds"}
        }
        if meter["cpu_seconds"]:
            usage["cpu"] = {"value": round(meter["cpu_seconds"], 3), "unit": "cpu-seconds"}
        if meter["max_worker_memory"]:
            usage["memory"] = {
                "value": round(meter["max_worker_memory"] / 2**20, 1),
                "unit": "mb (peak per worker)",
            }
        return usage

    def _execute(
        self,
        job: Job,
        env: Any,
        logger: JobLogger,
        meter: dict[str, float],
        cluster: Any,
        settings: JobsSettings,
    ) -> dict[str, Any]:
        result = evaluate_process(job.process, env)
        fmt_name, options, value = settings.default_format, {}, result
        if isinstance(result, SaveResult):
            fmt_name, options, value = result.format, dict(result.options), result.data
        elif not isinstance(result, DataCube):
            fmt_name = "JSON"
        fmt = load_formats().find_output(fmt_name)
        if fmt is None:
            raise OpenEOError(
                "FormatUnsupported",
                f"Output format {fmt_name!r} is not supported; see GET /file_formats.",
            )
        options = fmt.validate_options(options)
        logger.info(f"Size estimate: {estimate(value).describe()}.")
        client = cluster.client()
        target = self.storage.job_url(job.job_id)
        if isinstance(value, DataCube) and not value.is_vector and value.data.chunks is not None:
            staged_url = f"{target}/{STAGED_NAME}"
            logger.info("Computing the result on the cluster.")
            staging = client.compute(stage_cube(value, staged_url, self.storage.storage_options))
            self._await(job, client, staging, 0.0, STAGING_SHARE, meter)
            logger.info(f"Writing the result as {fmt.name}.")
            writing = client.submit(
                tasks.write_staged, staged_url, fmt.name, options, target, "result", pure=False
            )
        else:
            logger.info(f"Computing the result and writing it as {fmt.name}.")
            writing = client.submit(
                tasks.write_value, value, fmt.name, options, target, "result", pure=False
            )
        files, writer = self._await(
            job,
            client,
            writing,
            STAGING_SHARE if isinstance(value, DataCube) else 0.0,
            100.0,
            meter,
        )
        logger.info(f"Result written by worker {writer}.")
        return {
            "format": fmt.name,
            "written_by": writer,
            "files": [_file_json(f) for f in files],
        }

    def _await(
        self, job: Job, client: Any, future: Any, start: float, end: float, meter: dict[str, float]
    ) -> Any:
        """Waits for ``future``, reporting progress between ``start`` and ``end``."""
        progress = TaskProgress(client, [future], name=f"{job.job_id}-{job.run}-{start:g}")
        try:
            while True:
                try:
                    value = future.result(timeout=POLL_SECONDS)
                    self.repo.set_progress(job.job_id, job.run, end)
                    return value
                except TimeoutError:
                    pass
                if not self.repo.is_current(job.job_id, job.run):
                    client.cancel([future], force=True)
                    raise JobCanceled()
                fraction = progress.fraction()
                if fraction is not None:
                    self.repo.set_progress(job.job_id, job.run, start + (end - start) * fraction)
        finally:
            progress.fraction()  # last reading of the meters
            meter["cpu_seconds"] += progress.compute_seconds
            meter["max_worker_memory"] = max(meter["max_worker_memory"], progress.max_worker_memory)
            progress.close()


def _file_json(file: Any) -> dict[str, Any]:
    return dataclasses.asdict(file)


_RUNNERS: dict[tuple[str, str], JobRunner] = {}
_RUNNERS_LOCK = threading.Lock()


def get_runner(repo: JobRepository, storage: ResultStorage, max_concurrent: int) -> JobRunner:
    """The process-wide runner for this database and result storage."""
    key = (str(repo.store.engine.url), storage.root_url)
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(key)
        if runner is None:
            runner = _RUNNERS[key] = JobRunner(repo, storage, max_concurrent)
            for job_id in repo.recover_interrupted():
                LOG.warning(
                    "Batch job %s was interrupted by a server stop; marked as error", job_id
                )
        return runner
