"""The evaluation environment: data access, limits, logging and the calling user."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from xcube.core.mldataset import BaseMultiLevelDataset, MultiLevelDataset

from ..errors import CollectionNotFound


@runtime_checkable
class CollectionSource(Protocol):
    """Where ``load_collection`` gets its data from."""

    def collection_ids(self) -> list[str]: ...

    def get_ml_dataset(self, collection_id: str) -> MultiLevelDataset:
        """The collection's multi-resolution dataset; raises ``CollectionNotFound``."""
        ...

    # A source may also limit what is read, e.g. to a map tile:
    # ``read_window(collection_id) -> ReadWindow | None`` (optional).


@dataclass(frozen=True)
class ReadWindow:
    """The part of a collection an evaluation reads (the window of a map tile).

    ``load_collection`` narrows every load of the collection to ``extent``: as its
    spatial extent where it has none of its own (or ``tile_extent``, the extent the
    caller passes to the graph as a parameter), else after its own extent, as a
    ``filter_bbox`` after the load would (then only its own extent can make the load
    fail with ``NoDataAvailable``).
    """

    #: A bounding box (``west``, ``south``, ``east``, ``north``, ``crs``).
    extent: Mapping[str, Any]
    tile_extent: Any = None


@dataclass(frozen=True)
class Limits:
    """Size limits of process graphs; exceeding any is ``ProcessGraphComplexity``."""

    #: Total number of process nodes, counting child graphs and user-defined processes.
    max_nodes: int = 100_000
    #: How deep child process graphs may be nested inside each other.
    max_child_depth: int = 32
    #: How deep user-defined processes may call each other.
    max_user_process_depth: int = 16


class InMemoryCollections:
    """A :class:`CollectionSource` over datasets held in memory (tests, demos)."""

    def __init__(self, datasets: Mapping[str, Any]):
        self._datasets = {
            cid: ds if isinstance(ds, MultiLevelDataset) else BaseMultiLevelDataset(ds)
            for cid, ds in datasets.items()
        }

    def collection_ids(self) -> list[str]:
        return sorted(self._datasets)

    def get_ml_dataset(self, collection_id: str) -> MultiLevelDataset:
        try:
            return self._datasets[collection_id]
        except KeyError:
            raise CollectionNotFound(f"Collection {collection_id!r} does not exist.") from None


@dataclass
class EvalEnv:
    """Everything an evaluation needs besides the process graph itself."""

    collections: CollectionSource = field(default_factory=lambda: InMemoryCollections({}))
    user_id: str | None = None
    logger: Any = field(default_factory=lambda: logging.getLogger("xcube.openeo.processes"))
    #: User-defined processes of the calling user (namespace ``user``), by id.
    user_processes: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    #: When the request's work must stop (:class:`xcube_openeo.execution.deadline.Deadline`);
    #: checked between process nodes.  None: no deadline (batch jobs).  Stays in the
    #: server: callbacks sent to dask workers carry none.
    deadline: Any = None
