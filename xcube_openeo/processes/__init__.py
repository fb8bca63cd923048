"""openEO processes: metadata (``specs/``), implementations, and the registry.

Importing this package registers every implementation with
:data:`xcube_openeo.engine.registry.REGISTRY`.
"""

from importlib import import_module

from ..engine.registry import REGISTRY, process

# Implementation modules register themselves on import.
_IMPLEMENTATION_MODULES = (
    "math",
    "comparison",
    "logic",
    "text",
    "dates",
    "arrays",
    "reducers",
    "cubes",
)

for _name in _IMPLEMENTATION_MODULES:
    import_module(f"{__name__}.{_name}")

__all__ = ["REGISTRY", "process"]
