"""Size estimates of a lazily built result, before anything is computed.

What a result will read is in its dask graph: the layers xarray creates for dataset
variables (``open_dataset-...``) know their chunk shapes and data type, and culling
the graph to the result's keys leaves exactly the source chunks that will be read,
after every filter.  Counted in whole chunks, so an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

SOURCE_LAYER_PREFIX = "open_dataset-"


@dataclass(frozen=True)
class Estimate:
    #: Values read from the collections (pixels x bands x time steps, whole chunks).
    input_values: int
    input_bytes: int
    #: Values and bytes of the result itself.
    output_values: int
    output_bytes: int

    def describe(self) -> str:
        return (f"reads about {self.input_values:,} values ({_mib(self.input_bytes)}),"
                f" produces {self.output_values:,} values ({_mib(self.output_bytes)})")


def estimate(value: Any) -> Estimate:
    from dask.core import flatten
    from dask.highlevelgraph import HighLevelGraph

    from xcube_openeo.execution.compute import _walk

    arrays: list[xr.DataArray] = []
    _walk(value, lambda array: arrays.append(array) or array)
    output_values = sum(int(a.size) for a in arrays)
    output_bytes = sum(int(a.size) * a.dtype.itemsize for a in arrays)
    if not arrays:
        return Estimate(0, 0, 0, 0)
    graph = HighLevelGraph.merge(*[a.data.__dask_graph__() for a in arrays])
    keys = set(flatten([a.data.__dask_keys__() for a in arrays]))
    sources = {name: layer.collection_annotations for name, layer in graph.layers.items()
               if name.startswith(SOURCE_LAYER_PREFIX) and layer.collection_annotations}
    culled = graph.cull(keys)
    input_values = input_bytes = 0
    for name, layer in culled.layers.items():
        annotations = next((a for source, a in sources.items()
                            if name == source or name.startswith(source + "-")), None)
        if annotations is None:
            continue
        chunk_values = int(np.prod(annotations["chunksize"], dtype=np.int64))
        input_values += len(layer) * chunk_values
        input_bytes += len(layer) * chunk_values * np.dtype(annotations["dtype"]).itemsize
    return Estimate(input_values, input_bytes, output_values, output_bytes)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"
