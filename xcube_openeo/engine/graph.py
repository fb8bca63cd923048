"""The process graph model and its parser.

Parsing turns the JSON of a process (``{"process_graph": ..., "parameters": ...}``) into
:class:`ParsedGraph` objects: nodes in evaluation order, arguments with references
replaced by :class:`NodeRef`, :class:`ParamRef` and :class:`ChildGraph` markers.
Structural problems (result nodes, references, cycles) are collected as
``ProcessGraphInvalid`` errors; the process-level checks are in :mod:`.validate`.
Everything is iterative over nodes, so graph size is bounded by limits, not the stack.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..errors import OpenEOError, ProcessGraphInvalid


@dataclass(frozen=True)
class NodeRef:
    """``{"from_node": id}``: the result of another node of the same graph."""

    node_id: str


@dataclass(frozen=True)
class ParamRef:
    """``{"from_parameter": name}``: a parameter of this graph or an enclosing one."""

    name: str


@dataclass(eq=False)
class ChildGraph:
    """A child process graph given as an argument (becomes a Callback when evaluated)."""

    raw: dict[str, Any]
    graph: ParsedGraph | None = None


@dataclass
class Node:
    id: str
    process_id: str
    namespace: str | None
    arguments: dict[str, Any]
    depends_on: set[str] = field(default_factory=set)
    #: Filled in by validation: "predefined" or "user", and the parameter definitions.
    kind: str = ""
    param_specs: list[dict[str, Any]] = field(default_factory=list)


@dataclass(eq=False)
class ParsedGraph:
    """One flat process graph: its nodes in dependency order and its result node."""

    nodes: dict[str, Node]
    order: list[str]
    result_id: str
    #: Nesting depth: 0 for a top-level graph, 1 for its child graphs, ...
    depth: int = 0
    #: Parameter names this graph may reference besides those of enclosing graphs
    #: (``None``: not declared, anything goes and is resolved at run time).
    parameter_names: set[str] | None = None
    #: Declared parameters of this graph (``parameters`` of the process), if any.
    parameters: list[dict[str, Any]] = field(default_factory=list)
    parent: ParsedGraph | None = None
    #: Where this graph sits, for messages ("node 'apply1', argument 'process'").
    location: str = ""

    @property
    def result_node(self) -> Node:
        return self.nodes[self.result_id]


def _invalid(where: str, message: str) -> OpenEOError:
    return ProcessGraphInvalid(f"{where}{message}" if where else message)


def parse_graph(
    raw: Any,
    *,
    depth: int = 0,
    parent: ParsedGraph | None = None,
    location: str = "",
    errors: list[OpenEOError],
) -> ParsedGraph | None:
    """Parse one flat graph (child graphs stay :class:`ChildGraph` markers, unparsed).

    Problems are appended to ``errors``; returns ``None`` if the graph is unusable.
    """
    where = f"{location}: " if location else ""
    if not isinstance(raw, dict) or not raw:
        errors.append(_invalid(where, "the process graph must be a non-empty object of nodes."))
        return None
    nodes: dict[str, Node] = {}
    result_ids: list[str] = []
    for node_id, raw_node in raw.items():
        node = _parse_node(node_id, raw_node, where, errors)
        if node is None:
            continue
        nodes[node_id] = node
        if raw_node.get("result") is True:
            result_ids.append(node_id)
    if len(result_ids) != 1:
        found = ", ".join(repr(r) for r in result_ids) or "none"
        errors.append(
            _invalid(where, f"a process graph needs exactly one result node (found: {found}).")
        )
    for node in nodes.values():
        for dep in sorted(node.depends_on):
            if dep not in raw:
                errors.append(
                    _invalid(
                        where,
                        f"node {node.id!r} references node {dep!r} (from_node) which does "
                        "not exist in the same process graph.",
                    )
                )
    order = _topological_order(nodes, where, errors)
    if order is None or len(result_ids) != 1 or len(nodes) != len(raw):
        return None
    return ParsedGraph(
        nodes=nodes,
        order=order,
        result_id=result_ids[0],
        depth=depth,
        parent=parent,
        location=location,
    )


def _parse_node(node_id: Any, raw_node: Any, where: str, errors: list[OpenEOError]) -> Node | None:
    if not isinstance(raw_node, dict):
        errors.append(_invalid(where, f"node {node_id!r} must be an object."))
        return None
    process_id = raw_node.get("process_id")
    if not isinstance(process_id, str) or not process_id:
        errors.append(_invalid(where, f"node {node_id!r} has no valid 'process_id'."))
        return None
    namespace = raw_node.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        errors.append(_invalid(where, f"node {node_id!r} has an invalid 'namespace'."))
        return None
    raw_args = raw_node.get("arguments", {})
    if not isinstance(raw_args, dict):
        errors.append(_invalid(where, f"node {node_id!r}: 'arguments' must be an object."))
        return None
    if "result" in raw_node and not isinstance(raw_node["result"], bool):
        errors.append(_invalid(where, f"node {node_id!r}: 'result' must be a boolean."))
    deps: set[str] = set()
    arguments: dict[str, Any] = {}
    for name, value in raw_args.items():
        try:
            arguments[name] = _parse_value(value, deps)
        except ValueError as e:
            errors.append(_invalid(where, f"node {node_id!r}, argument {name!r}: {e}"))
            return None
    return Node(node_id, process_id, namespace, arguments, deps)


def _parse_value(value: Any, deps: set[str]) -> Any:
    """Replace references inside a JSON argument value by marker objects."""
    if isinstance(value, list):
        return [_parse_value(v, deps) for v in value]
    if not isinstance(value, dict):
        return value
    if "from_node" in value:
        ref = value["from_node"]
        if not isinstance(ref, str) or len(value) != 1:
            raise ValueError("invalid result reference (from_node).")
        deps.add(ref)
        return NodeRef(ref)
    if "from_parameter" in value:
        ref = value["from_parameter"]
        if not isinstance(ref, str) or len(value) != 1:
            raise ValueError("invalid parameter reference (from_parameter).")
        return ParamRef(ref)
    if "process_graph" in value:
        if not isinstance(value["process_graph"], dict):
            raise ValueError("'process_graph' must be an object.")
        return ChildGraph(value)
    return {k: _parse_value(v, deps) for k, v in value.items()}


def _topological_order(
    nodes: dict[str, Node], where: str, errors: list[OpenEOError]
) -> list[str] | None:
    """Nodes ordered so that every node comes after those it depends on (Kahn)."""
    pending = {nid: len(n.depends_on & nodes.keys()) for nid, n in nodes.items()}
    users: dict[str, list[str]] = {nid: [] for nid in nodes}
    for nid, node in nodes.items():
        for dep in node.depends_on:
            if dep in users:
                users[dep].append(nid)
    ready = deque(nid for nid, count in pending.items() if count == 0)
    order: list[str] = []
    while ready:
        nid = ready.popleft()
        order.append(nid)
        for user in users[nid]:
            pending[user] -= 1
            if pending[user] == 0:
                ready.append(user)
    if len(order) != len(nodes):
        cyclic = sorted(nid for nid, count in pending.items() if count > 0)
        errors.append(
            _invalid(where, f"the process graph contains a cycle through nodes {cyclic}.")
        )
        return None
    return order


def iter_values(value: Any):
    """All values nested in a parsed argument value, itself included (iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def has_references(value: Any) -> bool:
    return any(isinstance(v, NodeRef | ParamRef | ChildGraph) for v in iter_values(value))
