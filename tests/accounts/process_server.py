"""An xcube server with our plugin as a separate process (``xcube serve``), to kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.markers import require_server_marker
from tests.server import free_port


class ServerProcess:
    def __init__(self, config: dict[str, Any], workdir: Path):
        self.config_path = workdir / f"config-{time.monotonic_ns()}.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.log_path = self.config_path.with_suffix(".log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> ServerProcess:
        require_server_marker()
        xcube = Path(sys.executable).parent / "xcube"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(xcube),
                    "serve",
                    "-c",
                    str(self.config_path),
                    "-p",
                    str(self.port),
                    "-a",
                    "127.0.0.1",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/openeo/1.2/", timeout=2).ok:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no clean-up of any kind."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
