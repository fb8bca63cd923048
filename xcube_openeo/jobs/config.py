"""Settings of ``OpenEO.Jobs``: batch jobs, their results and signed result URLs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xcube.util.jsonschema import JsonObjectSchema

from xcube_openeo.settings import setting


@dataclass(frozen=True)
class JobsSettings:
    results_root: str | None = setting(
        None,
        "fsspec URL of job results; remote workers need storage they can reach",
        shown="`DataDir/results`",
    )
    storage_options: Mapping[str, Any] | None = setting(
        None,
        "fsspec storage options of `Jobs.ResultsRoot`",
        schema=JsonObjectSchema(additional_properties=True),
    )
    default_format: str = setting("GTiff", "format of raster job results without `save_result`")
    max_concurrent: int = setting(
        2, "batch jobs running at once (more wait as `queued`)", minimum=1
    )
    signing_key: str | None = setting(
        None,
        "key of signed result URLs (HMAC in the URL path, valid without a token until they expire)",
        shown="generated in `DataDir`",
    )
    url_lifetime: int = setting(
        7 * 24 * 3600, "seconds signed result URLs stay valid", minimum=60, unit="seconds"
    )
    throughput: float = setting(
        float(50 * 2**20),
        "bytes read per second, assumed by the estimates of `GET /jobs/{id}/estimate`",
        exclusive_minimum=0,
        unit="bytes",
    )
