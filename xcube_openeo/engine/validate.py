"""Validation of whole processes: graphs, child graphs and user-defined processes.

Works breadth-first over a queue of graphs (never recursing), so the depth of child
graphs and user-defined processes is bounded by :class:`Limits`, not by the stack.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    OpenEOError,
    ProcessGraphComplexity,
    ProcessGraphInvalid,
    ProcessGraphMissing,
    ProcessParameterInvalid,
    ProcessParameterRequired,
    ProcessParameterUnsupported,
    ProcessUnsupported,
)
from .env import Limits
from .graph import ChildGraph, Node, ParamRef, ParsedGraph, has_references, iter_values, parse_graph
from .registry import ProcessRegistry
from .schema import accepts_callback, callback_parameter_names, check_value

PREDEFINED_NAMESPACES = (None, "", "backend")


@dataclass
class ParsedProcess:
    """A validated process: the main graph, the user-defined processes it uses, errors."""

    graph: ParsedGraph | None
    parameters: list[dict[str, Any]]
    user_graphs: dict[str, ParsedGraph] = field(default_factory=dict)
    errors: list[OpenEOError] = field(default_factory=list)


@dataclass
class _Job:
    raw: Any
    depth: int
    parent: ParsedGraph | None
    location: str
    parameter_names: set[str] | None
    parameters: list[dict[str, Any]]
    #: The user-defined process this graph belongs to (``None``: the main process).
    owner: str | None
    child: ChildGraph | None = None


def parse_process(
    process: Any,
    *,
    registry: ProcessRegistry,
    limits: Limits,
    user_processes: Mapping[str, dict[str, Any]],
    parameter_names: Iterable[str] = (),
) -> ParsedProcess:
    """Parse and validate ``process``; never raises for bad input."""
    if not isinstance(process, dict) or "process_graph" not in process:
        return ParsedProcess(None, [], errors=[ProcessGraphMissing("No process graph given.")])
    checker = _Checker(registry, limits, user_processes)
    params = _declared_parameters(process, "the process", checker.errors)
    names = {p["name"] for p in params} | set(parameter_names) if "parameters" in process else None
    root = checker.run(_Job(process["process_graph"], 0, None, "", names, params, None))
    return ParsedProcess(root, params, checker.user_graphs, checker.errors)


def _declared_parameters(
    process: dict[str, Any], what: str, errors: list[OpenEOError]
) -> list[dict[str, Any]]:
    params = process.get("parameters") or []
    if not isinstance(params, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) for p in params
    ):
        errors.append(ProcessGraphInvalid(f"{what} has invalid 'parameters'."))
        return []
    return params


class _Checker:
    def __init__(
        self,
        registry: ProcessRegistry,
        limits: Limits,
        user_processes: Mapping[str, dict[str, Any]],
    ):
        self.registry = registry
        self.limits = limits
        self.user_processes = user_processes
        self.errors: list[OpenEOError] = []
        self.user_graphs: dict[str, ParsedGraph] = {}
        self.user_calls: dict[str | None, set[str]] = {}
        #: Deepest child graph level of each process (None: the main one), and the
        #: deepest level at which a process calls a user-defined one.
        self.graph_depths: dict[str | None, int] = {}
        self.call_depths: dict[tuple[str | None, str], int] = {}
        self.node_count = 0
        self.queue: deque[_Job] = deque()
        self._queued_users: set[str] = set()
        self.graphs: list[ParsedGraph] = []

    def run(self, first: _Job) -> ParsedGraph | None:
        self.queue.append(first)
        root: ParsedGraph | None = None
        while self.queue:
            job = self.queue.popleft()
            graph = self._parse(job)
            if job is first:
                root = graph
            if self.node_count > self.limits.max_nodes:
                self.errors.append(
                    ProcessGraphComplexity(
                        f"The process has more than {self.limits.max_nodes} nodes "
                        "(counting child graphs and user-defined processes).",
                    )
                )
                return None
        self._check_user_calls()
        # Parent links serve scoping checks only; dropping them keeps a callback from
        # dragging the whole enclosing graph along (e.g. when pickled for workers).
        for graph in self.graphs:
            graph.parent = None
        return root

    def _parse(self, job: _Job) -> ParsedGraph | None:
        if job.depth > self.limits.max_child_depth:
            self.errors.append(
                ProcessGraphComplexity(
                    f"{job.location}: child process graphs are nested deeper than "
                    f"{self.limits.max_child_depth} levels.",
                )
            )
            return None
        graph = parse_graph(
            job.raw, depth=job.depth, parent=job.parent, location=job.location, errors=self.errors
        )
        if graph is None:
            return None
        graph.parameter_names = job.parameter_names
        graph.parameters = job.parameters
        self.graph_depths[job.owner] = max(self.graph_depths.get(job.owner, 0), job.depth)
        if job.child is not None:
            job.child.graph = graph
        elif job.owner is not None:
            self.user_graphs[job.owner] = graph
        self.node_count += len(graph.nodes)
        self.graphs.append(graph)
        for node_id in graph.order:
            self._check_node(graph, graph.nodes[node_id], job.owner)
        return graph

    def _where(self, graph: ParsedGraph, node: Node) -> str:
        inside = f" (in {graph.location})" if graph.location else ""
        return f"node {node.id!r}{inside}"

    def _check_node(self, graph: ParsedGraph, node: Node, owner: str | None) -> None:
        where = self._where(graph, node)
        specs = self._resolve_process(node, where, owner, graph.depth)
        if specs is None:
            return
        node.param_specs = specs
        by_name = {p["name"]: p for p in specs}
        for name in node.arguments:
            if name not in by_name:
                self.errors.append(
                    ProcessParameterUnsupported(
                        f"{where}: process {node.process_id!r} has no parameter {name!r}.",
                    )
                )
        for spec in specs:
            name = spec["name"]
            if name not in node.arguments:
                if not spec.get("optional", False):
                    self.errors.append(
                        ProcessParameterRequired(
                            f"{where}: process {node.process_id!r} requires parameter {name!r}.",
                        )
                    )
                continue
            self._check_argument(graph, node, where, spec, node.arguments[name], owner)

    def _resolve_process(
        self, node: Node, where: str, owner: str | None, depth: int
    ) -> list[dict[str, Any]] | None:
        pid, ns = node.process_id, node.namespace
        if ns in PREDEFINED_NAMESPACES and pid in self.registry:
            node.kind = "predefined"
            return self.registry.get_spec(pid)["parameters"]  # type: ignore[index]
        if ns in (None, "", "user") and pid in self.user_processes:
            node.kind = "user"
            udp = self.user_processes[pid]
            self.user_calls.setdefault(owner, set()).add(pid)
            key = (owner, pid)
            self.call_depths[key] = max(self.call_depths.get(key, 0), depth)
            params = _declared_parameters(udp, f"user-defined process {pid!r}", self.errors)
            if pid not in self.user_graphs and pid not in self._queued_users:
                self._queued_users.add(pid)
                self.queue.append(
                    _Job(
                        udp.get("process_graph"),
                        0,
                        None,
                        f"user-defined process {pid!r}",
                        {p["name"] for p in params},
                        params,
                        pid,
                    )
                )
            return params
        namespace = f" in namespace {ns!r}" if ns not in PREDEFINED_NAMESPACES else ""
        self.errors.append(
            ProcessUnsupported(
                f"{where}: process {pid!r}{namespace} is not supported.",
            )
        )
        return None

    def _check_argument(
        self,
        graph: ParsedGraph,
        node: Node,
        where: str,
        spec: dict[str, Any],
        value: Any,
        owner: str | None,
    ) -> None:
        name = spec["name"]
        schema = spec.get("schema", {})
        for item in iter_values(value):
            if isinstance(item, ParamRef) and not _parameter_visible(graph, item.name):
                self.errors.append(
                    ProcessParameterInvalid(
                        f"{where}, argument {name!r}: parameter {item.name!r} "
                        "(from_parameter) is not defined here.",
                    )
                )
            elif isinstance(item, ChildGraph):
                if item is value and not accepts_callback(schema):
                    self.errors.append(
                        ProcessParameterInvalid(
                            f"{where}, argument {name!r}: a child process graph is not "
                            "allowed here.",
                        )
                    )
                    continue
                params = _declared_parameters(item.raw, f"{where}, argument {name!r}", self.errors)
                names = callback_parameter_names(schema) or set()
                names |= {p["name"] for p in params}
                self.queue.append(
                    _Job(
                        item.raw["process_graph"],
                        graph.depth + 1,
                        graph,
                        f"{where}, argument {name!r}",
                        names,
                        params,
                        owner,
                        child=item,
                    )
                )
        if not has_references(value):
            problem = check_value(value, schema)
            if problem is not None:
                self.errors.append(
                    ProcessParameterInvalid(
                        f"{where}: invalid value for parameter {name!r} of process "
                        f"{node.process_id!r}: {problem}",
                    )
                )

    def _check_user_calls(self) -> None:
        """Refuse recursion between user-defined processes and too deep nesting."""
        depth: dict[str, int] = {}
        for start in sorted(self.user_calls.get(None, set())):
            # Iterative DFS over the call graph; the path detects cycles.
            stack: list[tuple[str, list[str]]] = [(start, [start])]
            while stack:
                pid, path = stack.pop()
                if len(path) > self.limits.max_user_process_depth:
                    self.errors.append(
                        ProcessGraphComplexity(
                            "User-defined processes are nested deeper than "
                            f"{self.limits.max_user_process_depth} levels: {' -> '.join(path)}.",
                        )
                    )
                    return
                for callee in sorted(self.user_calls.get(pid, set())):
                    if callee in path:
                        self.errors.append(
                            ProcessGraphInvalid(
                                "User-defined processes call each other recursively: "
                                f"{' -> '.join([*path, callee])}.",
                            )
                        )
                        return
                    if depth.get(callee, 0) < len(path) + 1:
                        depth[callee] = len(path) + 1
                        stack.append((callee, [*path, callee]))
        self._check_total_nesting()

    def _check_total_nesting(self) -> None:
        """Child graphs nest through user-defined processes too: a process calling one
        inside a callback, which has callbacks of its own, nests them all when it runs
        (evaluation recurses per level: 16 processes of 31 levels each exhausted the
        stack).  Called once the calls are known to be free of cycles and shallow."""
        nesting = dict(self.graph_depths)
        # Longest paths in the call graph, a DAG at most max_user_process_depth deep:
        # that many rounds of relaxation settle them.
        for _ in range(self.limits.max_user_process_depth + 1):
            changed = False
            for (caller, callee), depth in self.call_depths.items():
                through = depth + 1 + nesting.get(callee, 0)
                if through > nesting.get(caller, 0):
                    nesting[caller] = through
                    changed = True
            if not changed:
                break
        if nesting.get(None, 0) > self.limits.max_child_depth:
            self.errors.append(
                ProcessGraphComplexity(
                    "Child process graphs, counted through the user-defined processes that"
                    f" contain them, are nested deeper than {self.limits.max_child_depth}"
                    " levels.",
                )
            )


def _parameter_visible(graph: ParsedGraph, name: str) -> bool:
    scope: ParsedGraph | None = graph
    while scope is not None:
        if scope.parameter_names is None or name in scope.parameter_names:
            return True
        scope = scope.parent
    return False
