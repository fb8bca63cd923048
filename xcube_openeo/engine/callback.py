"""Child process graphs as Python callables."""

from __future__ import annotations

from typing import Any

from ..errors import OpenEOError
from .env import EvalEnv
from .evaluate import Evaluator, Scope
from .graph import NodeRef, ParamRef, ParsedGraph, has_references


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
        from ..processes.registry import REGISTRY
        from .validate import parse_process

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
            raise OpenEOError("Internal", "not a single-process callback")
        return {k: v for k, v in self.graph.result_node.arguments.items() if k != "data"}

    def depends_on_parameter(self, name: str) -> bool:
        """Whether any node of the graph (not its children) reads parameter ``name``."""
        from .graph import iter_values

        return any(
            isinstance(v, ParamRef) and v.name == name
            for node in self.graph.nodes.values()
            for v in iter_values(node.arguments)
        )


__all__ = ["Callback", "NodeRef", "ParamRef"]
