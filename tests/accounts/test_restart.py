"""Nothing the API accepted is lost when the server process is killed (SIGKILL)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from tests.accounts.fixtures import PASSWORDS, accounts_config, basic_header, login
from tests.accounts.process_server import ServerProcess

UDP = {
    "summary": "kept",
    "process_graph": {"a": {"process_id": "absolute", "arguments": {"x": -2}, "result": True}},
}


@pytest.mark.server
@pytest.mark.slow
def test_state_survives_kill_9(tmp_path: Path, password_hashes):
    config = accounts_config(tmp_path / "state", password_hashes, None)
    first = ServerProcess(config, tmp_path).start()
    try:
        base = first.url + "/openeo/1.2"
        alice = login(base, "alice")
        requests.put(
            base + "/files/kept/data.bin", data=b"\x00\x01kept", headers=alice
        ).raise_for_status()
        requests.put(base + "/process_graphs/kept", json=UDP, headers=alice).raise_for_status()

        # An upload still streaming when the server dies must leave nothing behind.
        started = threading.Event()

        def slow_body():
            yield b"partial" * 1000
            started.set()
            time.sleep(30)
            yield b"never sent"

        def upload():
            try:
                requests.put(base + "/files/half.bin", data=slow_body(), headers=alice, timeout=60)
            except requests.RequestException:
                pass

        uploader = threading.Thread(target=upload, daemon=True)
        uploader.start()
        assert started.wait(30)
        time.sleep(0.5)
    finally:
        first.kill()

    second = ServerProcess(config, tmp_path).start()
    try:
        base = second.url + "/openeo/1.2"
        # The token issued before the crash still works: it is in the database.
        me = requests.get(base + "/me", headers=alice)
        assert me.status_code == 200 and me.json()["user_id"] == "alice"
        assert requests.get(base + "/files/kept/data.bin", headers=alice).content == b"\x00\x01kept"
        files = [f["path"] for f in requests.get(base + "/files", headers=alice).json()["files"]]
        assert files == ["kept/data.bin"]  # no half-written upload
        udp = requests.get(base + "/process_graphs/kept", headers=alice).json()
        assert udp["summary"] == "kept" and udp["process_graph"] == UDP["process_graph"]
        assert requests.get(
            base + "/credentials/basic", headers=basic_header("alice", PASSWORDS["alice"])
        ).ok
    finally:
        second.kill()
