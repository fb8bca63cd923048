"""The batch-job components of the openEO API context (mixed into ``OpenEOContext``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from xcube_openeo.jobs.repository import JobRepository
from xcube_openeo.jobs.runner import JobRunner, JobSettings, get_runner
from xcube_openeo.jobs.signing import UrlSigner, load_or_create_key
from xcube_openeo.jobs.storage import ResultStorage
from xcube_openeo.store.config import data_dir

DEFAULT_URL_LIFETIME = 7 * 24 * 3600
#: Bytes read per second assumed by estimates (configurable: ``Jobs.Throughput``).
DEFAULT_THROUGHPUT = 50 * 2**20


class JobsContextMixin:
    """Needs ``openeo_config``, ``store`` and ``cluster`` from the context."""

    openeo_config: Mapping[str, Any]
    store: Any
    cluster: Any

    @property
    def jobs_config(self) -> Mapping[str, Any]:
        return self.openeo_config.get("Jobs") or {}

    @cached_property
    def jobs(self) -> JobRepository:
        return JobRepository(self.store)

    @cached_property
    def job_results(self) -> ResultStorage:
        root = self.jobs_config.get("ResultsRoot") or str(data_dir(self.openeo_config) / "results")
        return ResultStorage(root, self.jobs_config.get("StorageOptions"))

    @cached_property
    def job_runner(self) -> JobRunner:
        return get_runner(self.jobs, self.job_results, self.job_settings.max_concurrent)

    @property
    def job_settings(self) -> JobSettings:
        return JobSettings(
            default_format=self.jobs_config.get("DefaultFormat", "GTiff"),
            max_concurrent=int(self.jobs_config.get("MaxConcurrent", 2)),
        )

    @cached_property
    def job_url_signer(self) -> UrlSigner:
        configured = self.jobs_config.get("SigningKey")
        key = (
            configured.encode()
            if configured
            else load_or_create_key(data_dir(self.openeo_config) / "result-signing.key")
        )
        return UrlSigner(key, int(self.jobs_config.get("UrlLifetime", DEFAULT_URL_LIFETIME)))

    @property
    def job_throughput(self) -> float:
        return float(self.jobs_config.get("Throughput", DEFAULT_THROUGHPUT))
