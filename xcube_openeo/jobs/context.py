"""The batch-job components of the openEO API context (mixed into ``OpenEOContext``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xcube_openeo.jobs.config import JobsSettings
from xcube_openeo.jobs.repository import JobRepository
from xcube_openeo.jobs.runner import JobRunner, get_runner
from xcube_openeo.jobs.signing import UrlSigner, load_or_create_key
from xcube_openeo.jobs.storage import ResultStorage


class JobsContextSettings(Protocol):
    """The part of the ``OpenEO`` settings the batch-job components read."""

    @property
    def jobs(self) -> JobsSettings: ...

    @property
    def data_path(self) -> Path: ...


class JobsContextMixin:
    """Needs ``settings``, ``store`` and ``cluster`` from the context."""

    if TYPE_CHECKING:  # the composed context provides it (a cached property)

        @property
        def settings(self) -> JobsContextSettings: ...

    store: Any
    cluster: Any

    @cached_property
    def jobs(self) -> JobRepository:
        return JobRepository(self.store)

    @cached_property
    def job_results(self) -> ResultStorage:
        jobs = self.settings.jobs
        root = jobs.results_root or str(self.settings.data_path / "results")
        return ResultStorage(root, jobs.storage_options)

    @cached_property
    def job_runner(self) -> JobRunner:
        return get_runner(self.jobs, self.job_results, self.settings.jobs.max_concurrent)

    @cached_property
    def job_url_signer(self) -> UrlSigner:
        jobs = self.settings.jobs
        key = (
            jobs.signing_key.encode()
            if jobs.signing_key
            else load_or_create_key(self.settings.data_path / "result-signing.key")
        )
        return UrlSigner(key, jobs.url_lifetime)
