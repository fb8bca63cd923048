"""Every registered implementation takes exactly the parameters of its process.

The engine passes every parameter by name (optional ones filled with their defaults), so
a function whose parameters differ from the specification fails only when called.
"""

from __future__ import annotations

import inspect

import pytest

from xcube_openeo.processes import REGISTRY

try:  # tests/processes may or may not be a package
    from . import conformance
except ImportError:
    import conformance

REGISTERED = list(REGISTRY)


def test_the_check_covers_every_registered_process() -> None:
    # Implementations without a spec are not listed, so they would escape this check.
    assert REGISTERED and set(REGISTERED) == set(REGISTRY.impls)


@pytest.mark.parametrize("process_id", REGISTERED)
def test_signature_matches_the_specification(process_id: str) -> None:
    func = REGISTRY.impls[process_id].func
    params = [p for p in inspect.signature(func).parameters if p != "env"]
    assert params == [p["name"] for p in REGISTRY.specs[process_id]["parameters"]]
    definition = conformance.official_definition(process_id)
    assert definition is not None
    assert params == [p["name"] for p in definition["parameters"]]
