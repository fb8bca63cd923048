"""Array processes: 1-D semantics, and vectorised results equal to row-by-row ones.

Vectorised tests use 2-D data (``y`` rows, array dimension ``t``), numpy- and
dask-backed, and compare with calling the process on each row as a 1-D array.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import dask
import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processes.arrays.access import (
    array_contains,
    array_element,
    array_find,
    array_find_label,
    array_labels,
    first,
    last,
)
from xcube_openeo.processes.arrays.build import (
    array_append,
    array_concat,
    array_create,
    array_create_labeled,
    array_modify,
)
from xcube_openeo.processes.arrays.callbacks import array_apply, array_filter, count
from xcube_openeo.processes.arrays.interpolate import array_interpolate_linear
from xcube_openeo.processes.arrays.ordering import order, rearrange, sort

A = ArrayValue.from_list


def labeled(pairs: dict[Any, Any]) -> ArrayValue:
    return ArrayValue.from_list(list(pairs.values()), labels=list(pairs))


def values_of(result: Any) -> list[Any]:
    assert isinstance(result, ArrayValue)
    return result.to_list()


def same(a: Any, b: Any) -> bool:
    """Equality with NaN == NaN and None == NaN (no-data in float arrays)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    missing = (None,)
    if a in missing or (isinstance(a, float) and math.isnan(a)):
        return b in missing or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-12)
    return a == b


# ----------------------------------------------------------------- 2-D fixtures

ROWS = np.array(
    [
        [3.0, np.nan, 1.0, 7.0, np.nan, 2.0],
        [np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
        [5.0, 5.0, -1.0, np.inf, 0.0, -np.inf],
        [np.nan, 4.0, 4.0, np.nan, 8.0, np.nan],
    ]
)


def cube(values: np.ndarray = ROWS, chunked: bool = False, labels: bool = False) -> ArrayValue:
    data = dsa.from_array(values, chunks=(2, 3)) if chunked else values
    da = xr.DataArray(data, dims=["y", "t"])
    if labels:
        da = da.assign_coords(t=np.array([f"L{i}" for i in range(values.shape[1])], dtype=object))
    return ArrayValue(da, "t", labels)


def row(arr: ArrayValue, i: int) -> ArrayValue:
    return ArrayValue(arr.data.isel(y=i).compute(), arr.dim, arr.labeled)


def assert_rows_match(vectorised: Any, arr: ArrayValue, per_row: Any) -> None:
    """Each row of a vectorised result equals the process applied to that row."""
    for i in range(arr.data.sizes["y"]):
        expected = per_row(row(arr, i))
        if isinstance(vectorised, ArrayValue):
            got = vectorised.data.transpose("y", vectorised.dim).isel(y=i).values.tolist()
            assert same(got, values_of(expected)), f"row {i}: {got} != {values_of(expected)}"
        else:
            got = vectorised.isel(y=i).values.item()
            assert same(got, expected), f"row {i}: {got} != {expected}"


def lazy(build):
    """Run ``build`` with a dask scheduler that fails on any computation."""

    def refuse(*args, **kwargs):
        raise AssertionError("computed dask data while building the result")

    with dask.config.set(scheduler=refuse):
        return build()


# ----------------------------------------------------------------- creating arrays


def test_array_create_repeats_and_defaults_to_empty():
    assert values_of(array_create()) == []
    assert values_of(array_create(A([1, 2]), 3)) == [1, 2, 1, 2, 1, 2]
    with pytest.raises(OpenEOError) as info:
        array_create(A([1]), 0)
    assert info.value.code == "ProcessParameterInvalid"


def test_array_create_stacks_per_pixel_values():
    ndvi = xr.DataArray([[0.1, 0.2]], dims=["y", "x"])
    result = array_create([ndvi, 5, None])
    assert result.is_vectorised and result.size == 3
    assert result.data.isel(y=0, x=1).values.tolist()[:2] == [0.2, 5.0]
    assert math.isnan(result.data.isel(y=0, x=1).values[2])


def test_array_create_labeled():
    result = array_create_labeled(A([True, False]), A([1, "2"]))
    assert result.labeled and result.labels == [1, "2"] and values_of(result) == [True, False]
    with pytest.raises(OpenEOError) as info:
        array_create_labeled(A([1]), A([1, 2]))
    assert info.value.code == "ArrayLengthMismatch"


def test_array_create_labeled_vectorised_labels_the_array_dim():
    result = array_create_labeled(cube(), A(list("abcdef")))
    assert result.labeled and result.labels == list("abcdef")
    assert same(array_element(result, label="d").values.tolist(), ROWS[:, 3].tolist())


def test_array_append_labels_and_errors():
    arr = labeled({"B01": 1.5})
    assert array_append(arr, 2.5).labels == ["B01", 1]
    assert array_append(arr, 2.5, "B02").labels == ["B01", "B02"]
    with pytest.raises(OpenEOError) as info:
        array_append(arr, 3, "B01")
    assert info.value.code == "LabelExists"
    with pytest.raises(OpenEOError) as info:
        array_append(A([1]), 3, "x")
    assert info.value.code == "ArrayNotLabeled"
    assert values_of(array_append(A([True]), None)) == [True, None]


@pytest.mark.parametrize("chunked", [False, True])
def test_array_append_vectorised(chunked):
    arr = cube(chunked=chunked)
    per_pixel = xr.DataArray(np.arange(4.0), dims=["y"])
    result = lazy(lambda: array_append(arr, per_pixel))
    assert result.size == 7
    assert result.data.isel(t=-1).values.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert_rows_match(array_append(arr, 9), arr, lambda r: array_append(r, 9))


def test_array_concat_labels():
    a, b = labeled({"B01": 1, "B02": 2}), labeled({"B03": 3})
    assert array_concat(a, b).labels == ["B01", "B02", "B03"]
    assert not array_concat(A([0]), b).labeled
    with pytest.raises(OpenEOError) as info:
        array_concat(a, labeled({"B02": 5}))
    assert info.value.code == "ArrayLabelConflict"


def test_array_concat_vectorised_with_plain_array():
    arr = cube(chunked=True)
    result = lazy(lambda: array_concat(arr, A([10, 20])))
    assert result.size == 8 and set(result.data.dims) == {"y", "t"}
    assert_rows_match(result, arr, lambda r: array_concat(r, A([10, 20])))


def test_array_modify():
    assert values_of(array_modify(A(["a", "d", "c"]), A(["b"]), 1, 1)) == ["a", "b", "c"]
    assert values_of(array_modify(A(["a", "c"]), A(["b"]), 1)) == ["a", "b", "c"]
    assert values_of(array_modify(A(["a", "b", "c"]), A([]), 1, 10)) == ["a"]
    with pytest.raises(OpenEOError) as info:
        array_modify(A([1]), A([2]), 2)
    assert info.value.code == "ArrayElementNotAvailable"


def test_array_modify_labels():
    arr = labeled({"a": 1, "b": 2, "c": 3})
    assert array_modify(arr, labeled({"x": 9}), 1, 1).labels == ["a", "x", "c"]
    assert array_modify(arr, labeled({"b": 9}), 1, 1).labels == ["a", "b", "c"]
    with pytest.raises(OpenEOError) as info:
        array_modify(arr, labeled({"c": 9}), 0)
    assert info.value.code == "ArrayLabelConflict"
    assert not array_modify(arr, A([9]), 0).labeled


def test_array_modify_vectorised():
    arr = cube()
    result = array_modify(arr, A([0.5, 0.25]), 2, 3)
    assert_rows_match(result, arr, lambda r: array_modify(r, A([0.5, 0.25]), 2, 3))


# ----------------------------------------------------------------- looking into arrays


def test_array_element():
    assert array_element(A([9, 8, 7]), index=2) == 7
    assert array_element(labeled({1: "x", 2: "y"}), label=2) == "y"
    assert array_element(A([1]), index=3, return_nodata=True) is None
    codes = []
    for kwargs in ({}, {"index": 0, "label": 0}, {"label": "a"}, {"index": -1}):
        with pytest.raises(OpenEOError) as info:
            array_element(A([1]), **kwargs)
        codes.append(info.value.code)
    assert codes == [
        "ArrayElementParameterMissing",
        "ArrayElementParameterConflict",
        "ArrayNotLabeled",
        "ArrayElementNotAvailable",
    ]


def test_array_element_label_types_are_strict():
    arr = labeled({1: "one", "1": "string one"})
    assert array_element(arr, label="1") == "string one"
    assert array_element(arr, label=1) == "one"


def test_array_element_vectorised():
    arr = cube(chunked=True, labels=True)
    by_label = lazy(lambda: array_element(arr, label="L3"))
    assert by_label.dims == ("y",)
    assert same(by_label.values.tolist(), ROWS[:, 3].tolist())
    missing = array_element(arr, index=10, return_nodata=True)
    assert missing.dims == ("y",) and bool(missing.isnull().all())


def test_array_element_temporal_labels():
    times = np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[ns]")
    arr = ArrayValue(xr.DataArray([1.0, 2.0], dims=["t"], coords={"t": times}), "t", True)
    assert array_element(arr, label="2020-01-02T00:00:00Z") == 2.0
    assert array_labels(arr).to_list() == ["2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z"]


def test_array_labels():
    assert values_of(array_labels(A([5, 6, 7]))) == [0, 1, 2]
    assert values_of(array_labels(labeled({"B1": 0, "B2": 1}))) == ["B1", "B2"]


def test_array_find_and_contains_compare_strictly():
    data = A([1, "1", True, 2, 1])
    assert array_find(data, 1) == 0
    assert array_find(data, 1, reverse=True) == 4
    assert array_find(data, "1") == 1
    assert array_find(data, True) == 2
    assert array_find(A([1, 2]), 1.0) == 0
    assert array_find(A([1, 2]), None) is None
    assert array_find(A([1, 2]), [1]) is None
    assert array_contains(A([1, 2]), "2") is False
    assert array_contains(A([False]), 0) is False
    assert array_contains(A(["a", None]), None) is False


@pytest.mark.parametrize("reverse", [False, True])
def test_array_find_vectorised(reverse):
    arr = cube(chunked=True)
    result = lazy(lambda: array_find(arr, 4.0, reverse=reverse))
    assert_rows_match(result, arr, lambda r: array_find(r, 4.0, reverse=reverse))
    contains = array_contains(arr, 5)
    assert contains.values.tolist() == [False, False, True, False]


def test_array_find_label():
    assert array_find_label(A([1, 2]), 0) is None
    assert array_find_label(labeled({"a": 1, "b": 2}), "b") == 1
    assert array_find_label(labeled({2: 1, 3: 2}), "3") is None


@pytest.mark.parametrize("process", [first, last])
@pytest.mark.parametrize("ignore_nodata", [True, False])
@pytest.mark.parametrize("chunked", [False, True])
def test_first_last_vectorised(process, ignore_nodata, chunked):
    arr = cube(chunked=chunked)
    result = lazy(lambda: process(arr, ignore_nodata))
    assert result.dims == ("y",)
    assert_rows_match(result, arr, lambda r: process(r, ignore_nodata))


def test_first_last_1d():
    assert first(A([None, "A", "B"])) == "A"
    assert last(A([None, "A", "B", None])) == "B"
    assert first(A([None, 2]), ignore_nodata=False) is None
    assert first(A([])) is None and last(A([None, None])) is None
    # In object data NaN is a value, not no-data.
    nan_first = ArrayValue(
        xr.DataArray(np.array([float("nan"), 1], dtype=object), dims=["_a"]), "_a"
    )
    assert math.isnan(first(nan_first))


# ----------------------------------------------------------------- sorting


def test_sort_and_order_1d():
    data = A([6, -1, 2, None, 7, 4, None, 8, 3, 9, 9])
    assert values_of(order(data)) == [1, 2, 8, 5, 0, 4, 7, 9, 10]
    assert values_of(order(data, asc=False, nodata=False)) == [3, 6, 9, 10, 7, 4, 0, 5, 8, 2, 1]
    assert values_of(sort(data, asc=False, nodata=True))[-3:] == [-1.0, None, None]
    assert values_of(sort(A(["b", "a", None, "c"]))) == ["a", "b", "c"]
    with pytest.raises(OpenEOError):
        sort(A([1, "a"]))


@pytest.mark.parametrize("asc", [True, False])
@pytest.mark.parametrize("nodata", [True, False])
def test_sort_order_vectorised(asc, nodata):
    arr = cube(chunked=True)
    sorted_ = lazy(lambda: sort(arr, asc, nodata))
    assert_rows_match(sorted_, arr, lambda r: sort(r, asc, nodata))
    ordered = lazy(lambda: order(arr, asc, nodata))
    assert_rows_match(ordered, arr, lambda r: order(r, asc, nodata))
    # rearrange with per-pixel permutations sorts, too
    assert_rows_match(rearrange(arr, ordered), arr, lambda r: sort(r, asc, nodata))


def test_sort_vectorised_refuses_dropping_nodata():
    with pytest.raises(OpenEOError) as info:
        sort(cube())
    assert info.value.code == "FeatureUnsupported"
    ints = ArrayValue(xr.DataArray(np.array([[3, 1, 2]]), dims=["y", "t"]), "t")
    assert sort(ints).data.values.tolist() == [[1, 2, 3]]  # integers hold no no-data


def test_rearrange():
    assert values_of(rearrange(A([5, 4, 3, 2]), A([1, 3]))) == [4, 2]
    result = rearrange(labeled({"a": 1, "b": 2}), A([1, 0]))
    assert result.labels == ["b", "a"]
    with pytest.raises(OpenEOError):
        rearrange(A([1]), A([1]))
    arr = cube(labels=True)
    assert rearrange(arr, A([5, 0])).labels == ["L5", "L0"]


# ----------------------------------------------------------------- interpolation


def test_array_interpolate_linear_1d():
    result = array_interpolate_linear(A([None, 1, None, 6, None, -8]))
    assert same(values_of(result), [None, 1, 3.5, 6, -1, -8])
    inf = array_interpolate_linear(A([-math.inf, None, 0.1, None, 0.2, None, math.inf]))
    assert same(values_of(inf), [-math.inf, -math.inf, 0.1, 0.15, 0.2, math.inf, math.inf])
    by_label = array_interpolate_linear(labeled({1: 1.0, 3: None, 4: 4.0}))
    assert by_label.labels == [1, 3, 4] and same(values_of(by_label), [1.0, 3.0, 4.0])


def test_array_interpolate_linear_temporal_labels():
    times = np.array(["2020-01-01", "2020-01-02", "2020-01-05"], dtype="datetime64[ns]")
    da = xr.DataArray([0.0, np.nan, 4.0], dims=["t"], coords={"t": times})
    result = array_interpolate_linear(ArrayValue(da, "t", True))
    assert same(result.data.values.tolist(), [0.0, 1.0, 4.0])


def test_array_interpolate_linear_vectorised():
    arr = cube(chunked=True)
    result = lazy(lambda: array_interpolate_linear(arr))
    assert_rows_match(result, arr, array_interpolate_linear)


# ----------------------------------------------------------------- callbacks


def test_array_apply_passes_everything_at_once():
    calls = []

    def callback(x, index, label, context):
        calls.append(1)
        return x * 10 + index + context

    result = array_apply(labeled({"a": 1.0, "b": 2.0}), callback, 0.5)
    assert calls == [1]
    assert result.labels == ["a", "b"] and values_of(result) == [10.5, 21.5]


def test_array_apply_label_and_constant_results():
    arr = labeled({"B1": 1, "B2": 2})
    assert values_of(array_apply(arr, lambda x, index, label, context: label)) == ["B1", "B2"]
    assert values_of(array_apply(A([1, 2]), lambda **kw: 7)) == [7, 7]
    assert values_of(array_apply(A([1, 2]), lambda **kw: kw["label"])) == [None, None]


def test_array_apply_vectorised():
    arr = cube(chunked=True)
    result = lazy(lambda: array_apply(arr, lambda x, index, **kw: x + index))
    assert_rows_match(result, arr, lambda r: array_apply(r, lambda x, index, **kw: x + index))


def test_array_filter():
    arr = labeled({"B1": 1.0, "B2": 5.0, "B3": 3.0})
    result = array_filter(arr, lambda x, **kw: x > 2)
    assert result.labels == ["B2", "B3"] and values_of(result) == [5.0, 3.0]
    by_index = array_filter(A([1, 2, 3, 4]), lambda index, **kw: index <= 2)
    assert values_of(by_index) == [1, 2, 3]
    assert values_of(array_filter(A([]), lambda x, **kw: x > 1)) == []


def test_array_filter_vectorised():
    arr = cube(labels=True)
    by_label = array_filter(arr, lambda label, **kw: label != "L1")
    assert by_label.labels == ["L0", "L2", "L3", "L4", "L5"]
    with pytest.raises(OpenEOError) as info:
        array_filter(arr, lambda x, **kw: x > 2)
    assert info.value.code == "FeatureUnsupported"


def test_count():
    data = A([0, 1, 2, None, math.inf])
    assert count(data) == 3
    assert count(data, True) == 5
    assert count(A(["a", None, True])) == 2
    assert count(data, lambda x, context: x > context, 0) == 3
    assert count(A([])) == 0
    with pytest.raises(OpenEOError):
        count(data, False)


@pytest.mark.parametrize("condition", [None, True, "callback"])
def test_count_vectorised(condition):
    arr = cube(chunked=True)
    if condition == "callback":
        condition = lambda x, context: x > 2  # noqa: E731
    result = lazy(lambda: count(arr, condition))
    assert result.dims == ("y",)
    assert_rows_match(result, arr, lambda r: count(r, condition))


def test_concat_keeps_cube_dimension_order_and_handles_empty_parts():
    arr = cube()
    result = array_concat(arr, array_create())
    assert result.data.dims == ("y", "t") and result.size == arr.size
    empty = ArrayValue(xr.DataArray(np.zeros((0, 2)), dims=["t", "x"]), "t")
    assert array_concat(empty, A([1, 2])).data.sizes == {"t": 2, "x": 2}


def test_sort_compares_temporal_strings_as_instants():
    data = A(["2020-01-01T10:00:00+02:00", "2020-01-01T09:00:00Z", None])
    assert values_of(sort(data)) == ["2020-01-01T10:00:00+02:00", "2020-01-01T09:00:00Z"]
    assert values_of(order(data, nodata=False)) == [2, 0, 1]


def test_constant_callback_results_keep_their_type_and_laziness():
    assert values_of(array_apply(A([1.5, 2.5]), lambda **kw: True)) == [True, True]
    result = lazy(lambda: array_apply(cube(chunked=True), lambda **kw: 2))
    assert result.data.chunks is not None and result.data.dtype.kind == "i"


# ----------------------------------------------------------------- bad input

ARRAY_AND_REDUCER_PROCESSES = (
    "array_append array_apply array_concat array_contains array_create array_create_labeled "
    "array_element array_filter array_find array_find_label array_interpolate_linear "
    "array_labels array_modify first last order rearrange sort count all any extrema max "
    "mean median min product quantiles sd sum variance cummax cummin cumproduct cumsum"
).split()


def _index_callback(**kwargs: Any) -> Any:
    return kwargs.get("index", 1) > 0


ODD_VALUES = [
    None, 1, -1, 2.5, "a", True, [], [1, 2], {"a": 1}, 10**20, _index_callback,
    A([]), A([1, None, 3]), A(["a", 1, None]), A([True, None]), A([[1], [2]]),
    labeled({"a": 1.0, "b": 2.0}), cube(),
]  # fmt: skip
GOOD_ARGUMENTS = {
    "data": A([3, 1, 2]), "value": 1, "index": 0, "values": A([9]), "array1": A([1]),
    "array2": A([2]), "labels": A(["a", "b", "c"]), "process": _index_callback,
    "condition": _index_callback, "order": A([2, 1, 0]), "probabilities": A([0.5]),
    "q": None, "repeat": 1, "length": 1,
}  # fmt: skip


@pytest.mark.parametrize("process_id", ARRAY_AND_REDUCER_PROCESSES)
def test_bad_input_gives_openeo_errors(process_id):
    """Each parameter in turn gets odd values: a result or an OpenEOError, nothing else."""
    from xcube_openeo.processes import REGISTRY

    func = REGISTRY.impls[process_id].func
    params = inspect.signature(func).parameters.values()
    base = {
        p.name: GOOD_ARGUMENTS.get(p.name, None if p.default is p.empty else p.default)
        for p in params
    }
    for param in params:
        for value in ODD_VALUES:
            try:
                func(**{**base, param.name: value})
            except OpenEOError:
                pass
