"""Property-based: hostile paths never read, write or delete outside the user's root."""

from __future__ import annotations

import hashlib
import urllib.parse
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xcube_openeo.auth.users import User
from xcube_openeo.errors import OpenEOError
from xcube_openeo.files.storage import FileStorage

SENTINEL = b"OUTSIDE-SECRET"

SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "..",
            ".",
            "",
            "link",
            "filelink",
            "a",
            "bob",
            "alice",
            "outside",
            "secret.txt",
            "...",
            "..\\..",
            "%2e%2e",
            "\x00",
            "\n",
            "/",
            "//",
            "~",
            "c:",
            "file:",
            "\\",
            "..%2f",
            "\u2025",
            "\uff0e\uff0e",
            " ",
            "new.txt",
        ]
    ),
    st.text(min_size=1, max_size=6),
)
PATHS = st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join)


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> tuple[FileStorage, Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    root, outside = tmp / "root", tmp / "outside"
    (root / "alice" / "a").mkdir(parents=True)
    (root / "bob").mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SENTINEL)
    (root / "bob" / "secret.txt").write_bytes(SENTINEL)
    (root / "secret.txt").write_bytes(SENTINEL)
    (root / "alice" / "a" / "own.txt").write_bytes(b"alice's own")
    (root / "alice" / "link").symlink_to(outside, target_is_directory=True)
    (root / "alice" / "filelink").symlink_to(outside / "secret.txt")
    (root / "alice" / "a" / "bob").symlink_to(root / "bob", target_is_directory=True)
    storage = FileStorage(str(root), None, tmp / "staging", max_file_size=1024, default_quota=10**6)
    return storage, root, outside, tmp


@pytest.mark.slow
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=PATHS)
def test_storage_never_leaves_the_user_root(layout, path: str):
    storage, root, outside, tmp = layout
    alice = User("alice")
    before_outside, before_bob, before_root = (
        _snapshot(outside),
        _snapshot(root / "bob"),
        (root / "secret.txt").read_bytes(),
    )
    alice_root = (root / "alice").resolve()

    try:
        data = b"".join(storage.read_chunks("alice", path))
        assert SENTINEL not in data
    except OpenEOError as e:
        assert e.code in ("FilePathInvalid", "FileNotFound")
    try:
        upload = storage.begin_upload(alice, path, None)
        upload.write(b"written by alice")
        info = upload.commit()
        written = (root / "alice" / info.path).resolve()
        assert alice_root in written.parents
        storage.delete("alice", info.path)
    except OpenEOError as e:
        assert e.code in ("FilePathInvalid", "FileNotFound")
    try:
        storage.delete("alice", path)
    except OpenEOError as e:
        assert e.code in ("FilePathInvalid", "FileNotFound")

    assert _snapshot(outside) == before_outside
    assert _snapshot(root / "bob") == before_bob
    assert (root / "secret.txt").read_bytes() == before_root
    assert sorted(p.name for p in tmp.iterdir()) == ["outside", "root"]  # nothing beside
    assert SENTINEL not in b"".join(
        p.read_bytes() for p in (root / "alice").rglob("*") if p.is_file() and not p.is_symlink()
    )
    # alice's own file survives unless she deleted it herself (only "a/own.txt" can).
    if path != "a/own.txt":
        assert (root / "alice" / "a" / "own.txt").read_bytes() == b"alice's own"
    else:
        (root / "alice" / "a" / "own.txt").write_bytes(b"alice's own")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=PATHS, encode_slashes=st.booleans())
def test_http_never_leaves_the_user_root(
    base: str, carol, accounts_server, path: str, encode_slashes: bool
):
    root = Path(accounts_server.config["OpenEO"]["DataDir"]) / "files"
    before = {
        p: p.stat().st_mtime_ns
        for p in root.rglob("*")
        if "carol" not in p.parts and ".uploads" not in p.parts
    }
    # Dots encoded: clients would otherwise remove '..' segments before sending.
    quoted = urllib.parse.quote(path, safe="" if encode_slashes else "/").replace(".", "%2E")
    url = f"{base}/files/" + quoted
    for method in ("GET", "PUT", "DELETE"):
        response = requests.request(
            method, url, headers=carol, data=b"carol's" if method == "PUT" else None
        )
        assert response.status_code in (200, 204, 400, 404), response.text
        if response.status_code == 200 and method == "GET":
            assert response.content == b"carol's"
    after = {
        p: p.stat().st_mtime_ns
        for p in root.rglob("*")
        if "carol" not in p.parts and ".uploads" not in p.parts
    }
    assert after == before  # other users' files untouched


def test_object_storage_through_fsspec(tmp_path: Path):
    """Any fsspec URL works as the root (here fsspec's in-memory file system)."""
    storage = FileStorage(
        "memory://xcube-openeo-test-files",
        None,
        tmp_path / "staging",
        max_file_size=100,
        default_quota=150,
    )
    assert not storage.is_local
    user = User("dana")
    upload = storage.begin_upload(user, "deep/folder/one.txt", None)
    upload.write(b"x" * 80)
    assert upload.commit().size == 80
    assert [(f.path, f.size) for f in storage.list("dana")] == [("deep/folder/one.txt", 80)]
    assert b"".join(storage.read_chunks("dana", "deep/folder/one.txt")) == b"x" * 80
    over_quota = storage.begin_upload(user, "two.txt", None)
    over_quota.write(b"y" * 80)
    with pytest.raises(OpenEOError, match="quota"):
        over_quota.commit()
    with pytest.raises(OpenEOError) as error:
        storage.begin_upload(user, "../escape.txt", None)
    assert error.value.code == "FilePathInvalid"
    storage.delete("dana", "deep/folder/one.txt")
    assert storage.list("dana") == []
    assert not list((tmp_path / "staging").iterdir())  # staged copies removed


def test_stale_staged_uploads_are_removed(tmp_path: Path):
    import os
    import time

    root = tmp_path / "root"
    (root / ".uploads").mkdir(parents=True)
    stale, fresh = root / ".uploads" / "upload-stale", root / ".uploads" / "upload-fresh"
    stale.write_bytes(b"left by a killed server")
    fresh.write_bytes(b"still streaming")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    storage = FileStorage(
        str(root), None, tmp_path / "staging", max_file_size=100, default_quota=1000
    )
    upload = storage.begin_upload(User("erin"), "f.txt", None)
    assert not stale.exists() and fresh.exists()
    upload.discard()


def test_quota_is_checked_again_when_parallel_uploads_complete(tmp_path: Path):
    storage = FileStorage(
        str(tmp_path / "root"), None, tmp_path / "staging", max_file_size=100, default_quota=150
    )
    user = User("frank")
    first, second = (storage.begin_upload(user, name, None) for name in ("1.bin", "2.bin"))
    first.write(b"1" * 80)
    second.write(b"2" * 80)  # each fits the quota on its own, both do not
    first.commit()
    with pytest.raises(OpenEOError) as error:
        second.commit()
    assert error.value.code == "StorageQuotaExceeded"
    assert [f.path for f in storage.list("frank")] == ["1.bin"]
    assert not list((tmp_path / "root" / ".uploads").iterdir())
