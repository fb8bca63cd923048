"""The openEO API context: configuration and the components the handlers use.

xcube creates a new context whenever the server configuration changes; anything that
must outlive a reload does not live here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from xcube.server.api import ApiContext, Context

from xcube_openeo import __version__
from xcube_openeo.api.config import (
    DEFAULT_MAX_REQUEST_BODY_SIZE,
    DEFAULT_SYNC_LOCAL_MAX_MEMORY,
    DEFAULT_SYNC_MAX_MEMORY,
)
from xcube_openeo.api.tornado import use_openeo_handler
from xcube_openeo.auth.context import AccountsContextMixin
from xcube_openeo.collections.source import DatasetsCollectionSource
from xcube_openeo.engine import EvalEnv
from xcube_openeo.execution import DaskSettings, get_cluster
from xcube_openeo.jobs.context import JobsContextMixin
from xcube_openeo.processes import REGISTRY
from xcube_openeo.security import ExposurePolicy, check_deployment, install_guard
from xcube_openeo.services.context import ServicesContextMixin
from xcube_openeo.store.config import data_dir


# AccountsContextMixin: store, accounts, files, user_processes (xcube_openeo.auth).
# JobsContextMixin: jobs, job_results, job_runner, job_url_signer (xcube_openeo.jobs).
# ServicesContextMixin: services, tile_cache (xcube_openeo.services).
class OpenEOContext(AccountsContextMixin, JobsContextMixin, ServicesContextMixin, ApiContext):
    def __init__(self, server_ctx: Context):
        super().__init__(server_ctx)
        # Before any route answers: refuses state inside served folders, warns of
        # dangerous xcube APIs (xcube_openeo.security).
        check_deployment(
            self.config,
            self.exposure_policy,
            self._state_locations(),
            authentication=bool(self.accounts.users or self.accounts.providers),
        )
        self._install_handlers()

    def _install_handlers(self) -> None:
        server = getattr(self.server_ctx, "server", None)
        application = getattr(getattr(server, "framework", None), "application", None)
        if application is not None:
            use_openeo_handler(application, "openeo")
            install_guard(application)

    @cached_property
    def exposure_policy(self) -> ExposurePolicy:
        """Who may call each of xcube's own APIs served beside openEO."""
        return ExposurePolicy.from_config(
            self.openeo_config.get("Security"), [api.name for api in self.server_ctx.apis]
        )

    def _state_locations(self) -> list[str]:
        state = [str(data_dir(self.openeo_config))]
        state += [
            section[key]
            for section, key in (
                (self.openeo_config.get("Files") or {}, "Root"),
                (self.openeo_config.get("Jobs") or {}, "ResultsRoot"),
            )
            if section.get(key)
        ]
        return state

    # --- configuration -----------------------------------------------------------------

    @property
    def openeo_config(self) -> Mapping[str, Any]:
        return self.config.get("OpenEO") or {}

    @property
    def backend_id(self) -> str:
        return self.openeo_config.get("Id", "xcube-openeo")

    @property
    def title(self) -> str:
        return self.openeo_config.get("Title", "xcube openEO back-end")

    @property
    def description(self) -> str:
        return self.openeo_config.get(
            "Description",
            "An openEO back-end serving xcube datasets, processed lazily with xarray and dask.",
        )

    @property
    def backend_version(self) -> str:
        return __version__

    @property
    def max_request_body_size(self) -> int:
        return int(self.openeo_config.get("MaxRequestBodySize", DEFAULT_MAX_REQUEST_BODY_SIZE))

    @property
    def cors_allow_origin(self) -> str:
        return self.openeo_config.get("CorsAllowOrigin", "*")

    @property
    def default_license(self) -> str:
        return self.openeo_config.get("DefaultLicense", "proprietary")

    @property
    def sync_timeout(self) -> float:
        return float(self.openeo_config.get("SyncTimeout", 300))

    @property
    def sync_max_input_values(self) -> int:
        return int(self.openeo_config.get("SyncMaxInputValues", 250_000_000))

    @property
    def sync_local_max_input_values(self) -> int:
        return int(self.openeo_config.get("SyncLocalMaxInputValues", 20_000_000))

    @property
    def sync_max_memory(self) -> int:
        return int(self.openeo_config.get("SyncMaxMemory", DEFAULT_SYNC_MAX_MEMORY))

    @property
    def sync_local_max_memory(self) -> int:
        return int(self.openeo_config.get("SyncLocalMaxMemory", DEFAULT_SYNC_LOCAL_MAX_MEMORY))

    @property
    def sync_max_concurrent(self) -> int:
        return int(self.openeo_config.get("SyncMaxConcurrent", 8))

    @property
    def cluster(self) -> Any:
        """The dask cluster of this server process (shared across configuration reloads)."""
        return get_cluster(DaskSettings.from_config(self.openeo_config.get("Dask")))

    @property
    def default_raster_format(self) -> str:
        return self.openeo_config.get("DefaultRasterFormat", "GTiff")

    # --- components ----------------------------------------------------------------------

    @cached_property
    def datasets_ctx(self) -> Any:
        """xcube's DatasetsContext: the source of our collections."""
        return self.server_ctx.get_api_ctx("datasets")

    @cached_property
    def collections(self) -> Any:
        return DatasetsCollectionSource(self.datasets_ctx, default_license=self.default_license)

    def eval_env(self, user_id: str | None = None, logger: Any = None) -> Any:
        """The environment process graphs of ``user_id`` are evaluated in."""
        extra = {"logger": logger} if logger is not None else {}
        return EvalEnv(
            collections=self.collections,
            user_id=user_id,
            user_processes=self.user_processes.all(user_id) if user_id else {},
            **extra,
        )

    @cached_property
    def processes(self) -> Any:
        return REGISTRY
