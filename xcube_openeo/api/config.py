"""Settings of the ``OpenEO`` section of the xcube server configuration, and its schema.

The top-level keys are here; each nested section is the settings dataclass of the
package it configures.
"""

from __future__ import annotations

from dataclasses import dataclass

from xcube.util.jsonschema import JsonObjectSchema

from xcube_openeo.auth.config import AuthenticationSettings
from xcube_openeo.execution.config import DaskSettings
from xcube_openeo.files.config import FilesSettings
from xcube_openeo.jobs.config import JobsSettings
from xcube_openeo.security.config import SecuritySettings
from xcube_openeo.services.config import ServicesSettings
from xcube_openeo.settings import section, setting, settings_schema
from xcube_openeo.store.config import StateSettings


@dataclass(frozen=True)
class OpenEOSettings(StateSettings):
    id: str = setting("xcube-openeo", "back-end id in the capabilities")
    title: str = setting("xcube openEO back-end", "shown by clients")
    description: str = setting(
        "An openEO back-end serving xcube datasets, processed lazily with xarray and dask.",
        "shown by clients",
        shown="generic text",
    )
    authentication: AuthenticationSettings = section(AuthenticationSettings)
    security: SecuritySettings = section(SecuritySettings)
    files: FilesSettings = section(FilesSettings)
    max_request_body_size: int = setting(
        10 * 1024 * 1024,
        "larger JSON bodies are refused (413 `PayloadTooLarge`) while they are received",
        minimum=1024,
        unit="bytes",
    )
    sync_timeout: float = setting(
        300.0,
        "seconds a whole `POST /result` (evaluation, estimate, computation, encoding) and"
        " `GET /jobs/{id}/estimate` may take before they are cancelled (408"
        " `RequestTimeout`)",
        exclusive_minimum=0,
        unit="seconds",
    )
    sync_max_input_values: int = setting(
        250_000_000,
        "values (pixels x bands x time steps) a synchronous request may read, estimated from"
        " the graph before computing (`ProcessGraphComplexity`)",
        minimum=1,
    )
    sync_local_max_input_values: int = setting(
        20_000_000,
        "smaller synchronous requests are computed in the server process (scheduling them on"
        " the cluster costs more than computing them); larger ones on the cluster (0: always"
        " on the cluster)",
        minimum=0,
    )
    sync_max_memory: int = setting(
        2 * 1024**3,
        "bytes a synchronous request may need at once, estimated from its dask graph before"
        " anything is computed (the result, plus per thread the largest step's chunk with its"
        " input chunks); more is refused with `ProcessGraphComplexity` (400), the estimate in"
        " the message. The `SyncTimeout` deadline covers the whole request: evaluation,"
        " estimation, computation (in-process computations start no task past it) and"
        " encoding",
        minimum=1,
        unit="bytes",
    )
    sync_local_max_memory: int = setting(
        256 * 1024**2,
        "in-process computation also needs a memory estimate at most this large; other"
        " synchronous requests are computed on the cluster",
        minimum=0,
        unit="bytes",
    )
    sync_max_concurrent: int = setting(
        8,
        "synchronous requests computing at once; more get 503 `InfrastructureBusy` with"
        " `Retry-After`",
        minimum=1,
    )
    default_raster_format: str = setting(
        "GTiff", "format of raster results of `POST /result` without `save_result`"
    )
    dask: DaskSettings = section(DaskSettings)
    jobs: JobsSettings = section(JobsSettings)
    services: ServicesSettings = section(ServicesSettings)
    cors_allow_origin: str = setting("*", "value of `Access-Control-Allow-Origin`")
    default_license: str = setting("proprietary", "license of collections whose dataset names none")


OPENEO_CONFIG_SCHEMA = settings_schema(OpenEOSettings)

CONFIG_SCHEMA = JsonObjectSchema(
    properties=dict(OpenEO=OPENEO_CONFIG_SCHEMA),
)
