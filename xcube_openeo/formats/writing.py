"""Shared machinery of the output formats: targets, options, responses, errors.

Targets are local paths or fsspec URLs.  Libraries that need a local file (GDAL,
netCDF) write into a temporary directory first and the file is then copied to the
target with ``fs.put_file``; Zarr writes to the target directly.
"""

from __future__ import annotations

import contextlib
import io
import os
import tarfile
import tempfile
from collections.abc import Iterator
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from xcube_openeo.engine.cube import DataCube, format_datetime
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats.registry import FileFormat

TAR_MEDIA_TYPE = "application/x-tar"


class Target:
    """A directory addressed by a local path or an fsspec URL."""

    def __init__(self, url: str):
        self.url = str(url)
        self.fs, self.root = fsspec.core.url_to_fs(self.url)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def path(self, name: str) -> str:
        return self.root.rstrip("/") + "/" + name

    def url_of(self, name: str) -> str:
        """The fsspec URL (or local path) of a file in this directory."""
        return self.url.rstrip("/") + "/" + name

    @contextlib.contextmanager
    def local_file(self, name: str) -> Iterator[str]:
        """A local path to write ``name`` to; copied to the target afterwards."""
        if self.is_local:
            path = self.path(name)
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            yield path
            return
        with tempfile.TemporaryDirectory(prefix="xcube-openeo-") as tmp:
            local = os.path.join(tmp, os.path.basename(name))
            yield local
            self.fs.makedirs(os.path.dirname(self.path(name)) or self.root, exist_ok=True)
            self.fs.put_file(local, self.path(name))

    def write_bytes(self, name: str, data: bytes) -> int:
        with self.local_file(name) as path, open(path, "wb") as f:
            f.write(data)
        return len(data)

    def size(self, name: str) -> int:
        """Size in bytes of a file, or of all files below a directory."""
        path = self.path(name)
        if self.fs.isdir(path):
            return int(self.fs.du(path, total=True))
        return int(self.fs.size(path))


def encode_response(
    fmt: FileFormat, value: Any, options: dict[str, Any] | None, stem: str = "result"
) -> tuple[bytes, str, str]:
    """A result as ``(bytes, media type, file name)`` for a synchronous response.

    One file is returned as it is; several files, or a directory (Zarr), as an
    uncompressed tar archive.
    """
    with tempfile.TemporaryDirectory(prefix="xcube-openeo-result-") as tmp:
        files = fmt.write(value, options, tmp, stem)
        if len(files) == 1 and not files[0].is_directory:
            with open(os.path.join(tmp, files[0].name), "rb") as f:
                return f.read(), files[0].media_type, os.path.basename(files[0].name)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for file in files:
                tar.add(os.path.join(tmp, file.name), arcname=file.name)
        return buffer.getvalue(), TAR_MEDIA_TYPE, f"{stem}.tar"


# -- checks shared by the writers ----------------------------------------------------------


def unsuitable(fmt_name: str, reason: str) -> OpenEOError:
    return OpenEOError("FormatUnsuitable", f"The result cannot be written as {fmt_name}: {reason}")


def require_cube(value: Any, fmt_name: str, vector: bool) -> DataCube:
    """``value`` as a non-empty raster (or vector) cube, else a clear error."""
    if not isinstance(value, DataCube):
        kind = "vector data cube" if vector else "raster data cube"
        raise unsuitable(fmt_name, f"it is a {type(value).__name__}, not a {kind}; use JSON.")
    if value.is_vector != vector:
        hint = "use GeoJSON, CSV or JSON" if value.is_vector else "use GTiff, netCDF or Zarr"
        kind = "vector" if value.is_vector else "raster"
        raise unsuitable(fmt_name, f"it is a {kind} data cube; {hint}.")
    if not value.dim_names:
        raise OpenEOError("DataCubeEmpty", "The data cube has no dimensions (it is empty).")
    empty = [n for n in value.dim_names if value.data.sizes[n] == 0]
    if empty:
        raise OpenEOError(
            "DataCubeEmpty",
            f"The data cube is empty (no labels in dimension(s) {', '.join(empty)}).",
        )
    return value


def safe_label(label: Any) -> str:
    """A dimension label as a file-name-safe string."""
    text = (
        format_datetime(label)
        if hasattr(label, "dtype") and label.dtype.kind == "M"
        else str(label)
    )
    text = text.replace(":", "").replace("/", "-").replace(" ", "_")
    return "".join(c for c in text if c.isalnum() or c in "-_.+")
