"""The xcube_openeo_tiles package stands alone: it imports nothing from xcube_openeo."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import xcube_openeo_tiles

PACKAGE = Path(xcube_openeo_tiles.__file__).parent


def test_no_imports_from_xcube_openeo():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            assert not any(m.split(".")[0] == "xcube_openeo" for m in modules), path.name


def test_importing_tiles_loads_neither_xcube_openeo_nor_cmocean():
    code = (
        "import sys, xcube_openeo_tiles; xcube_openeo_tiles.get_colormap('viridis'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('xcube_openeo', 'cmocean', 'xarray', 'xcube')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_everything_exported_exists():
    for name in xcube_openeo_tiles.__all__:
        assert hasattr(xcube_openeo_tiles, name), name
