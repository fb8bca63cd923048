"""Every error code raised anywhere in ``xcube_openeo`` is one clients can look up.

A code must be in the openEO API's error list (``errors.json``), in the ``exceptions`` of
the process raising it (its spec), or declared back-end specific in
``xcube_openeo/errors.py``.  The codes are found in the source: ``OpenEOError("Code", ...)``,
the subclasses bound to one code (``CODE``) and their own subclasses, and subclasses of
``OpenEOError`` passing a code to ``__init__``.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from xcube_openeo.errors import BACKEND_SPECIFIC_CODES

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "xcube_openeo"
SHARED = Path(os.environ.get("XCUBE_OPENEO_SHARED", REPO / ".." / "shared"))
SPECS_DIR = PACKAGE / "processes" / "specs"
#: Packages whose helpers raise on behalf of processes (not inside a ``@process`` function).
PROCESS_HELPERS = ("processes", "engine", "formats")

#: Sites whose code is an expression: (module, function) -> the codes it can take.
COMPUTED_CODES = {
    ("processes/cubes/combine.py", "ndvi"): {"NirBandAmbiguous", "RedBandAmbiguous"},
    ("services/routes.py", "get"): {"NotFound", "BadRequest"},
    ("udp/store.py", "check_process_id"): {"ProcessGraphInvalid", "BadRequest"},
}

#: Processes raising a code of the openEO process vocabulary their own spec does not list
#: (the specs must equal the official interfaces); reported, kept for compatibility.
UNLISTED_PROCESS_CODES = {
    ("reduce_spatial", "DimensionMissing"): "a cube without spatial dimensions",
    ("apply_dimension", "DimensionExists"): "target dimension already in the cube",
    ("mask", "DimensionMismatch"): "mask and data cubes with different dimensions",
    ("filter_bbox", "DimensionMissing"): "a cube without spatial dimensions",
    ("aggregate_spatial", "DimensionMissing"): "a cube without spatial dimensions",
}


@dataclass(frozen=True)
class Site:
    module: str  # relative to the package
    line: int
    function: str | None  # innermost enclosing function
    process_id: str | None  # of the enclosing @process function
    codes: frozenset[str] | None  # None: an expression, see COMPUTED_CODES


def coded_classes(tree: ast.Module) -> dict[str, str]:
    """Classes of errors.py bound to one code (``CODE = "Code"`` in their body): name ->
    code."""
    return {
        node.name: statement.value.value
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.Assign)
        and [getattr(t, "id", None) for t in statement.targets] == ["CODE"]
        and isinstance(statement.value, ast.Constant)
    }


def constant_codes(node: ast.expr) -> frozenset[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value})
    return None


def _process_id(function: ast.FunctionDef) -> str | None:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "process":
            return decorator.args[0].value
    return None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def sites_in(source: str, module: str, coded: dict[str, str]) -> list[Site]:
    """Every place in ``source`` that makes an openEO error with a code."""
    tree = ast.parse(source)
    coded = dict(coded)
    # Subclasses of coded classes keep the code (``class _BodyTooLarge(PayloadTooLarge)``).
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in coded:
                    coded[node.name] = coded[base.id]
    sites: list[Site] = []

    def visit(node: ast.AST, function: str | None, process_id: str | None, in_error: bool):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function, process_id = node.name, _process_id(node) or process_id
        if isinstance(node, ast.ClassDef):
            in_error = any(getattr(base, "id", None) == "OpenEOError" for base in node.bases)
        if isinstance(node, ast.Call):
            name = _called_name(node)
            codes: frozenset[str] | None = frozenset()
            if name == "OpenEOError" or (in_error and name == "__init__"):
                codes = constant_codes(node.args[0]) if node.args else None
            elif name in coded and isinstance(node.func, ast.Name):
                codes = frozenset({coded[name]})
            if codes != frozenset():
                sites.append(Site(module, node.lineno, function, process_id, codes))
        for child in ast.iter_child_nodes(node):
            visit(child, function, process_id, in_error)

    visit(tree, None, None, False)
    return sites


@cache
def all_sites() -> tuple[Site, ...]:
    coded = coded_classes(ast.parse((PACKAGE / "errors.py").read_text("utf-8")))
    sites: list[Site] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue  # the definitions themselves
        module = path.relative_to(PACKAGE).as_posix()
        sites.extend(sites_in(path.read_text("utf-8"), module, coded))
    return tuple(sites)


@cache
def api_codes() -> frozenset[str]:
    return frozenset(json.loads((SHARED / "openeo-api" / "errors.json").read_text("utf-8")))


@cache
def process_exceptions() -> dict[str, frozenset[str]]:
    specs = (json.loads(p.read_text("utf-8")) for p in SPECS_DIR.glob("*.json"))
    return {spec["id"]: frozenset(spec.get("exceptions", {})) for spec in specs}


def codes_of(site: Site) -> frozenset[str]:
    if site.codes is not None:
        return site.codes
    return frozenset(COMPUTED_CODES[(site.module, site.function)])


def unknown_codes(site: Site) -> set[str]:
    """The codes of ``site`` clients cannot look up."""
    known = api_codes() | BACKEND_SPECIFIC_CODES
    if site.process_id is not None:
        known |= process_exceptions()[site.process_id]
        known |= {code for pid, code in UNLISTED_PROCESS_CODES if pid == site.process_id}
    elif site.module.split("/")[0] in PROCESS_HELPERS:
        known |= frozenset().union(*process_exceptions().values())
    return set(codes_of(site)) - known


def test_the_scan_finds_the_raise_statements():
    sites = all_sites()
    assert len(sites) > 200
    by_module = {(s.module, c) for s in sites for c in (s.codes or ())}
    assert ("api/tornado.py", "PayloadTooLarge") in by_module  # a subclass of a subclass
    assert ("jobs/repository.py", "JobNotFound") in by_module  # super().__init__("Code", ...)
    assert ("web/handler.py", "BadRequest") in by_module  # a coded subclass
    assert any(s.process_id == "array_element" for s in sites)


def test_the_scan_tells_known_from_unknown_codes():
    source = (
        "@process('ndvi')\n"
        "def ndvi(data):\n"
        "    raise OpenEOError('BandExists', 'listed by ndvi')\n"
        "def helper():\n"
        "    raise Nope('no such code')\n"
        "class Odd(OpenEOError):\n"
        "    def __init__(self):\n"
        "        super().__init__('OddCode', 'neither listed nor declared')\n"
    )
    sites = sites_in(source, "api/example.py", {"Nope": "NoSuchCode"})
    assert [unknown_codes(s) for s in sites] == [set(), {"NoSuchCode"}, {"OddCode"}]


def test_every_computed_code_is_listed():
    computed = {(s.module, s.function) for s in all_sites() if s.codes is None}
    assert computed == set(COMPUTED_CODES)


@pytest.mark.parametrize(
    "site", all_sites(), ids=lambda s: f"{s.module}:{s.line}:{'/'.join(sorted(s.codes or ()))}"
)
def test_every_raised_code_is_known(site: Site):
    assert unknown_codes(site) == set(), (
        f"{site.module}:{site.line} raises codes in neither errors.json, the exceptions of"
        f" {site.process_id or 'a process'}, nor BACKEND_SPECIFIC_CODES"
    )


def test_unlisted_process_codes_are_still_raised_and_still_unlisted():
    raised = {(s.process_id, c) for s in all_sites() for c in codes_of(s)}
    for process_id, code in UNLISTED_PROCESS_CODES:
        assert (process_id, code) in raised
        assert code not in process_exceptions()[process_id] | api_codes()


def test_backend_specific_codes_are_raised_and_not_in_the_api_list():
    raised = {c for s in all_sites() for c in codes_of(s)}
    assert BACKEND_SPECIFIC_CODES <= raised
    assert not BACKEND_SPECIFIC_CODES & api_codes()
    # Nor codes of the process vocabulary: those belong in a spec's exceptions.
    assert not BACKEND_SPECIFIC_CODES & frozenset().union(*process_exceptions().values())
