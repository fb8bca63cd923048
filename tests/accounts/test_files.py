"""/files: upload (streamed), download, list, delete, limits, quota, path rules."""

from __future__ import annotations

import os
import time
from pathlib import Path

import openeo
import pytest
import requests

from tests.accounts.fixtures import CAROL_QUOTA, MAX_FILE_SIZE, PASSWORDS
from tests.openapi import validate_response


@pytest.fixture(scope="module")
def files_root(accounts_server) -> Path:
    return Path(accounts_server.config["OpenEO"]["DataDir"]) / "files"


def test_upload_list_download_delete(base: str, alice, files_root: Path):
    content = os.urandom(100_000)  # larger than MaxRequestBodySize: files have their own limit
    # Percent-encoded slashes here (the OpenAPI validator sees one path segment),
    # plain ones below: both name the same file.
    response = requests.put(base + "/files/folder%2Fsub%2Fdata.bin", data=content, headers=alice)
    assert response.status_code == 200, response.text
    validate_response(base, response)
    assert response.json()["path"] == "folder/sub/data.bin"
    assert response.json()["size"] == len(content)
    assert (files_root / "alice" / "folder" / "sub" / "data.bin").read_bytes() == content

    listing = requests.get(base + "/files", headers=alice)
    validate_response(base, listing)
    paths = {f["path"]: f for f in listing.json()["files"]}
    assert paths["folder/sub/data.bin"]["size"] == len(content)

    download = requests.get(base + "/files/folder%2Fsub%2Fdata.bin", headers=alice)
    validate_response(base, download)
    assert download.content == content
    assert requests.get(base + "/files/folder/sub/data.bin", headers=alice).content == content
    assert download.headers["Content-Type"] == "application/octet-stream"

    deleted = requests.delete(base + "/files/folder%2Fsub%2Fdata.bin", headers=alice)
    assert deleted.status_code == 204
    validate_response(base, deleted)
    assert not (files_root / "alice" / "folder").exists()  # empty folders go too
    gone = requests.get(base + "/files/folder%2Fsub%2Fdata.bin", headers=alice)
    assert gone.status_code == 404 and gone.json()["code"] == "FileNotFound"
    validate_response(base, gone)


def test_content_type_and_replacement(base: str, alice):
    requests.put(base + "/files/notes.txt", data=b"one", headers=alice).raise_for_status()
    requests.put(base + "/files/notes.txt", data=b"two!", headers=alice).raise_for_status()
    download = requests.get(base + "/files/notes.txt", headers=alice)
    assert download.content == b"two!"
    # The API documents application/octet-stream: no type guessed from the name.
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == "attachment; filename*=UTF-8''notes.txt"


@pytest.mark.parametrize("name", ["project.qgs", "page.html", "data.json", "image.png"])
def test_downloads_are_octet_streams_whatever_the_name(base: str, alice, name: str):
    requests.put(base + f"/files/{name}", data=b"<x/>", headers=alice).raise_for_status()
    download = requests.get(base + f"/files/{name}", headers=alice)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    validate_response(base, download)
    requests.delete(base + f"/files/{name}", headers=alice).raise_for_status()


def test_percent_encoded_slashes_mean_folders(base: str, alice):
    requests.put(base + "/files/enc%2Fx.txt", data=b"x", headers=alice).raise_for_status()
    assert requests.get(base + "/files/enc/x.txt", headers=alice).content == b"x"
    assert requests.delete(base + "/files/enc%2Fx.txt", headers=alice).status_code == 204


def test_openeo_client_manages_files(accounts_server, tmp_path: Path):
    connection = openeo.connect(accounts_server.url + "/openeo/1.2")
    connection.authenticate_basic("alice", PASSWORDS["alice"])
    source = tmp_path / "upload.json"
    source.write_text('{"hello": "world"}')
    connection.upload_file(source, target="client/upload.json")
    assert "client/upload.json" in [f.path.as_posix() for f in connection.list_files()]
    target = tmp_path / "download.json"
    connection.get_file("client/upload.json").download(target)
    assert target.read_text() == '{"hello": "world"}'
    connection.get_file("client/upload.json").delete()
    assert "client/upload.json" not in [f.path.as_posix() for f in connection.list_files()]


def test_uploads_stream_to_disk(base: str, alice, files_root: Path):
    staging = files_root / ".uploads"
    seen: list[int] = []

    def body():
        for i in range(8):
            yield b"x" * 16384
            if i == 4:
                time.sleep(0.3)  # the server writes what it has received meanwhile
                seen.extend(p.stat().st_size for p in staging.iterdir())

    response = requests.put(base + "/files/streamed.bin", data=body(), headers=alice)
    assert response.status_code == 200, response.text
    assert seen and max(seen) >= 4 * 16384  # on disk while the body was still arriving
    assert not list(staging.iterdir())  # moved into place, nothing left behind
    requests.delete(base + "/files/streamed.bin", headers=alice)


@pytest.mark.parametrize("announced", [True, False])
def test_files_up_to_the_limit_are_accepted(base: str, alice, announced: bool):
    # Larger than tornado's max_body_size in this server's configuration, too.
    content = os.urandom(MAX_FILE_SIZE)
    data = content if announced else iter([content[:1000], content[1000:]])
    response = requests.put(base + "/files/at-limit.bin", data=data, headers=alice)
    assert response.status_code == 200, response.text
    assert requests.get(base + "/files/at-limit.bin", headers=alice).content == content
    requests.delete(base + "/files/at-limit.bin", headers=alice)


@pytest.mark.parametrize("announced", [True, False])
def test_file_size_limit(base: str, alice, files_root: Path, announced: bool):
    content = b"y" * (MAX_FILE_SIZE + 1)
    data = content if announced else iter([content[:1000], content[1000:]])  # chunked
    response = requests.put(base + "/files/too-big.bin", data=data, headers=alice)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "FileSizeExceeded"
    if announced:  # the validator cannot replay a streamed body
        validate_response(base, response)
    assert not (files_root / "alice" / "too-big.bin").exists()
    assert not list((files_root / ".uploads").iterdir())


def test_quota(base: str, carol):
    chunk = b"z" * (60 * 1024)
    assert requests.put(base + "/files/a.bin", data=chunk, headers=carol).ok
    me = requests.get(base + "/me", headers=carol).json()
    assert me["storage"] == {"quota": CAROL_QUOTA, "free": CAROL_QUOTA - len(chunk)}
    for data in (chunk, iter([chunk])):  # announced and chunked
        response = requests.put(base + "/files/b.bin", data=data, headers=carol)
        assert response.status_code == 400 and response.json()["code"] == "StorageQuotaExceeded"
        if isinstance(data, bytes):
            validate_response(base, response)
    # Replacing a file counts only the difference.
    assert requests.put(base + "/files/a.bin", data=chunk + b"more", headers=carol).ok
    assert requests.delete(base + "/files/a.bin", headers=carol).status_code == 204
    assert requests.put(base + "/files/b.bin", data=chunk, headers=carol).ok
    requests.delete(base + "/files/b.bin", headers=carol)


BAD_PATHS = [
    "%2E%2E/escape.txt",
    "a/%2E%2E/%2E%2E/escape.txt",
    "a/%2E/b.txt",
    "%2Fetc%2Fpasswd",
    "a%2F%2Fb.txt",
    "a/",
    "a%5Cb.txt",
    "a%00b.txt",
    "a%0Ab.txt",
    "a%7Fb.txt",
    "c:%5Cwindows",
    "file:x",
    "a%ED%A0%80b",  # an encoded lone surrogate
    "x" * 300,
]


@pytest.mark.parametrize("path", BAD_PATHS)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_invalid_paths(base: str, alice, method: str, path: str):
    response = requests.request(
        method, f"{base}/files/{path}", headers=alice, data=b"data" if method == "PUT" else None
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] in ("FilePathInvalid", "BadRequest")
    if response.json()["code"] == "BadRequest":  # tornado refuses undecodable UTF-8 itself
        assert path == "a%ED%A0%80b"


def test_symbolic_links_cannot_lead_outside(base: str, alice, files_root: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    requests.put(base + "/files/keep.txt", data=b"k", headers=alice).raise_for_status()
    (files_root / "alice" / "link").symlink_to(outside, target_is_directory=True)
    (files_root / "alice" / "filelink.txt").symlink_to(outside / "secret.txt")
    try:
        for path in ("link/secret.txt", "filelink.txt", "link/new.txt"):
            for method in ("GET", "PUT", "DELETE"):
                response = requests.request(
                    method,
                    f"{base}/files/{path}",
                    headers=alice,
                    data=b"evil" if method == "PUT" else None,
                )
                assert response.status_code == 400, (method, path, response.text)
                assert response.json()["code"] == "FilePathInvalid"
        listed = [f["path"] for f in requests.get(base + "/files", headers=alice).json()["files"]]
        assert not any(p.startswith("link") or p == "filelink.txt" for p in listed)
        assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
        assert (outside / "secret.txt").read_text() == "secret"
    finally:
        (files_root / "alice" / "link").unlink()
        (files_root / "alice" / "filelink.txt").unlink()


def test_route_needs_its_slash(base: str, alice):
    response = requests.get(base + "/filesX", headers=alice)
    assert response.status_code == 404 and response.json()["code"] == "NotFound"


def test_listing_is_paginated(base: str, bob):
    for i in range(3):
        requests.put(f"{base}/files/page/{i}.txt", data=b"p", headers=bob).raise_for_status()
    first = requests.get(base + "/files?limit=2", headers=bob)
    validate_response(base, first)
    assert len(first.json()["files"]) == 2
    next_url = next(link["href"] for link in first.json()["links"] if link["rel"] == "next")
    rest = requests.get(next_url, headers=bob).json()["files"]
    assert len(rest) >= 1
    for i in range(3):
        requests.delete(f"{base}/files/page/{i}.txt", headers=bob)


@pytest.mark.parametrize(
    "raw_path", ["../x.txt", "a/../../x.txt", "./x.txt", "a/./x.txt", "..%2Fx.txt", "%2e%2e/x.txt"]
)
def test_unnormalised_dot_segments_are_refused(accounts_server, alice, raw_path: str):
    # http.client sends the path as it is (requests/urllib3 would resolve the dots).
    import http.client

    for method in ("GET", "PUT", "DELETE"):
        conn = http.client.HTTPConnection("127.0.0.1", accounts_server.port, timeout=10)
        body = b"evil" if method == "PUT" else None
        conn.request(method, f"/openeo/1.2/files/{raw_path}", body=body, headers=alice)
        response = conn.getresponse()
        assert response.status == 400, (method, raw_path)
        assert b"FilePathInvalid" in response.read()
        conn.close()


def test_an_aborted_upload_leaves_nothing(accounts_server, alice, files_root: Path):
    import socket

    def staged() -> list[Path]:
        folder = files_root / ".uploads"
        return list(folder.iterdir()) if folder.exists() else []

    with socket.create_connection(("127.0.0.1", accounts_server.port)) as sock:
        head = (
            f"PUT /openeo/1.2/files/aborted.bin HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {alice['Authorization']}\r\nContent-Length: 100000\r\n\r\n"
        )
        sock.sendall(head.encode() + b"a" * 50000)
        deadline = time.monotonic() + 5
        while not staged() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert staged()  # on disk while streaming
    deadline = time.monotonic() + 5
    while staged() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not staged()
    assert not (files_root / "alice" / "aborted.bin").exists()
