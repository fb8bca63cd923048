"""Evaluation of validated process graphs.

Nodes run in dependency order in a loop (no recursion over the graph); child graphs
become :class:`~.callback.Callback` objects that the processes call.  Processes build
lazy xarray/dask computations, so evaluating a graph computes nothing by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..errors import OpenEOError
from ..processes.registry import ProcessRegistry
from ..processes.values import ARRAY_DIM, ArrayValue
from .env import EvalEnv
from .graph import ChildGraph, Node, NodeRef, ParamRef, ParsedGraph
from .schema import runtime_type_fits

_MISSING = object()


class Scope:
    """Parameter values of one graph invocation, chained to the enclosing graphs."""

    def __init__(
        self,
        values: Mapping[str, Any],
        parameters: list[dict[str, Any]] | None = None,
        parent: Scope | None = None,
    ):
        self.values = dict(values)
        self.defaults = {
            p["name"]: p["default"]
            for p in parameters or ()
            if isinstance(p, dict) and "default" in p
        }
        self.parent = parent

    def lookup(self, name: str) -> Any:
        # The most specific value wins; failing that the least specific default (openEO API).
        scope: Scope | None = self
        default = _MISSING
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            if name in scope.defaults:
                default = scope.defaults[name]
            scope = scope.parent
        if default is _MISSING:
            raise OpenEOError(
                "ProcessParameterMissing", f"No value given for process parameter {name!r}."
            )
        return default


class Evaluator:
    """Runs parsed graphs against the process registry within one environment."""

    def __init__(
        self, env: EvalEnv, registry: ProcessRegistry, user_graphs: Mapping[str, ParsedGraph]
    ):
        self.env = env
        self.registry = registry
        self.user_graphs = user_graphs

    def __getstate__(self) -> dict[str, Any]:
        # Callbacks travel to dask workers inside task functions: send no data access
        # (collections) and no per-request logger, and the global registry by reference.
        from ..processes.registry import REGISTRY

        logger = self.env.logger if isinstance(self.env.logger, logging.Logger) else None
        env = EvalEnv(
            user_id=self.env.user_id,
            user_processes=dict(self.env.user_processes),
            limits=self.env.limits,
            **({"logger": logger} if logger is not None else {}),
        )
        registry = None if self.registry is REGISTRY else self.registry
        return {"env": env, "registry": registry, "user_graphs": dict(self.user_graphs)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        from ..processes.registry import REGISTRY

        self.env = state["env"]
        self.registry = state["registry"] or REGISTRY
        self.user_graphs = state["user_graphs"]

    def run_graph(
        self, graph: ParsedGraph, scope: Scope, precomputed: Mapping[str, Any] | None = None
    ) -> Any:
        """The value of the graph's result node.

        ``precomputed``: results of some nodes that a process already knows (for
        example bands picked by ``array_element`` in ``reduce_dimension``); nodes only
        needed for those are then skipped.
        """
        remaining_uses = {nid: 0 for nid in graph.nodes}
        for node in graph.nodes.values():
            for dep in node.depends_on:
                remaining_uses[dep] += 1
        results: dict[str, Any] = dict(precomputed or {})
        needed = _needed_nodes(graph, results.keys()) if results else None
        deadline = self.env.deadline
        started = False
        for node_id in graph.order:
            node = graph.nodes[node_id]
            if node_id in results or (needed is not None and node_id not in needed):
                continue
            if started and deadline is not None:
                deadline.check()  # no further node starts once the request's time is up
            started = True
            args = {
                name: self.resolve_argument(value, results, scope)
                for name, value in node.arguments.items()
            }
            results[node_id] = self.call(node, args, graph)
            for dep in node.depends_on:
                remaining_uses[dep] -= 1
                if remaining_uses[dep] == 0 and dep != graph.result_id:
                    del results[dep]  # free intermediate results early
        return results[graph.result_id]

    def resolve_argument(self, value: Any, results: Mapping[str, Any], scope: Scope) -> Any:
        resolved = self._resolve(value, results, scope)
        if isinstance(value, list):
            return to_array_value(resolved)
        return resolved

    def _resolve(self, value: Any, results: Mapping[str, Any], scope: Scope) -> Any:
        if isinstance(value, NodeRef):
            return results[value.node_id]
        if isinstance(value, ParamRef):
            return scope.lookup(value.name)
        if isinstance(value, ChildGraph):
            from .callback import Callback

            assert value.graph is not None, "child graphs are parsed by validation"
            return Callback(value.graph, self, scope)
        if isinstance(value, list):
            return [self._resolve(v, results, scope) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve(v, results, scope) for k, v in value.items()}
        return value

    def call(self, node: Node, args: dict[str, Any], graph: ParsedGraph) -> Any:
        where = f"node {node.id!r}" + (f" (in {graph.location})" if graph.location else "")
        if node.kind == "user":
            return self.call_user_process(node.process_id, args)
        impl = self.registry.get_impl(node.process_id)
        if impl is None:
            raise OpenEOError(
                "ProcessUnsupported", f"{where}: process {node.process_id!r} is not supported."
            )
        kwargs: dict[str, Any] = {}
        for spec in node.param_specs:
            name = spec["name"]
            value = args[name] if name in args else spec.get("default")
            # JSON literals were checked by validation; computed values are checked here.
            computed = isinstance(node.arguments.get(name), NodeRef | ParamRef)
            if computed and not runtime_type_fits(value, spec.get("schema")):
                raise OpenEOError(
                    "ProcessParameterInvalid",
                    f"{where}: parameter {name!r} of process {node.process_id!r} does not "
                    f"accept {_describe(value)}.",
                )
            kwargs[name] = value
        if impl.takes_env:
            kwargs["env"] = self.env
        try:
            return impl.func(**kwargs)
        except OpenEOError as e:
            # Name the innermost node once; enclosing callback nodes leave it as is.
            if not getattr(e, "located", False):
                e.message = f"{where}, process {node.process_id!r}: {e.message}"
                e.args = (e.message,)
                e.located = True  # type: ignore[attr-defined]
            raise
        except Exception as e:  # an implementation bug or unforeseen input: report, not crash
            raise OpenEOError(
                "Internal", f"{where}: process {node.process_id!r} failed: {type(e).__name__}: {e}"
            ) from e

    def call_user_process(self, process_id: str, args: Mapping[str, Any]) -> Any:
        graph = self.user_graphs[process_id]
        # A user-defined process sees only its own parameters, not the caller's.
        return self.run_graph(graph, Scope(args, graph.parameters, None))


def _needed_nodes(graph: ParsedGraph, known: Any) -> set[str]:
    """Nodes the result depends on, not looking behind nodes whose result is known."""
    needed: set[str] = set()
    stack = [graph.result_id]
    while stack:
        node_id = stack.pop()
        if node_id in needed:
            continue
        needed.add(node_id)
        if node_id not in known:
            stack.extend(graph.nodes[node_id].depends_on)
    return needed


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    from .cube import DataCube

    if isinstance(value, DataCube):
        return "a data cube"
    if isinstance(value, ArrayValue):
        return "an array"
    return f"a value of type {type(value).__name__}"


def to_array_value(items: list[Any]) -> Any:
    """A JSON array argument as an :class:`ArrayValue` where its elements allow it.

    Arrays of scalars become 1-D arrays; arrays with xarray elements (inside vectorised
    callbacks) are stacked along a new array dimension; anything else (nested arrays,
    objects, cubes) stays a Python list.
    """
    if any(isinstance(v, xr.DataArray) for v in items):
        parts = [v if isinstance(v, xr.DataArray) else xr.DataArray(_scalar(v)) for v in items]
        parts = list(xr.broadcast(*parts))
        data = xr.concat(parts, dim=ARRAY_DIM, coords="minimal", compat="override")
        return ArrayValue(data.drop_vars(ARRAY_DIM, errors="ignore"), ARRAY_DIM, False)
    if all(_is_scalar(v) for v in items):
        return ArrayValue.from_list([v.item() if isinstance(v, np.generic) else v for v in items])
    return items


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str | np.generic)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return np.nan if value is None else value
