"""Size estimates of a lazily built result, before anything is computed.

What a result will read is in its dask graph: the layers xarray creates for dataset
variables (``open_dataset-...``) know their chunk shapes and data type, and culling
the graph to the result's keys leaves exactly the source chunks that will be read,
after every filter.  Counted in whole chunks, so an upper bound.

Every other layer of a dask array graph knows its chunk shape and data type as well
(dask records them as the layer's ``collection_annotations``): from them come the
sizes of the intermediate steps, and from those the memory a computation needs at
once: the result itself, plus, for every thread computing, the largest task's output
chunk together with the chunks it takes as inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from dask.core import flatten
from dask.highlevelgraph import HighLevelGraph

from xcube_openeo.execution.compute import _walk

SOURCE_LAYER_PREFIX = "open_dataset-"


@dataclass(frozen=True)
class Estimate:
    #: Values read from the collections (pixels x bands x time steps, whole chunks).
    input_values: int
    input_bytes: int
    #: Values and bytes of the result itself.
    output_values: int
    output_bytes: int
    #: Tasks of the (culled) dask graph.
    tasks: int = 0
    #: Bytes of every step's chunks together (as if nothing were ever released).
    intermediate_bytes: int = 0
    #: Largest chunk of any step.
    largest_chunk_bytes: int = 0
    #: Largest output chunk of a task plus the chunks it takes as inputs.
    largest_task_bytes: int = 0

    def memory_bytes(self, threads: int) -> int:
        """Memory a computation with ``threads`` threads needs at once (estimated).

        The result, plus one task's working set per thread; never more than the result
        with every intermediate chunk held at the same time.
        """
        working = min(self.intermediate_bytes, max(1, threads) * self.largest_task_bytes)
        return self.output_bytes + working

    def describe(self, threads: int | None = None) -> str:
        text = (
            f"reads about {self.input_values:,} values ({format_bytes(self.input_bytes)}),"
            f" produces {self.output_values:,} values ({format_bytes(self.output_bytes)})"
        )
        if threads is not None:
            text += (
                f" and needs about {format_bytes(self.memory_bytes(threads))} of memory"
                f" ({self.tasks:,} tasks, largest chunk {format_bytes(self.largest_chunk_bytes)})"
            )
        return text


def estimate(value: Any, deadline: Any = None) -> Estimate:
    """The sizes of ``value``'s dask graphs; checks ``deadline`` between graph layers."""
    arrays: list[xr.DataArray] = []

    def collect(array: xr.DataArray) -> xr.DataArray:
        arrays.append(array)
        return array

    _walk(value, collect)
    output_values = sum(int(a.size) for a in arrays)
    output_bytes = sum(int(a.size) * a.dtype.itemsize for a in arrays)
    if not arrays:
        return Estimate(0, 0, 0, 0)
    graph = HighLevelGraph.merge(*[a.data.__dask_graph__() for a in arrays])
    keys = set(flatten([a.data.__dask_keys__() for a in arrays]))
    sources = {
        name: layer.collection_annotations
        for name, layer in graph.layers.items()
        if name.startswith(SOURCE_LAYER_PREFIX) and layer.collection_annotations
    }
    if deadline is not None:
        deadline.check()
    culled = graph.cull(keys)
    input_values = input_bytes = tasks = intermediate = largest_chunk = 0
    chunk_bytes: dict[str, int] = {}
    for culled_name, layer in culled.layers.items():
        if deadline is not None:
            deadline.check()
        name = _original_name(culled_name, graph.layers)
        count = len(layer)
        tasks += count
        annotations = layer.collection_annotations or {}
        if "chunksize" in annotations and "dtype" in annotations:
            size = _bytes(annotations["chunksize"], annotations["dtype"])
            chunk_bytes[name] = size
            intermediate += count * size
            largest_chunk = max(largest_chunk, size)
        source = next(
            (a for source, a in sources.items() if name == source or name.startswith(source + "-")),
            None,
        )
        if source is None:
            continue
        chunk_values = int(np.prod(source["chunksize"], dtype=np.int64))
        input_values += count * chunk_values
        input_bytes += count * chunk_values * np.dtype(source["dtype"]).itemsize
    largest_task = 0
    for name, size in chunk_bytes.items():
        inputs = sum(chunk_bytes.get(dep, 0) for dep in graph.dependencies.get(name, ()))
        largest_task = max(largest_task, size + inputs)
    return Estimate(
        input_values,
        input_bytes,
        output_values,
        output_bytes,
        tasks=tasks,
        intermediate_bytes=intermediate,
        largest_chunk_bytes=largest_chunk,
        largest_task_bytes=largest_task,
    )


def _original_name(name: str, layers: Any) -> str:
    """The layer name before culling (culled blockwise layers get a suffix)."""
    if name in layers:
        return name
    base = name.rsplit("-", 1)[0]
    return base if base in layers else name


def _bytes(chunksize: Any, dtype: Any) -> int:
    try:
        itemsize = np.dtype(dtype).itemsize
    except TypeError:  # not a numpy dtype (e.g. an extension type): count 8 bytes
        itemsize = 8
    return int(np.prod([int(c) for c in chunksize], dtype=np.int64)) * max(itemsize, 1)


def format_bytes(n: int | float) -> str:
    """``n`` bytes for people: 512 B, 39.1 KiB, 20.5 MiB, 2.0 GiB."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{int(n)} B"
