"""Runner for the official openEO process examples (``openeo-processes/tests/*.json5``).

It loads the examples, converts their JSON5 encoding into our process values (null,
``ArrayValue``, ``DataCube``, ``Callback``), calls our implementations directly and
compares results as the examples' README prescribes (delta, NaN == NaN, datetimes as
instants, labeled arrays, data cubes via ``cube_fixtures``).

Cube fixtures and callbacks come from the engine (``cube_fixtures``,
``xcube_openeo.engine``); they are imported only when an example needs them, so that
scalar examples run without the engine.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import json5
import numpy as np
import pandas as pd
import xarray as xr

from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processes import REGISTRY

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DELTA = 1e-10


def shared_dir() -> Path:
    """The read-only reference material (official definitions and examples)."""
    return Path(os.environ.get("XCUBE_OPENEO_SHARED", REPO_ROOT / ".." / "shared")).resolve()


def examples_dir() -> Path:
    return shared_dir() / "openeo-processes" / "tests"


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Example:
    """One official example of one process."""

    process_id: str
    index: int
    arguments: Mapping[str, Any]
    returns: Any = None
    has_returns: bool = False
    throws: str | bool | None = None
    delta: float = DEFAULT_DELTA
    required: tuple[str, ...] = ()
    level: str | None = None
    experimental: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.process_id}[{self.index}]"


@cache
def load_examples(process_id: str) -> tuple[Example, ...]:
    """All examples of a process (empty if there is no example file)."""
    path = examples_dir() / f"{process_id}.json5"
    if not path.exists():
        return ()
    doc = json5.loads(path.read_text("utf-8"))
    examples = []
    for index, test in enumerate(doc["tests"]):
        examples.append(
            Example(
                process_id=process_id,
                index=index,
                arguments=test["arguments"],
                returns=test.get("returns"),
                has_returns="returns" in test,
                throws=test.get("throws"),
                delta=test.get("delta", DEFAULT_DELTA),
                required=tuple(test.get("required", ())),
                level=test.get("level") or doc.get("level"),
                experimental=bool(doc.get("experimental", False)),
                raw=test,
            )
        )
    return tuple(examples)


def implemented_process_ids() -> list[str]:
    """Processes we implement (specs may still be missing: examples run regardless)."""
    return sorted(REGISTRY.impls)


def runnable_examples(process_ids: list[str] | None = None) -> Iterator[Example]:
    """Examples of implemented processes whose required sub-processes are implemented."""
    implemented = set(REGISTRY.impls)
    for pid in process_ids if process_ids is not None else implemented_process_ids():
        for example in load_examples(pid):
            if all(req in implemented for req in example.required):
                yield example


@cache
def official_definition(process_id: str) -> dict[str, Any] | None:
    """The official 2.0.0-rc.2 definition (core or proposal) of a process."""
    base = shared_dir() / "openeo-processes"
    for path in (base / f"{process_id}.json", base / "proposals" / f"{process_id}.json"):
        if path.exists():
            return json.loads(path.read_text("utf-8"))
    return None


# --------------------------------------------------------------------------- arguments


@cache
def _cube_fixtures() -> ModuleType:
    """``tests/processes/cube_fixtures.py`` (owned by the engine), loaded by path so that
    it works whether or not ``tests/processes`` is a package."""
    path = Path(__file__).with_name("cube_fixtures.py")
    spec = importlib.util.spec_from_file_location("_conformance_cube_fixtures", path)
    if spec is None or spec.loader is None or not path.exists():
        raise ImportError(f"cube fixtures not available: {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_env() -> Any:
    """A minimal evaluation environment (no collections), or None without an engine."""
    try:
        from xcube_openeo import engine
    except ImportError:
        return None
    for factory_name in ("test_env", "make_test_env"):
        factory = getattr(engine, factory_name, None)
        if callable(factory):
            return factory()
    env_type = getattr(engine, "EvalEnv", None)
    if env_type is None:
        return None
    try:
        return env_type()
    except TypeError:
        return env_type(collections=_NoCollections())


test_env.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


class _NoCollections:
    """A collection source without collections (examples never load collections)."""

    def collection_ids(self) -> list[str]:
        return []

    def get_ml_dataset(self, collection_id: str) -> Any:
        raise OpenEOError("CollectionNotFound", f"no collection {collection_id!r} in tests")


def _load_ref(ref: str) -> Any:
    path = examples_dir() / ref
    text = path.read_text("utf-8")
    if path.suffix in (".json", ".json5"):
        return json5.loads(text)
    return text  # e.g. a WKT2 CRS definition


def decode_argument(value: Any, env: Any = None, *, top_level: bool = True) -> Any:
    """An example argument as a process value.

    Top-level JSON arrays become ``ArrayValue``s (the engine's convention for array
    arguments); arrays nested in objects (GeoJSON coordinates, ...) stay lists.
    """
    if isinstance(value, list):
        items = [decode_argument(v, env, top_level=False) for v in value]
        return ArrayValue.from_list(items) if top_level and _is_flat(items) else items
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        return decode_argument(_load_ref(value["$ref"]), env, top_level=top_level)
    if "process_graph" in value:
        from xcube_openeo.engine import Callback

        return Callback.from_json(_fix_parameter_references(value), env)
    kind = value.get("type")
    if kind == "nodata":
        return None
    if kind == "datetime":
        return value["value"]
    if kind == "labeled-array":
        items = [decode_argument(e["value"], env, top_level=False) for e in value["data"]]
        return ArrayValue.from_list(items, labels=[e["key"] for e in value["data"]])
    if kind == "datacube":
        return _cube_fixtures().datacube_from_test_json(value)
    return {k: decode_argument(v, env, top_level=False) for k, v in value.items()}


def _fix_parameter_references(process: Any) -> Any:
    """Rewrite the non-standard ``{"from_argument": name}`` references.

    Several official examples (apply, array_apply, array_filter, merge_cubes,
    reduce_dimension) write ``from_argument``, which openEO API 1.2 does not know.  The
    intent is unambiguous: a node id of the same graph means ``from_node``, anything
    else ``from_parameter``.  The harness fixes the spelling rather than failing those
    examples on it (the engine rightly rejects it in real graphs).
    """
    graph = process.get("process_graph", {}) if isinstance(process, dict) else {}
    node_ids = set(graph) if isinstance(graph, dict) else set()

    def fix(value: Any) -> Any:
        if isinstance(value, list):
            return [fix(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"from_argument"}:
            name = value["from_argument"]
            return {"from_node" if name in node_ids else "from_parameter": name}
        if "process_graph" in value:
            return _fix_parameter_references(value)  # a child graph has its own nodes
        return {k: fix(v) for k, v in value.items()}

    return {k: fix(v) for k, v in process.items()}


def _is_flat(items: list[Any]) -> bool:
    """Whether a list can become a 1-D ArrayValue (nested lists stay Python lists)."""
    return not any(isinstance(v, (list, dict)) for v in items)


def call_arguments(example: Example, env: Any = None) -> dict[str, Any]:
    """Decoded arguments, with omitted optional parameters filled from the definition."""
    kwargs = {name: decode_argument(v, env) for name, v in example.arguments.items()}
    definition = official_definition(example.process_id) or {"parameters": []}
    for param in definition["parameters"]:
        if param["name"] not in kwargs and param.get("optional", False):
            kwargs[param["name"]] = decode_argument(param.get("default"), env)
    return kwargs


def run_example(example: Example) -> Any:
    """Call our implementation with the example's arguments; returns the raw result."""
    impl = REGISTRY.impls[example.process_id]
    env = test_env()
    kwargs = call_arguments(example, env)
    if impl.takes_env:
        kwargs["env"] = env
    return impl.func(**kwargs)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ExpectedDatetime:
    """An expected ``{"type": "datetime"}``: compared as an instant in time."""

    value: str


@dataclass(frozen=True)
class ExpectedLabeledArray:
    labels: list[Any]
    values: list[Any]


@dataclass(frozen=True)
class ExpectedCube:
    doc: dict[str, Any]


def decode_expected(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_expected(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        return decode_expected(_load_ref(value["$ref"]))
    kind = value.get("type")
    if kind == "nodata":
        return None
    if kind == "datetime":
        return ExpectedDatetime(value["value"])
    if kind == "labeled-array":
        return ExpectedLabeledArray(
            [e["key"] for e in value["data"]], [decode_expected(e["value"]) for e in value["data"]]
        )
    if kind == "datacube":
        return ExpectedCube(value)
    return {k: decode_expected(v) for k, v in value.items()}


def normalize_actual(value: Any) -> Any:
    """A result as plain Python values (ArrayValue -> list, numpy -> Python, ...)."""
    if isinstance(value, ArrayValue):
        values = [normalize_actual(v) for v in value.data.values]
        return ExpectedLabeledArray(value.labels or [], values) if value.labeled else values
    if isinstance(value, xr.DataArray):
        return normalize_actual(value.values)
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else [normalize_actual(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [normalize_actual(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize_actual(v) for k, v in value.items()}
    return value


class Mismatch(AssertionError):
    pass


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def assert_matches(
    actual: Any,
    expected: Any,
    delta: float = DEFAULT_DELTA,
    *,
    path: str = "result",
    in_array: bool = False,
) -> None:
    """Raise ``Mismatch`` unless ``actual`` equals ``expected`` per the README.

    Inside arrays, NaN and null are the same (numeric arrays store no-data as NaN).
    """
    if isinstance(expected, ExpectedCube):
        _assert_cube_matches(actual, expected, delta)
        return
    actual = normalize_actual(actual)
    if expected is None or _is_nan(expected):
        if in_array:
            ok = actual is None or _is_nan(actual)
        else:
            ok = actual is None if expected is None else _is_nan(actual)
        if not ok:
            raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")
        return
    if isinstance(expected, ExpectedDatetime):
        if not isinstance(actual, str) or not _same_instant(actual, expected.value):
            raise Mismatch(f"{path}: expected datetime {expected.value!r}, got {actual!r}")
        return
    if isinstance(expected, ExpectedLabeledArray):
        if not isinstance(actual, ExpectedLabeledArray):
            raise Mismatch(f"{path}: expected a labeled array, got {actual!r}")
        if list(actual.labels) != list(expected.labels):
            raise Mismatch(f"{path}: labels {actual.labels!r} != {expected.labels!r}")
        assert_matches(actual.values, expected.values, delta, path=path, in_array=True)
        return
    if isinstance(expected, bool):
        if not isinstance(actual, bool) or actual != expected:
            raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")
        return
    if _is_number(expected):
        if not _is_number(actual) or not _numbers_match(actual, expected, delta):
            raise Mismatch(f"{path}: expected {expected!r} (delta {delta}), got {actual!r}")
        return
    if isinstance(expected, list):
        if isinstance(actual, ExpectedLabeledArray) and _is_key_value_list(expected):
            # array_filter[3] writes a labeled array as a plain list of {key, value}
            expected = ExpectedLabeledArray(
                [e["key"] for e in expected], [e["value"] for e in expected]
            )
            assert_matches(actual, expected, delta, path=path)
            return
        if isinstance(actual, ExpectedLabeledArray):
            actual = actual.values  # a labeled result where the example ignores labels
        if not isinstance(actual, list) or len(actual) != len(expected):
            raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_matches(a, e, delta, path=f"{path}[{i}]", in_array=True)
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")
        for key in expected:
            assert_matches(actual[key], expected[key], delta, path=f"{path}.{key}")
        return
    if actual != expected or type(actual) is not type(expected):
        raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")


def _is_key_value_list(values: list[Any]) -> bool:
    return bool(values) and all(isinstance(v, dict) and set(v) == {"key", "value"} for v in values)


def _numbers_match(actual: float, expected: float, delta: float) -> bool:
    if math.isinf(expected) or math.isinf(actual):
        return actual == expected
    if _is_nan(actual):
        return False
    return abs(actual - expected) <= delta + 1e-12 * abs(expected)


def _same_instant(a: str, b: str) -> bool:
    try:
        ta, tb = pd.Timestamp(a), pd.Timestamp(b)
    except ValueError:
        return False
    ta = ta.tz_localize("UTC") if ta.tzinfo is None else ta
    tb = tb.tz_localize("UTC") if tb.tzinfo is None else tb
    return ta == tb


def _assert_cube_matches(actual: Any, expected: ExpectedCube, delta: float) -> None:
    """Cubes are compared via the engine's converter to the fixture format.

    Booleans in cubes may come back as 1/0 numbers: a cube holding booleans with
    no-data has no boolean dtype, so we carry them as float 1/0/NaN.
    """
    doc = expected.doc
    actual_doc = normalize_actual(_cube_fixtures().datacube_to_test_json(actual))
    actual_dims, expected_dims = actual_doc["dimensions"], doc["dimensions"]
    # rename_dimension[5] misspells the key as "order: ": then the order is not checked
    if "order" in doc and list(actual_doc["order"]) != list(doc["order"]):
        raise Mismatch(f"cube order {actual_doc['order']!r} != {doc['order']!r}")
    for name, dim in expected_dims.items():
        got = actual_dims.get(name)
        if got is None:
            raise Mismatch(f"cube lacks dimension {name!r}")
        if got.get("type") != dim.get("type"):
            raise Mismatch(f"dimension {name!r}: type {got.get('type')!r} != {dim.get('type')!r}")
        if "values" in dim:
            _assert_labels_match(got.get("values"), dim["values"], name)
        if "reference_system" in dim and "reference_system" in got:
            if not _same_crs(got["reference_system"], dim["reference_system"]):
                raise Mismatch(f"dimension {name!r}: CRS {got['reference_system']!r}")
    if set(actual_dims) != set(expected_dims):
        raise Mismatch(f"cube dimensions {sorted(actual_dims)} != {sorted(expected_dims)}")
    if doc.get("data") is not None:
        _assert_cube_data(actual_doc["data"], doc["data"], delta, "data", _nodata_values(doc))


def _assert_labels_match(actual: Any, expected: list[Any], dim: str) -> None:
    actual = list(actual or [])
    if len(actual) != len(expected):
        raise Mismatch(f"dimension {dim!r}: labels {actual!r} != {expected!r}")
    for a, e in zip(actual, expected, strict=True):
        if _is_number(e) and _is_number(a):
            ok = _numbers_match(a, e, DEFAULT_DELTA)
        elif isinstance(e, str) and isinstance(a, str) and a != e:
            ok = _same_instant(a, e)
        else:
            ok = a == e
        if not ok:
            raise Mismatch(f"dimension {dim!r}: labels {actual!r} != {expected!r}")


def _same_crs(a: Any, b: Any) -> bool:
    if a == b:
        return True
    try:
        import pyproj

        return pyproj.CRS.from_user_input(a) == pyproj.CRS.from_user_input(b)
    except Exception:  # noqa: BLE001 - an unparsable CRS simply does not match
        return False


def _assert_cube_data(
    actual: Any, expected: Any, delta: float, path: str, nodata: tuple[Any, ...] = ()
) -> None:
    """Cube values; expected values listed as the cube's ``nodata`` mean no-data."""
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            raise Mismatch(f"{path}: expected {expected!r}, got {actual!r}")
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _assert_cube_data(a, e, delta, f"{path}[{i}]", nodata)
        return
    if _is_number(expected) and expected in nodata and (actual is None or _is_nan(actual)):
        return
    if isinstance(expected, bool) and _is_number(actual) and actual in (0, 1):
        actual = bool(actual)
    assert_matches(actual, expected, delta, path=path, in_array=True)


def _nodata_values(doc: dict[str, Any]) -> tuple[Any, ...]:
    nodata = doc.get("nodata")
    values = nodata if isinstance(nodata, list) else [nodata]
    return tuple(v for v in values if _is_number(v) and not _is_nan(v))


# --------------------------------------------------------------------------- verdicts


def check_example(example: Example) -> None:
    """Run one example and raise ``AssertionError`` unless it behaves as specified."""
    expected = decode_expected(example.returns) if example.has_returns else None
    try:
        actual = run_example(example)
    except OpenEOError as error:
        if example.throws is None:
            raise AssertionError(f"{example.id}: unexpected {error!r}") from error
        if example.throws is not True and error.code != example.throws:
            raise AssertionError(
                f"{example.id}: expected exception {example.throws}, got {error!r}"
            ) from error
        return
    if not example.has_returns:
        raise AssertionError(f"{example.id}: expected exception {example.throws}, got {actual!r}")
    try:
        assert_matches(actual, expected, example.delta)
    except Mismatch as mismatch:
        raise AssertionError(f"{example.id}: {mismatch}") from None


# --------------------------------------------------------------------------- vectorised

#: Element-wise processes and the parameters that may be arrays (vectorised operands).
ELEMENTWISE: dict[str, tuple[str, ...]] = {
    **{
        pid: ("x",)
        for pid in (
            "absolute arccos arcosh arcsin arctan arsinh artanh ceil cos cosh floor int ln "
            "sgn sin sinh sqrt tan tanh clip linear_scale_range round is_nan is_infinite "
            "is_nodata is_valid not between date_between"
        ).split()
    },
    **{
        pid: ("x", "y")
        for pid in "add subtract multiply divide mod arctan2 normalized_difference eq neq "
        "gt gte lt lte and or xor".split()
    },
    "exp": ("p",),
    "power": ("base", "p"),
    "log": ("x", "base"),
    "if": ("value",),
    "text_begins": ("data",),
    "text_ends": ("data",),
    "text_contains": ("data",),
    "text_find": ("data",),
    "date_shift": ("date",),
    "date_difference": ("date1", "date2"),
}

#: Array layouts the vectorised examples run in: a 1-element numpy array, a 2x3
#: in-memory DataArray, and a 2x3 dask-backed DataArray (which must stay lazy).
LAYOUTS = ("numpy-1", "xarray-2x3", "dask-2x3")

_TEXT_LIKE = ("text_", "date_")


def _is_scalar_json(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def vectorisable_examples() -> Iterator[Example]:
    """Examples of element-wise processes whose array operands are all scalars.

    Excluded: examples whose result depends on telling NaN from null in an operand,
    because inside arrays NaN *is* the no-data value (e.g. ``eq(NaN, 5)`` is false, but
    ``eq`` of a no-data element is no-data; ``is_nan(null)`` is false, but a no-data
    element of a float array is NaN).
    """
    for example in runnable_examples(sorted(set(ELEMENTWISE) & set(REGISTRY.impls))):
        names = ELEMENTWISE[example.process_id]
        values = [decode_argument(example.arguments.get(n)) for n in names]
        if not all(_is_scalar_json(v) for v in values) or not example.has_returns:
            continue
        expected = decode_expected(example.returns)
        if isinstance(expected, (list, dict, ExpectedLabeledArray)):
            continue
        nan_or_null = [v is None or _is_nan(v) for v in values]
        if any(nan_or_null) and not (expected is None or _is_nan(expected)):
            if any(_is_nan(v) for v in values) or example.process_id in ("is_nan",):
                continue
        yield example


def _array_of(value: Any, shape: tuple[int, ...], text_like: bool) -> np.ndarray:
    if value is None:
        return np.full(shape, None, dtype=object) if text_like else np.full(shape, np.nan)
    if isinstance(value, str):
        return np.full(shape, value, dtype=object)
    if isinstance(value, bool):
        return np.full(shape, value, dtype=bool)
    if isinstance(value, int) and abs(value) < 2**53:
        return np.full(shape, value, dtype=np.int64)
    return np.full(shape, float(value))


def vectorised_arguments(example: Example, layout: str) -> dict[str, Any]:
    """The example's arguments with its element-wise operands turned into arrays."""
    kwargs = call_arguments(example)
    names = ELEMENTWISE[example.process_id]
    text_like = example.process_id.startswith(_TEXT_LIKE) or any(
        isinstance(kwargs.get(n), str) for n in names
    )
    shape = (1,) if layout == "numpy-1" else (2, 3)
    for name in names:
        if name not in kwargs:
            continue
        array = _array_of(kwargs[name], shape, text_like)
        if layout == "dask-2x3":
            import dask.array as da

            kwargs[name] = xr.DataArray(da.from_array(array, chunks=(1, 2)), dims=("y", "x"))
        elif layout == "xarray-2x3":
            kwargs[name] = xr.DataArray(array, dims=("y", "x"))
        else:
            kwargs[name] = array
    return kwargs


def check_vectorised_example(example: Example, layout: str) -> None:
    """Run an element-wise example on arrays: every element must equal the result."""
    kwargs = vectorised_arguments(example, layout)
    impl = REGISTRY.impls[example.process_id]
    if impl.takes_env:
        kwargs["env"] = test_env()
    result = impl.func(**kwargs)
    if layout == "dask-2x3":
        if not isinstance(result, xr.DataArray):
            raise AssertionError(f"{example.id}: expected a DataArray, got {result!r}")
        if result.chunks is None:
            raise AssertionError(f"{example.id}: the result was computed eagerly")
        result = result.compute()
    values = np.asarray(result.values if isinstance(result, xr.DataArray) else result)
    expected_shape = (1,) if layout == "numpy-1" else (2, 3)
    if layout == "xarray-2x3" and not isinstance(result, xr.DataArray):
        raise AssertionError(f"{example.id}: expected a DataArray, got {result!r}")
    if values.shape != expected_shape:
        raise AssertionError(f"{example.id}: result shape {values.shape} != {expected_shape}")
    expected = decode_expected(example.returns)
    for element in values.ravel():
        actual = normalize_actual(element)
        if isinstance(expected, bool) and _is_number(actual) and actual in (0, 1):
            actual = bool(actual)  # lazy booleans with no-data are float 1/0/NaN
        try:
            assert_matches(actual, expected, example.delta, in_array=True)
        except Mismatch as mismatch:
            raise AssertionError(f"{example.id} ({layout}): {mismatch}") from None


def vectorised_groups() -> Iterator[tuple[str, list[Example]]]:
    """Vectorisable examples of a process sharing their other arguments, in groups:
    run together, each element of one array must give its own example's result."""
    groups: dict[tuple[str, str], list[Example]] = {}
    for example in vectorisable_examples():
        names = ELEMENTWISE[example.process_id]
        others = {k: v for k, v in example.arguments.items() if k not in names}
        key = (example.process_id, json.dumps(others, sort_keys=True, default=str))
        groups.setdefault(key, []).append(example)
    for (process_id, _), examples in sorted(groups.items()):
        if len(examples) > 1:
            yield process_id, examples


def _array_of_values(values: list[Any], text_like: bool) -> np.ndarray:
    """One array of mixed example values, typed as our arrays are from JSON."""
    present = [v for v in values if v is not None]
    if present and all(_is_number(v) for v in present) and not text_like:
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return np.array(values, dtype=bool)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def check_vectorised_group(process_id: str, examples: list[Example]) -> None:
    """Run a group of examples as one array per element-wise parameter."""
    names = ELEMENTWISE[process_id]
    calls = [call_arguments(e) for e in examples]
    kwargs = dict(calls[0])
    text_like = process_id.startswith(_TEXT_LIKE)
    for name in names:
        if name in kwargs:
            kwargs[name] = _array_of_values([c[name] for c in calls], text_like)
    impl = REGISTRY.impls[process_id]
    if impl.takes_env:
        kwargs["env"] = test_env()
    result = np.asarray(impl.func(**kwargs))
    if result.shape != (len(examples),):
        raise AssertionError(f"{process_id}: result shape {result.shape}, not ({len(examples)},)")
    for example, element in zip(examples, result, strict=True):
        expected = decode_expected(example.returns)
        actual = normalize_actual(element)
        if isinstance(expected, bool) and _is_number(actual) and actual in (0, 1):
            actual = bool(actual)
        try:
            assert_matches(actual, expected, example.delta, in_array=True)
        except Mismatch as mismatch:
            raise AssertionError(f"{example.id} (in a group): {mismatch}") from None


# --------------------------------------------------------------------------- HTTP API


class _NotJson(Exception):
    pass


def _plain_json(value: Any) -> Any:
    """An example argument as strict JSON (null for no-data), or ``_NotJson``."""
    if isinstance(value, dict) and "process_graph" in value:
        return _strict(_fix_parameter_references(value))
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    if not isinstance(value, dict):
        return _strict(value)
    kind = value.get("type")
    if kind == "nodata":
        return None
    if kind == "datetime":
        return value["value"]
    if kind in ("labeled-array", "datacube") or "$ref" in value:
        raise _NotJson  # no JSON form in a process graph
    return {k: _plain_json(v) for k, v in value.items()}


def _strict(value: Any) -> Any:
    """``value`` unchanged if it is strict JSON (no NaN or infinities), else ``_NotJson``."""
    if isinstance(value, float) and not math.isfinite(value):
        raise _NotJson
    if isinstance(value, list):
        for v in value:
            _strict(v)
    elif isinstance(value, dict):
        for v in value.values():
            _strict(v)
    return value


def example_process_graph(example: Example) -> dict[str, Any] | None:
    """The example as a one-node openEO process (for ``POST /result``), or None when
    its arguments have no strict-JSON form (NaN, infinities, labeled arrays, cubes)."""
    try:
        arguments = {name: _plain_json(v) for name, v in example.arguments.items()}
    except _NotJson:
        return None
    node = {"process_id": example.process_id, "arguments": arguments, "result": True}
    return {"process_graph": {"node": node}}


def api_examples(process_ids: list[str] | None = None) -> Iterator[tuple[Example, dict[str, Any]]]:
    """Runnable examples that can be sent through the HTTP API, with their process."""
    for example in runnable_examples(process_ids):
        process = example_process_graph(example)
        if process is not None:
            yield example, process
