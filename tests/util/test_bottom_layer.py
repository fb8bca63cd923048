"""``xcube_openeo.util`` sits below every other package: it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import xcube_openeo.util

UTIL = Path(xcube_openeo.util.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_util_imports_nothing_of_xcube_openeo():
    modules = {p.name: imported_modules(p) for p in UTIL.glob("*.py")}
    assert {"rfc3339.py", "identity_cache.py"} <= set(modules)
    ours = {
        name: sorted(m for m in imported if m.startswith(("xcube_openeo", "..")))
        for name, imported in modules.items()
    }
    assert ours == {name: [] for name in modules}
