"""Signed result URLs: HMAC-SHA256 over job, asset and expiry.

The signature lives in the URL path (not in the query), so that clients that append
paths to a URL (a Zarr store's ``.zmetadata``, ``0.0.0`` ...) keep it.  The key comes
from the configuration, or is generated once and kept in the data directory, so that
URLs survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from xcube_openeo.errors import NotFound, OpenEOError


def load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # Created readable by the owner only, atomically.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex())
    os.replace(tmp, path)
    return bytes.fromhex(path.read_text().strip())


class UrlSigner:
    def __init__(self, key: bytes, lifetime: int):
        self.key = key
        self.lifetime = lifetime

    def expiry(self, now: float | None = None) -> int:
        return int((now or time.time()) + self.lifetime)

    def signature(self, job_id: str, asset: str, expires: int) -> str:
        message = f"{job_id}\n{asset}\n{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def check(self, job_id: str, asset: str, expires: str, signature: str) -> None:
        if not expires.isdigit() or not hmac.compare_digest(
            self.signature(job_id, asset, int(expires)), signature
        ):
            raise NotFound("No such result file.")
        if int(expires) < time.time():
            raise OpenEOError(
                "ResultLinkExpired",
                "The link to this result has expired;"
                " request the job's results again for fresh links.",
            )
