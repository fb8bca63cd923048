"""Evaluation of validated process graphs.

Nodes run in dependency order in a loop (no recursion over the graph); child graphs
become :class:`Callback` objects that the processes call, evaluated by the same
:class:`Evaluator` (hence one module).  Processes build
lazy xarray/dask computations, so evaluating a graph computes nothing by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..errors import Internal, OpenEOError, ProcessParameterInvalid, ProcessUnsupported
from .cube import DataCube
from .env import EvalEnv
from .graph import ChildGraph, Node, NodeRef, ParamRef, ParsedGraph, has_references, iter_values
from .registry import REGISTRY, ProcessRegistry
from .schema import CALLBACK_SUBTYPE, schema_alternatives
from .validate import parse_process
from .values import ARRAY_DIM, ArrayValue

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
        logger = self.env.logger if isinstance(self.env.logger, logging.Logger) else None
        keep_logger: dict[str, Any] = {"logger": logger} if logger is not None else {}
        env = EvalEnv(
            user_id=self.env.user_id,
            user_processes=dict(self.env.user_processes),
            limits=self.env.limits,
            **keep_logger,
        )
        registry = None if self.registry is REGISTRY else self.registry
        return {"env": env, "registry": registry, "user_graphs": dict(self.user_graphs)}

    def __setstate__(self, state: dict[str, Any]) -> None:
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
            raise ProcessUnsupported(f"{where}: process {node.process_id!r} is not supported.")
        kwargs: dict[str, Any] = {}
        for spec in node.param_specs:
            name = spec["name"]
            value = args[name] if name in args else spec.get("default")
            # JSON literals were checked by validation; computed values are checked here.
            computed = isinstance(node.arguments.get(name), NodeRef | ParamRef)
            if computed and not runtime_type_fits(value, spec.get("schema")):
                raise ProcessParameterInvalid(
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
            raise Internal(
                f"{where}: process {node.process_id!r} failed: {type(e).__name__}: {e}"
            ) from e

    def call_user_process(self, process_id: str, args: Mapping[str, Any]) -> Any:
        graph = self.user_graphs[process_id]
        # A user-defined process sees only its own parameters, not the caller's.
        return self.run_graph(graph, Scope(args, graph.parameters, None))


class Callback:
    """A child process graph bound to its environment and enclosing scope.

    Call it with the callback's parameters as keyword arguments (``cb(x=..., context=...)``);
    it returns the value of the graph's result node.  Processes may pass whole
    ``xarray.DataArray``s (element-wise callbacks) or vectorised ``ArrayValue``s.
    """

    def __init__(self, graph: ParsedGraph, evaluator: Evaluator, scope: Scope | None = None):
        self.graph = graph
        self.evaluator = evaluator
        self.scope = scope

    def __call__(self, **kwargs: Any) -> Any:
        return self.evaluator.run_graph(
            self.graph, Scope(kwargs, self.graph.parameters, self.scope)
        )

    def call_with_results(self, results: dict[str, Any], **kwargs: Any) -> Any:
        """Like calling, with the results of some nodes given (see ``run_graph``)."""
        scope = Scope(kwargs, self.graph.parameters, self.scope)
        return self.evaluator.run_graph(self.graph, scope, precomputed=results)

    @property
    def env(self) -> EvalEnv:
        return self.evaluator.env

    @classmethod
    def from_json(
        cls, process: dict[str, Any], env: EvalEnv | None = None, **kwargs: Any
    ) -> Callback:
        """A callback from the JSON of a process (``{"process_graph": ...}``); validates it."""
        env = env or EvalEnv()
        registry = kwargs.pop("registry", REGISTRY)
        parsed = parse_process(
            process, registry=registry, limits=env.limits, user_processes=env.user_processes
        )
        if parsed.errors:
            raise parsed.errors[0]
        assert parsed.graph is not None
        parsed.graph.parameters = parsed.parameters
        return cls(parsed.graph, Evaluator(env, registry, parsed.user_graphs), None)

    @property
    def single_process_id(self) -> str | None:
        """The process id if the graph is one predefined process applied to ``data``.

        Only then may a process replace the callback by an equivalent xarray operation
        (for example ``mean`` over a dimension); other arguments must be literals
        (see :attr:`single_process_arguments`).
        """
        if len(self.graph.nodes) != 1:
            return None
        node = self.graph.result_node
        if node.kind != "predefined" or not isinstance(node.arguments.get("data"), ParamRef):
            return None
        if node.arguments["data"].name != "data":
            return None
        others = [v for k, v in node.arguments.items() if k != "data"]
        if any(has_references(v) for v in others):
            return None
        return node.process_id

    @property
    def single_process_arguments(self) -> dict[str, Any]:
        """The literal arguments other than ``data`` of a single-process callback."""
        if self.single_process_id is None:
            raise Internal("not a single-process callback")
        return {k: v for k, v in self.graph.result_node.arguments.items() if k != "data"}

    def depends_on_parameter(self, name: str) -> bool:
        """Whether any node of the graph (not its children) reads parameter ``name``."""
        return any(
            isinstance(v, ParamRef) and v.name == name
            for node in self.graph.nodes.values()
            for v in iter_values(node.arguments)
        )


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


_CUBE_SUBTYPES = ("datacube", "raster-cube", "vector-cube")


def runtime_type_fits(value: Any, schema: Any) -> bool:
    """Whether a computed value (not JSON) can be an argument for ``schema``.

    Only the JSON type and the cube/callback subtypes are checked; vectorised values
    (xarray, numpy arrays) inside callbacks and unknown Python types pass.
    """
    alternatives = schema_alternatives(schema)
    if not alternatives:
        return True
    if isinstance(value, DataCube):
        return any(_untyped(s) or s.get("subtype") in _CUBE_SUBTYPES for s in alternatives)
    if isinstance(value, Callback):
        return any(_untyped(s) or s.get("subtype") == CALLBACK_SUBTYPE for s in alternatives)
    kinds = _json_kinds(value)
    if kinds is None:
        return True
    for s in alternatives:
        if _untyped(s):
            return True
        if s.get("subtype") in (*_CUBE_SUBTYPES, CALLBACK_SUBTYPE):
            continue
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if kinds & set(types):
            return True
    return False


def _untyped(schema: dict[str, Any]) -> bool:
    return "type" not in schema


def _json_kinds(value: Any) -> set[str] | None:
    if value is None:
        return {"null"}
    if isinstance(value, bool | np.bool_):
        return {"boolean"}
    if isinstance(value, int | np.integer):
        return {"integer", "number"}
    if isinstance(value, float | np.floating):
        return {"number", "integer"} if float(value).is_integer() else {"number"}
    if isinstance(value, str):
        return {"string"}
    if isinstance(value, ArrayValue | list | tuple):
        return {"array"}
    if isinstance(value, dict):
        return {"object"}
    return None  # vectorised arrays and other engine values
