"""Per-user file storage through fsspec: a local folder by default, any fsspec URL else.

Layout: ``<root>/<user id>/<user path>``.  On a local disk the real path of every
file touched (symbolic links resolved) must stay inside the user's folder.  Uploads
are written to a temporary file while they stream in and moved into place only when
complete, so a crash never leaves a half-written file under the user's name.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

from xcube_openeo.errors import Internal, OpenEOError
from xcube_openeo.files.paths import path_invalid, split_user_path
from xcube_openeo.util.rfc3339 import format_rfc3339

_USER_DIR = re.compile(r"^\w[\w\-.~]{0,199}$", re.ASCII)
CHUNK_SIZE = 1024 * 1024
#: A staged upload untouched this long belongs to a request that no longer exists.
STALE_UPLOAD_SECONDS = 24 * 3600


def file_not_found(path: str) -> OpenEOError:
    return OpenEOError("FileNotFound", f"File {path!r} does not exist.")


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    modified: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "modified": format_rfc3339(self.modified),
        }


class FileStorage:
    def __init__(
        self,
        root_url: str,
        storage_options: Mapping[str, Any] | None,
        staging_dir: Path,
        max_file_size: int,
        default_quota: int,
    ):
        self.fs, root = fsspec.core.url_to_fs(root_url, **dict(storage_options or {}))
        self.root = root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)
        self.staging_dir = staging_dir
        self.max_file_size = max_file_size
        self.default_quota = default_quota

    # --- paths ---------------------------------------------------------------------------

    def user_root(self, user_id: str) -> str:
        if not _USER_DIR.match(user_id):  # user ids are made safe upstream; belt and braces
            raise Internal("User id unusable as a folder name.")
        return f"{self.root}/{user_id}"

    def resolve(self, user_id: str, path: str) -> str:
        """The storage path of a user's ``path``; ``FilePathInvalid`` if it may not be used."""
        segments = split_user_path(path)
        user_root = self.user_root(user_id)
        full = "/".join([user_root, *segments])
        if self.is_local and not self._stays_inside(user_root, full):
            raise path_invalid("the path leads outside your files.")
        return full

    @staticmethod
    def _stays_inside(user_root: str, full: str) -> bool:
        # realpath resolves symbolic links of every existing part of the path, so a
        # link planted in the folder cannot lead elsewhere, for reading or writing.
        root_real = os.path.realpath(user_root)
        full_real = os.path.realpath(full)
        return full_real == root_real or full_real.startswith(root_real + os.sep)

    def _relative(self, user_root: str, full: str) -> str:
        return full[len(user_root) + 1 :]

    # --- reading -------------------------------------------------------------------------

    def list(self, user_id: str) -> list[FileInfo]:
        user_root = self.user_root(user_id)
        if not self.fs.exists(user_root):
            return []
        found = self.fs.find(user_root, detail=True, withdirs=False)
        infos = []
        for full, info in sorted(found.items()):
            full = full.rstrip("/")
            if self.is_local and (os.path.islink(full) or not self._stays_inside(user_root, full)):
                continue  # links are never the user's own files
            infos.append(
                FileInfo(
                    self._relative(user_root, full), int(info.get("size") or 0), _modified(info)
                )
            )
        return infos

    def usage(self, user_id: str) -> int:
        return sum(info.size for info in self.list(user_id))

    def quota(self, user_quota: int | None) -> int:
        return self.default_quota if user_quota is None else user_quota

    def info(self, user_id: str, path: str) -> FileInfo:
        full = self.resolve(user_id, path)
        if not self.fs.isfile(full):
            raise file_not_found(path)
        info = self.fs.info(full)
        return FileInfo(path, int(info.get("size") or 0), _modified(info))

    def read_chunks(self, user_id: str, path: str) -> Iterator[bytes]:
        full = self.resolve(user_id, path)
        if not self.fs.isfile(full):
            raise file_not_found(path)
        with self.fs.open(full, "rb") as f:
            while chunk := f.read(CHUNK_SIZE):
                yield chunk

    # --- writing -------------------------------------------------------------------------

    def delete(self, user_id: str, path: str) -> None:
        full = self.resolve(user_id, path)
        if not self.fs.isfile(full):
            raise file_not_found(path)
        self.fs.rm_file(full)
        self._remove_empty_parents(user_id, full)

    def _remove_empty_parents(self, user_id: str, full: str) -> None:
        if not self.is_local:
            return  # object stores have no folders to clean up
        user_root = os.path.realpath(self.user_root(user_id))
        parent = os.path.dirname(full)
        while os.path.realpath(parent).startswith(user_root + os.sep):
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = os.path.dirname(parent)

    def free_for(self, user: Any, full: str) -> int:
        """Bytes ``user`` may write to ``full``: what replacing it would free counts."""
        replaced = self.fs.info(full).get("size", 0) if self.fs.isfile(full) else 0
        return self.quota(user.quota) - (self.usage(user.user_id) - int(replaced or 0))

    def begin_upload(self, user: Any, path: str, announced_size: int | None) -> Upload:
        full = self.resolve(user.user_id, path)
        if self.fs.isdir(full):
            raise path_invalid("a folder of this name exists.")
        upload = Upload(self, user, path, full, self.free_for(user, full))
        if announced_size is not None:
            upload.check_size(announced_size)
        upload.open()
        return upload


class Upload:
    """One file streaming in: size limit and quota are checked with every chunk."""

    def __init__(self, storage: FileStorage, user: Any, path: str, full: str, free: int):
        self.storage = storage
        self.user = user
        self.path = path
        self.full = full
        self.free = free
        self.size = 0
        self.error: OpenEOError | None = None
        self._file: BinaryIO | None = None
        self._temp_path: str | None = None

    def check_size(self, size: int) -> None:
        if size > self.storage.max_file_size:
            raise OpenEOError(
                "FileSizeExceeded",
                f"File size is too large. Maximum file size: {self.storage.max_file_size} bytes.",
            )
        if size > self.free:
            raise OpenEOError(
                "StorageQuotaExceeded",
                f"Your storage quota has been exceeded: {max(self.free, 0)} bytes are free.",
            )

    def open(self) -> None:
        if self.storage.is_local:
            # Staged next to the user's folder: same file system, so the final move is atomic.
            staging = f"{self.storage.root}/.uploads"
        else:
            staging = str(self.storage.staging_dir)
        os.makedirs(staging, exist_ok=True)
        _remove_stale_uploads(staging)
        fd, self._temp_path = tempfile.mkstemp(prefix="upload-", dir=staging)
        self._file = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        """Never raises for size problems: they are kept and reported when the body ends
        (raising mid-body would reset the connection before the client reads the error)."""
        if self.error is not None:
            return
        self.size += len(chunk)
        try:
            self.check_size(self.size)
        except OpenEOError as e:
            self.error = e
            self.discard()
            return
        assert self._file is not None
        self._file.write(chunk)

    def commit(self) -> FileInfo:
        """Moves the complete file into place; on any failure nothing is left behind."""
        try:
            return self._commit()
        finally:
            self.discard()

    def _commit(self) -> FileInfo:
        if self.error is not None:
            raise self.error
        assert self._file is not None and self._temp_path is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        fs, full = self.storage.fs, self.full
        # Re-check path and quota: folders, links or other uploads of the same user
        # may have changed while this body streamed.
        self.storage.resolve(self.user.user_id, self.path)
        self.free = self.storage.free_for(self.user, full)
        self.check_size(self.size)
        parent = full.rsplit("/", 1)[0]
        try:
            fs.makedirs(parent, exist_ok=True)
        except OSError:
            raise path_invalid("a part of the path is a file, not a folder.") from None
        if self.storage.is_local:
            os.replace(self._temp_path, full)
            _fsync_dir(parent)
        else:
            fs.put_file(self._temp_path, full)
            os.unlink(self._temp_path)
        self._temp_path = None
        return self.storage.info(self.user.user_id, self.path)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._temp_path is not None:
            try:
                os.unlink(self._temp_path)
            except FileNotFoundError:
                pass
            self._temp_path = None


def _modified(info: Mapping[str, Any]) -> dt.datetime:
    value = (
        info.get("mtime")
        or info.get("LastModified")
        or info.get("last_modified")
        or info.get("created")
    )
    if isinstance(value, dt.datetime):
        return (
            value.astimezone(dt.timezone.utc)
            if value.tzinfo
            else value.replace(tzinfo=dt.timezone.utc)
        )
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def _remove_stale_uploads(staging: str, max_age: float = STALE_UPLOAD_SECONDS) -> None:
    """Removes staged uploads of requests that died with their server (kill -9)."""
    limit = time.time() - max_age
    with os.scandir(staging) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
            except FileNotFoundError:
                pass  # another request cleaned up first


def _fsync_dir(path: str) -> None:
    # Makes the rename itself durable (POSIX): the file survives a power cut, too.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
