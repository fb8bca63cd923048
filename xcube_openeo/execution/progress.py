"""Progress of a computation on the cluster, counted by the scheduler.

The scheduler knows every task a future depends on; distributed's ``Progress``
scheduler plugin follows them to completion.  One plugin per tracked computation is
kept on the scheduler under a name, so that the server can ask how far it is.
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.progress import Progress

_REGISTRY_ATTR = "_xcube_openeo_progress"


def _progress_class() -> type:
    class MeteredProgress(Progress):
        """Progress that also adds up the compute seconds of the tracked tasks."""

        compute_seconds = 0.0

        def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
            if (
                start == "processing"
                and finish == "memory"
                and self.all_keys
                and key in self.all_keys
            ):
                for startstop in kwargs.get("startstops") or ():
                    if startstop.get("action") == "compute":
                        self.compute_seconds += startstop["stop"] - startstop["start"]
            super().transition(key, start, finish, *args, **kwargs)

    return MeteredProgress


async def _start(dask_scheduler: Any, keys: list[Any], name: str) -> None:
    progress = _progress_class()(keys, dask_scheduler, complete=True, name=name)
    registry = getattr(dask_scheduler, _REGISTRY_ATTR, None)
    if registry is None:
        registry = {}
        setattr(dask_scheduler, _REGISTRY_ATTR, registry)
    registry[name] = progress
    await progress.setup()


def _read(dask_scheduler: Any, name: str) -> dict[str, Any] | None:
    progress = getattr(dask_scheduler, _REGISTRY_ATTR, {}).get(name)
    if progress is None or getattr(progress, "all_keys", None) is None:
        return None
    remaining = progress.keys if progress.keys is not None else progress.all_keys
    memory = [ws.memory.process for ws in dask_scheduler.workers.values()]
    return {
        "total": len(progress.all_keys),
        "remaining": len(remaining),
        "compute_seconds": progress.compute_seconds,
        "max_worker_memory": max(memory) if memory else 0,
    }


def _stop(dask_scheduler: Any, name: str) -> None:
    progress = getattr(dask_scheduler, _REGISTRY_ATTR, {}).pop(name, None)
    if progress is not None:
        try:
            dask_scheduler.remove_plugin(name=progress.name)
        except (KeyError, ValueError):  # already removed when it completed
            pass


class TaskProgress:
    """How far the tasks behind some futures are, as the scheduler counts them.

    Also meters their compute seconds and the largest worker memory seen while polling.
    """

    def __init__(self, client: Any, futures: list[Any], name: str):
        self.client = client
        self.name = name
        self.compute_seconds = 0.0
        self.max_worker_memory = 0
        client.run_on_scheduler(_start, keys=[f.key for f in futures], name=name)

    def fraction(self) -> float | None:
        """Completed share of the tasks (0..1), None before the scheduler knows them."""
        state = self.client.run_on_scheduler(_read, name=self.name)
        if not state:
            return None
        self.compute_seconds = state["compute_seconds"]
        self.max_worker_memory = max(self.max_worker_memory, state["max_worker_memory"])
        total, remaining = state["total"], state["remaining"]
        return 1.0 if total == 0 else (total - remaining) / total

    def close(self) -> None:
        try:
            self.client.run_on_scheduler(_stop, name=self.name)
        except Exception:  # the cluster may be gone at shutdown; nothing to clean up then
            pass
