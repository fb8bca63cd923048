"""Band math shortcuts for ``reduce_dimension`` over bands.

The openEO client writes band math as a child graph over the array of bands
(``array_element(data, "SCL") == 3 or ... == 8``).  Evaluated literally, every band
is taken from the stacked cube (where integer class bands were promoted to float) and
every comparison carries openEO's null logic.  Here the engine recognises two
patterns and gives their results directly (see ``Evaluator.run_graph(precomputed)``):

* ``array_element`` of ``data`` with a literal label (band or common name) or index:
  the band itself, in its own data type where the cube keeps per-band values;
* an ``or`` of ``eq`` comparisons of one such band with literal numbers: one
  membership test (``isin``), null where the band is null, as ``or`` would give.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import numpy as np
import xarray as xr

from ...engine.cube import DataCube
from ...engine.graph import Node, NodeRef, ParamRef, ParsedGraph
from ._util import band_index


def band_math_results(
    cube: DataCube, dimension: str, reducer: Any, values: xr.DataArray
) -> dict[str, Any]:
    """Known results of nodes of ``reducer``'s graph (node id -> value)."""
    graph: ParsedGraph | None = getattr(reducer, "graph", None)
    if graph is None or cube.dimension(dimension).type != "bands":
        return {}
    results, labels = _band_elements(cube, dimension, graph, values)
    if results:
        band_raw = (cube.fresh.band_raw if cube.fresh else None) or {}
        raw = {nid: band_raw[label] for nid, label in labels.items() if label in band_raw}
        results.update(_membership_tests(graph, results, raw))
    return results


def _band_elements(
    cube: DataCube, dimension: str, graph: ParsedGraph, values: xr.DataArray
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Results of band-picking nodes, and the band label each node picks."""
    labels = cube.labels(dimension)
    results: dict[str, Any] = {}
    picked: dict[str, Any] = {}
    for node in graph.nodes.values():
        args = node.arguments
        source = args.get("data")
        if node.process_id != "array_element" or node.kind != "predefined":
            continue
        if not isinstance(source, ParamRef) or source.name != "data":
            continue
        label, index = args.get("label"), args.get("index")
        if isinstance(label, str) and index is None:
            position = band_index(cube, dimension, label)
        elif type(index) is int and label is None and 0 <= index < len(labels):
            position = index
        else:
            continue
        if position is None:
            continue  # array_element reports the missing label itself
        if cube.fresh is not None and cube.fresh.band_values is not None:
            results[node.id] = cube.fresh.band_values[labels[position]]
        else:
            results[node.id] = values.isel({dimension: position}, drop=True)
        picked[node.id] = labels[position]
    return results, picked


def _membership_tests(
    graph: ParsedGraph, bands: dict[str, Any], raw: dict[str, tuple[xr.DataArray, Any]]
) -> dict[str, Any]:
    """``or`` trees of ``eq(band, number)`` whose inner nodes serve nothing else."""
    uses: dict[str, int] = {}
    for node in graph.nodes.values():
        for dep in node.depends_on:
            uses[dep] = uses.get(dep, 0) + 1
    trees: dict[str, tuple[str, list[float]]] = {}
    inner: set[str] = set()
    for node in graph.nodes.values():
        if node.process_id != "or" or node.kind != "predefined":
            continue
        members: set[str] = set()
        found = _eq_leaves(graph, node, uses, members, is_root=True)
        if found is not None and isinstance(bands.get(found[0]), xr.DataArray):
            trees[node.id] = found
            inner |= members - {node.id}
    # Only the outermost trees: their inner nodes are then not evaluated at all.
    return {
        root: _isin_raw(*raw[band_id], numbers)
        if band_id in raw
        else _isin(bands[band_id], numbers)
        for root, (band_id, numbers) in trees.items()
        if root not in inner
    }


def _eq_leaves(
    graph: ParsedGraph, node: Node, uses: dict[str, int], members: set[str], is_root: bool = False
) -> tuple[str, list[float]] | None:
    """(band node id, numbers) if ``node`` is an or-tree of eq(band, number)."""
    if not is_root and uses.get(node.id, 0) != 1:
        return None  # an inner result used elsewhere too: keep it
    if node.kind != "predefined":
        return None
    members.add(node.id)
    if node.process_id == "eq":
        x, y = node.arguments.get("x"), node.arguments.get("y")
        if node.arguments.get("delta") is not None:
            return None
        if isinstance(y, NodeRef) and _is_number(x):
            x, y = y, x
        if isinstance(x, NodeRef) and _is_number(y):
            return x.node_id, [y]
        return None
    if node.process_id != "or" or set(node.arguments) != {"x", "y"}:
        return None
    parts = []
    for arg in (node.arguments["x"], node.arguments["y"]):
        if not isinstance(arg, NodeRef) or arg.node_id not in graph.nodes:
            return None
        part = _eq_leaves(graph, graph.nodes[arg.node_id], uses, members)
        if part is None:
            return None
        parts.append(part)
    (band_a, numbers_a), (band_b, numbers_b) = parts
    if band_a != band_b:
        return None
    return band_a, [*numbers_a, *numbers_b]


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _isin_raw(raw: xr.DataArray, nodata: Any, numbers: list[float]) -> xr.DataArray:
    """``_isin`` on an integer band as stored: null where it holds its no-data value."""
    member = raw.isin(numbers)
    if nodata is None:
        return member
    return member.astype(np.float32).where(raw != nodata)


def _isin(band: xr.DataArray, numbers: list[float]) -> xr.DataArray:
    """``band`` equals any of ``numbers``: bool for integer bands (never null);
    openEO's tri-state float (1, 0, NaN for null) for float bands."""
    member = band.isin(numbers)
    if band.dtype.kind in "iub":
        return member
    return member.astype(np.float32).where(band.notnull())
