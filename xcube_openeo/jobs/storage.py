"""Where batch job results live: a folder per job under an fsspec URL.

Local by default; an object-storage URL (``s3://bucket/prefix``) lets remote dask
workers write results where the server can read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

import fsspec

from xcube_openeo.errors import NotFound


class ResultStorage:
    def __init__(self, root_url: str, storage_options: Mapping[str, Any] | None = None):
        self.root_url = root_url.rstrip("/")
        self.storage_options = dict(storage_options or {})
        self.fs, self._root_path = fsspec.core.url_to_fs(self.root_url, **self.storage_options)

    def job_url(self, job_id: str) -> str:
        return f"{self.root_url}/{job_id}"

    def _path(self, job_id: str, name: str = "") -> str:
        parts = [p for p in name.split("/") if p]
        if any(p in (".", "..") for p in parts):  # names come from URLs: never leave the job
            raise NotFound("No such result file.")
        return "/".join([self._root_path.rstrip("/"), job_id, *parts])

    def clear(self, job_id: str) -> None:
        path = self._path(job_id)
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)

    def size(self, job_id: str, name: str) -> int:
        path = self._path(job_id, name)
        if self.fs.isdir(path):
            return sum(self.fs.du(path, total=False).values())
        return int(self.fs.size(path))

    def is_file(self, job_id: str, name: str) -> bool:
        path = self._path(job_id, name)
        return self.fs.isfile(path)

    def open(self, job_id: str, name: str) -> IO[bytes]:
        path = self._path(job_id, name)
        if not self.fs.isfile(path):
            raise NotFound("No such result file.")
        return self.fs.open(path, "rb")
