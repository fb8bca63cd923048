"""The process graph engine: validation and lazy evaluation of openEO processes.

``validate_process`` and ``evaluate_process`` take an openEO process object
(``{"process_graph": {...}, "parameters": [...]}``).  Validation collects every
problem as an :class:`~xcube_openeo.errors.OpenEOError`; evaluation validates, then
runs the graph, building lazy xarray/dask computations.

Modules: ``graph`` (parsing flat graphs: references, result node, cycles),
``validate`` (processes, parameters, schemas, child graphs, user-defined processes,
limits), ``schema`` (JSON Schema checks with openEO subtypes), ``evaluate`` (running
graphs; parameter scopes; child graphs as callables), ``cube`` (the data cube),
``load`` (collections into cubes, reading only what is asked for), ``geometry`` (CRSs,
pixel masks, selection by position), ``collection_metadata`` (how datasets map onto
openEO dimensions), ``env`` (evaluation environment and limits), ``registry``
(processes by id) and ``values`` (arrays).  The processes themselves are in
:mod:`xcube_openeo.processes`, which fills :data:`~.registry.REGISTRY` when imported;
the engine never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import OpenEOError, ProcessGraphComplexity
from .cube import DataCube, Dimension
from .env import CollectionSource, EvalEnv, InMemoryCollections, Limits
from .evaluate import Callback, Evaluator, Scope
from .registry import REGISTRY, ProcessRegistry
from .validate import ParsedProcess, parse_process


def validate_process(
    process: dict[str, Any],
    *,
    registry: ProcessRegistry = REGISTRY,
    limits: Limits | None = None,
    user_processes: Mapping[str, dict[str, Any]] | None = None,
    parameter_names: list[str] | tuple[str, ...] = (),
) -> list[OpenEOError]:
    """All problems of ``process`` (empty: valid).  Never raises for bad input.

    ``parameter_names`` are parameters whose values the caller will provide although
    the process does not declare them.
    """
    try:
        parsed = parse_process(
            process,
            registry=registry,
            limits=limits or Limits(),
            user_processes=user_processes or {},
            parameter_names=parameter_names,
        )
    except RecursionError:  # pathologically nested JSON values (not nodes)
        return [ProcessGraphComplexity("The process is nested too deeply.")]
    return parsed.errors


def evaluate_process(
    process: dict[str, Any],
    env: EvalEnv,
    arguments: Mapping[str, Any] | None = None,
    *,
    registry: ProcessRegistry = REGISTRY,
) -> Any:
    """Validate ``process`` (raising its first problem) and evaluate it.

    ``arguments`` are values for the process's own parameters (top-level
    ``from_parameter``); defaults declared in ``process["parameters"]`` apply.
    """
    arguments = dict(arguments or {})
    try:
        parsed = parse_process(
            process,
            registry=registry,
            limits=env.limits,
            user_processes=env.user_processes,
            parameter_names=tuple(arguments),
        )
        if parsed.errors:
            raise parsed.errors[0]
        assert parsed.graph is not None
        evaluator = Evaluator(env, registry, parsed.user_graphs)
        return evaluator.run_graph(parsed.graph, Scope(arguments, parsed.parameters, None))
    except RecursionError:  # pathologically nested JSON values (graphs are iterative)
        raise ProcessGraphComplexity("The process is nested too deeply.") from None


__all__ = [
    "Callback",
    "CollectionSource",
    "DataCube",
    "Dimension",
    "EvalEnv",
    "InMemoryCollections",
    "Limits",
    "ParsedProcess",
    "validate_process",
    "evaluate_process",
]
