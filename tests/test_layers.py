"""The import structure declared in pyproject.toml (``[tool.importlinter]``) holds.

Layers point one way, ``xcube_openeo_tiles`` imports nothing from ``xcube_openeo``, and
no module reaches itself through its imports.  Imports inside functions count as much as
those at the top of a module.
"""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("xcube_openeo", "xcube_openeo_tiles")


def _graph() -> grimp.ImportGraph:
    # As the contracts see it: annotations under TYPE_CHECKING are left out.
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def test_import_contracts_are_kept():
    exit_code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    assert exit_code == 0, "lint-imports found broken contracts (run it for the report)"


def test_imports_inside_functions_are_counted():
    # The demo generator imports its writers only when it needs them.
    graph = _graph()
    assert graph.direct_import_exists(
        importer="xcube_openeo.demo.generate", imported="xcube_openeo.demo.sentinel2"
    )


def test_no_module_imports_itself_through_others():
    # Also cycles through a package's __init__, which the sibling contract does not see.
    graph = _graph()
    cycles = sorted(
        (module, chain)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if (chain := graph.find_shortest_chain(imported=module, importer=imported)) is not None
    )
    assert cycles == []
