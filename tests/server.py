"""A real xcube server with our plugin, running in a thread on a free port."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import requests
from xcube.server.server import Server
from xcube.server.webservers.tornado import TornadoFramework
from xcube.util.plugin import get_extension_registry

from tests.markers import require_server_marker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """Starts xcube's server with every installed plugin (ours through its entry point)."""

    def __init__(self, config: dict[str, Any]):
        self.port = free_port()
        self.config = {**config, "port": self.port, "address": "127.0.0.1"}
        self.url = f"http://127.0.0.1:{self.port}"
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            self.framework = TornadoFramework()
            self.server = Server(self.framework, self.config, get_extension_registry())
        except BaseException as e:  # reported to the starting thread
            self._error = e
            self._ready.set()
            return
        self.loop = self.framework.io_loop
        self.loop.add_callback(self._ready.set)
        self.server.start()

    def start(self) -> RunningServer:
        require_server_marker()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(60)
        if self._error:
            raise self._error
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/", timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.loop.add_callback(self.server.stop)
