"""Settings of ``OpenEO.Files``: user files and their quotas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xcube.util.jsonschema import JsonObjectSchema

from xcube_openeo.settings import setting


@dataclass(frozen=True)
class FilesSettings:
    root: str | None = setting(
        None, "fsspec URL of user files (`s3://bucket/files` ...)", shown="`DataDir/files`"
    )
    storage_options: Mapping[str, Any] | None = setting(
        None,
        "fsspec storage options of `Files.Root`",
        schema=JsonObjectSchema(additional_properties=True),
    )
    max_file_size: int = setting(1024**3, "bytes per file", minimum=1, unit="bytes")
    default_quota: int = setting(
        10 * 1024**3, "bytes per user (a user's `Quota` overrides it)", minimum=0, unit="bytes"
    )
