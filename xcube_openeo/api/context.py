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
from xcube_openeo.api.config import OpenEOSettings
from xcube_openeo.api.tornado import use_openeo_handler
from xcube_openeo.auth.context import AccountsContextMixin
from xcube_openeo.collections.source import DatasetsCollectionSource
from xcube_openeo.engine import EvalEnv
from xcube_openeo.execution import get_cluster
from xcube_openeo.jobs.context import JobsContextMixin
from xcube_openeo.processes import REGISTRY
from xcube_openeo.security import ExposurePolicy, check_deployment, install_guard
from xcube_openeo.services.context import ServicesContextMixin
from xcube_openeo.settings import from_config


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
        security = self.settings.security
        return ExposurePolicy.configured(
            security.xcube_apis or {},
            security.admins,
            [api.name for api in self.server_ctx.apis],
        )

    def _state_locations(self) -> list[str]:
        settings = self.settings
        configured = (settings.files.root, settings.jobs.results_root)
        return [str(settings.data_path)] + [location for location in configured if location]

    # --- configuration -----------------------------------------------------------------

    @property
    def openeo_config(self) -> Mapping[str, Any]:
        return self.config.get("OpenEO") or {}

    @cached_property
    def settings(self) -> OpenEOSettings:
        """The ``OpenEO`` section with every default applied."""
        return from_config(OpenEOSettings, self.openeo_config)

    @property
    def backend_version(self) -> str:
        return __version__

    @property
    def cluster(self) -> Any:
        """The dask cluster of this server process (shared across configuration reloads)."""
        return get_cluster(self.settings.dask)

    # --- components ----------------------------------------------------------------------

    @cached_property
    def datasets_ctx(self) -> Any:
        """xcube's DatasetsContext: the source of our collections."""
        return self.server_ctx.get_api_ctx("datasets")

    @cached_property
    def collections(self) -> Any:
        return DatasetsCollectionSource(
            self.datasets_ctx, default_license=self.settings.default_license
        )

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
