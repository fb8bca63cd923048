"""Settings of ``OpenEO.Dask``: the cluster computations run on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xcube_openeo.settings import from_config, setting


@dataclass(frozen=True)
class DaskSettings:
    """How to reach or start the cluster; clusters are kept per settings (hashable)."""

    scheduler_address: str | None = setting(
        None,
        "an existing dask scheduler (Dask Gateway, Kubernetes, `dask scheduler`, for example"
        " `tcp://scheduler:8786`); without it a LocalCluster starts with the server",
    )
    workers: int = setting(1, "workers of the LocalCluster", minimum=1)
    threads_per_worker: int = setting(2, "threads of each LocalCluster worker", minimum=1)
    memory_limit: str = setting("4GiB", "memory of each LocalCluster worker")
    processes: bool = setting(
        True, "LocalCluster workers as processes (true) or as threads in the server (false)"
    )
    dashboard: bool = setting(False, "start the dask dashboard")

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> DaskSettings:
        return from_config(cls, config)
