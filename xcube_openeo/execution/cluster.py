"""The dask cluster: an embedded LocalCluster, or an existing scheduler.

A cluster belongs to the server process, not to a configuration: xcube recreates its
API contexts on every configuration reload, and restarting workers each time would
cancel running work.  Clusters are therefore kept per settings in this module.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from distributed import Client, LocalCluster

from xcube_openeo.errors import OpenEOError
from xcube_openeo.execution.config import DaskSettings

LOG = logging.getLogger("xcube.openeo")


class DaskCluster:
    """Starts (or connects) in the background; :meth:`client` waits until it is there."""

    def __init__(self, settings: DaskSettings):
        self.settings = settings
        self._client: Any = None
        self._cluster: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> DaskCluster:
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._connect, name="dask-cluster", daemon=True).start()
        return self

    def _connect(self) -> None:
        s = self.settings
        try:
            if s.scheduler_address:
                LOG.info("Connecting to dask scheduler %s", s.scheduler_address)
                self._client = Client(s.scheduler_address, timeout=30, set_as_default=False)
            else:
                LOG.info(
                    "Starting dask LocalCluster: %d worker(s) x %d thread(s), %s each",
                    s.workers,
                    s.threads_per_worker,
                    s.memory_limit,
                )
                self._cluster = LocalCluster(
                    n_workers=s.workers,
                    threads_per_worker=s.threads_per_worker,
                    memory_limit=s.memory_limit,
                    processes=s.processes,
                    dashboard_address=":0" if s.dashboard else None,
                )
                # Not the default client: xcube's own tile and time-series requests keep
                # using dask's threaded scheduler in the server process.
                self._client = Client(self._cluster, set_as_default=False)
            LOG.info("Dask cluster ready: %s", self._client.scheduler.address)
        except BaseException as e:  # reported to every caller of client()
            self._error = e
            LOG.error("Dask cluster unavailable: %s", e)
        finally:
            self._ready.set()

    def client(self, timeout: float = 120) -> Any:
        self.start()
        if not self._ready.wait(timeout):
            raise OpenEOError(
                "InfrastructureBusy",
                "The processing cluster is still starting; try again in a moment.",
                headers={"Retry-After": "5"},
            )
        if self._client is None:
            raise OpenEOError(
                "InfrastructureMaintenance", "The processing cluster is not available."
            )
        return self._client

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        for resource in (client, cluster):
            if resource is not None:
                try:
                    resource.close()
                except Exception as e:  # closing at exit must not raise
                    LOG.debug("closing dask resource failed: %s", e)


_CLUSTERS: dict[DaskSettings, DaskCluster] = {}
_CLUSTERS_LOCK = threading.Lock()


def get_cluster(settings: DaskSettings) -> DaskCluster:
    with _CLUSTERS_LOCK:
        cluster = _CLUSTERS.get(settings)
        if cluster is None:
            cluster = _CLUSTERS[settings] = DaskCluster(settings)
        return cluster


@atexit.register
def _close_all() -> None:
    for cluster in list(_CLUSTERS.values()):
        cluster.close()
