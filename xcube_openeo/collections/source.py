"""Collections backed by the datasets xcube serves (its ``Datasets`` configuration)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xcube.core.mldataset import MultiLevelDataset

from xcube_openeo.engine.collection_metadata import CollectionMetadata
from xcube_openeo.errors import CollectionNotFound, OpenEOError, internal_error

if TYPE_CHECKING:
    from xcube.webapi.datasets.context import DatasetsContext


class DatasetsCollectionSource:
    """Every visible dataset of xcube's DatasetsContext is a collection."""

    def __init__(self, datasets_ctx: DatasetsContext, default_license: str = "proprietary"):
        self._datasets_ctx = datasets_ctx
        self.default_license = default_license
        self._metadata: dict[str, CollectionMetadata] = {}
        self._lock = threading.Lock()

    def collection_ids(self) -> list[str]:
        return [c["Identifier"] for c in self._configs() if not c.get("Hidden")]

    def get_config(self, collection_id: str) -> Mapping[str, Any]:
        for config in self._configs():
            if config["Identifier"] == collection_id and not config.get("Hidden"):
                return config
        raise CollectionNotFound(f"Collection {collection_id!r} does not exist.")

    def get_ml_dataset(self, collection_id: str) -> MultiLevelDataset:
        self.get_config(collection_id)
        try:
            return self._datasets_ctx.get_ml_dataset(collection_id)
        except OpenEOError:
            raise
        except Exception as e:
            raise internal_error(
                f"The data of collection {collection_id!r} cannot be opened.", e
            ) from None

    def get_metadata(self, collection_id: str) -> CollectionMetadata:
        with self._lock:
            cached = self._metadata.get(collection_id)
        if cached is not None:
            return cached
        ml_dataset = self.get_ml_dataset(collection_id)
        metadata = CollectionMetadata.from_dataset(
            ml_dataset.get_dataset(0), ml_dataset.grid_mapping
        )
        with self._lock:
            self._metadata[collection_id] = metadata
        return metadata

    def _configs(self) -> list[Mapping[str, Any]]:
        return list(self._datasets_ctx.get_dataset_configs())
