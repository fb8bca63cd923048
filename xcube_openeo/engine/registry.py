"""The process registry: implementations plus our own metadata for each process.

Conventions every implementation follows (the engine relies on them):

* An implementation is a plain function registered with ``@process("id")``.  It takes
  keyword arguments named exactly like the openEO parameters; the engine passes every
  parameter, filling optional ones with the default from the process metadata.  A
  function that also declares a keyword ``env`` receives the engine's evaluation
  environment (:class:`xcube_openeo.engine.env.EvalEnv`: configuration, data access,
  logging, user), which no openEO parameter is named like.
* Values: ``None`` is openEO's null (no-data); numbers, strings and booleans are Python
  (or numpy) scalars; objects are dicts; arrays are
  :class:`xcube_openeo.engine.values.ArrayValue`; data cubes are
  :class:`xcube_openeo.engine.cube.DataCube`; child process graphs are
  :class:`xcube_openeo.engine.evaluate.Callback` (callable with keyword arguments).
* Element-wise processes (math, comparison, logic, ...) must also accept
  ``xarray.DataArray`` and numpy operands and work on them vectorised: that is how
  ``apply`` and the other callbacks run over whole cubes, never per pixel.  Inside
  arrays and cubes, NaN stands for no-data in float data.
* Array processes work on ``ArrayValue``s whose ``data`` may carry extra dimensions
  besides the array dimension: they then apply to every 1-D slice at once (this is how
  reducers inside ``reduce_dimension`` are vectorised).
* Errors are :class:`xcube_openeo.errors.OpenEOError` with the process's exception name
  as code (for example ``OpenEOError("ArrayElementNotAvailable", "...")``).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

SPECS_PACKAGE = "xcube_openeo.processes.specs"


@dataclass(frozen=True)
class ProcessImpl:
    """One implemented process: its id, the function, and how to call it."""

    id: str
    func: Callable[..., Any]
    takes_env: bool

    @classmethod
    def from_function(cls, process_id: str, func: Callable[..., Any]) -> ProcessImpl:
        params = inspect.signature(func).parameters
        return cls(id=process_id, func=func, takes_env="env" in params)


@dataclass
class ProcessRegistry:
    """Implementations by id; metadata is loaded lazily from the bundled spec files."""

    impls: dict[str, ProcessImpl] = field(default_factory=dict)

    def register(self, process_id: str, func: Callable[..., Any]) -> None:
        if process_id in self.impls:
            raise ValueError(f"process {process_id!r} registered twice")
        self.impls[process_id] = ProcessImpl.from_function(process_id, func)

    def __contains__(self, process_id: object) -> bool:
        return process_id in self.impls and process_id in self.specs

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(pid for pid in self.impls if pid in self.specs))

    def get_impl(self, process_id: str) -> ProcessImpl | None:
        return self.impls.get(process_id) if process_id in self.specs else None

    def get_spec(self, process_id: str) -> dict[str, Any] | None:
        return self.specs.get(process_id) if process_id in self.impls else None

    @cached_property
    def specs(self) -> dict[str, dict[str, Any]]:
        """All bundled process metadata documents, by process id."""
        specs: dict[str, dict[str, Any]] = {}
        for entry in resources.files(SPECS_PACKAGE).iterdir():
            if entry.name.endswith(".json"):
                spec = json.loads(entry.read_text("utf-8"))
                specs[spec["id"]] = spec
        return specs


#: The registry of all processes this back-end implements.
REGISTRY = ProcessRegistry()


def process(process_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a function as the implementation of ``process_id``."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY.register(process_id, func)
        return func

    return decorate
