"""Reducers, statistics and cumulative processes: 1-D semantics, independent
reference values, and vectorised results equal to row-by-row ones."""

from __future__ import annotations

import math
import statistics
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings

from tests.processes.test_arrays import A, assert_rows_match, cube, lazy, same, values_of
from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processes.reducers.cumulative import cummax, cummin, cumproduct, cumsum
from xcube_openeo.processes.reducers.logical import all_, any_
from xcube_openeo.processes.reducers.statistics import (
    extrema,
    max_,
    mean,
    median,
    min_,
    product,
    quantiles,
    sd,
    sum_,
    variance,
)

NUMERIC_REDUCERS = [max_, min_, sum_, product, mean, median, sd, variance]


def object_array(values: list[Any]) -> ArrayValue:
    """A JSON-like array that keeps NaN (a value) apart from None (no-data)."""
    data = np.empty(len(values), dtype=object)
    data[:] = values
    return ArrayValue(xr.DataArray(data, dims=["_array"]))


# ----------------------------------------------------------------- 1-D semantics


def test_reducers_against_python_statistics():
    values = [4.0, -1.5, 2.25, 10.0, 3.0]
    data = A([*values[:2], None, *values[2:]])
    assert max_(data) == max(values)
    assert min_(data) == min(values)
    assert sum_(data) == pytest.approx(sum(values))
    assert product(data) == pytest.approx(math.prod(values))
    assert mean(data) == pytest.approx(statistics.mean(values))
    assert median(data) == pytest.approx(statistics.median(values))
    assert sd(data) == pytest.approx(statistics.stdev(values))
    assert variance(data) == pytest.approx(statistics.variance(values))


@pytest.mark.parametrize("reducer", NUMERIC_REDUCERS)
def test_nodata_rules(reducer):
    assert reducer(A([])) is None
    assert reducer(A([None, None])) is None
    assert reducer(A([1, None, 3]), ignore_nodata=False) is None


def test_integer_sums_and_products_are_exact():
    assert product(A([10**10, 10**10])) == 10**20  # beyond int64
    assert sum_(A([2**62, 2**62])) == 2**63


def test_integers_stay_integers():
    assert max_(A([1, 0, 3, 2])) == 3 and isinstance(max_(A([1, 0, 3, 2])), int)
    assert sum_(A([5, 1])) == 6 and isinstance(sum_(A([5, 1])), int)


def test_nan_in_object_data_is_a_value_not_nodata():
    data = object_array([float("nan"), 1, None, 3])
    for reducer in NUMERIC_REDUCERS:
        assert math.isnan(reducer(data)), reducer.__name__
    assert max_(object_array([None, 2, 5])) == 5
    assert values_of(quantiles(object_array([-1, float("nan"), 1]), 2))[0] is None  # NaN


def test_infinities():
    assert mean(A([-math.inf, 3, 5])) == -math.inf
    assert math.isnan(mean(A([-math.inf, 3, math.inf])))
    assert median(A([-math.inf, 3, 3, 5, math.inf])) == 3
    assert math.isnan(sd(A([-1, 0, math.inf])))
    assert math.isnan(sum_(A([1, -math.inf, math.inf])))


def test_extrema():
    assert values_of(extrema(A([5, 2.5, None, -0.7]))) == [-0.7, 5]
    assert values_of(extrema(A([]))) == [None, None]
    assert values_of(extrema(A([1, None]), ignore_nodata=False)) == [None, None]


def test_quantiles_type_7():
    data = A([2, 4, 4, 4, 5, 5, 7, 9])
    probabilities = [0.005, 0.1, 0.5, 0.9, 1]
    expected = np.quantile([2, 4, 4, 4, 5, 5, 7, 9], probabilities).tolist()  # type 7
    assert same(values_of(quantiles(data, A(probabilities))), expected)
    assert values_of(quantiles(data, 4)) == [4, 4.5, 5.5]
    assert values_of(quantiles(data, q=4)) == [4, 4.5, 5.5]
    assert values_of(quantiles(A([]), A([0.1, 0.5]))) == [None, None]
    with_inf = quantiles(A([1.5, -math.inf, 5.75, -1.25]), A([0, 0.25, 0.5]))
    assert values_of(with_inf) == [-math.inf, -math.inf, 0.125]


def test_quantiles_errors():
    codes = []
    for kwargs in ({}, {"probabilities": 2, "q": 2}, {"probabilities": A([0.5, 0.1])}):
        with pytest.raises(OpenEOError) as info:
            quantiles(A([1, 2]), **kwargs)
        codes.append(info.value.code)
    assert codes == [
        "QuantilesParameterMissing",
        "QuantilesParameterConflict",
        "AscendingProbabilitiesRequired",
    ]
    with pytest.raises(OpenEOError):
        quantiles(A([1, 2]), A([1.5]))


def test_non_numbers_are_rejected():
    with pytest.raises(OpenEOError) as info:
        mean(A(["a", "b"]))
    assert info.value.code == "ProcessParameterInvalid"


def test_all_any_truth_tables():
    assert all_(A([True, None])) is True and all_(A([False, None])) is False
    assert all_(A([True, None]), ignore_nodata=False) is None
    assert all_(A([False, None]), ignore_nodata=False) is False
    assert all_(A([None, None]), ignore_nodata=False) is None
    assert all_(A([])) is True
    assert any_(A([False, None]), ignore_nodata=False) is None
    assert any_(A([True, None]), ignore_nodata=False) is True
    assert any_(A([])) is False


def test_cumulative_1d():
    assert values_of(cumsum(A([1, 3, None, 3, 1]))) == [1, 4, None, 7, 8]
    assert values_of(cumsum(A([1, 3, None, 3, 1]), False)) == [1, 4, None, None, None]
    assert values_of(cumproduct(A([1, 2, 3, None, 3]))) == [1, 2, 6, None, 18]
    assert values_of(cummax(A([1, 3, None, 5, 1]))) == [1, 3, None, 5, 5]
    assert values_of(cummin(A([5, 3, None, 1, 5]), False)) == [5, 3, None, None, None]
    assert values_of(cumsum(A([1, 2, 3]))) == [1, 3, 6]


def test_cumulative_keeps_labels():
    arr = ArrayValue.from_list([1, 2], labels=["a", "b"])
    assert cumsum(arr).labels == ["a", "b"]


# ----------------------------------------------------------------- vectorised


@pytest.mark.parametrize("reducer", NUMERIC_REDUCERS)
@pytest.mark.parametrize("ignore_nodata", [True, False])
@pytest.mark.parametrize("chunked", [False, True])
def test_numeric_reducers_vectorised(reducer, ignore_nodata, chunked):
    arr = cube(chunked=chunked)
    result = lazy(lambda: reducer(arr, ignore_nodata))
    assert result.dims == ("y",)
    assert (result.chunks is not None) == chunked
    assert_rows_match(result, arr, lambda r: reducer(r, ignore_nodata))


@pytest.mark.parametrize("process", [extrema, cumsum, cumproduct, cummax, cummin])
@pytest.mark.parametrize("ignore_nodata", [True, False])
def test_array_results_vectorised(process, ignore_nodata):
    arr = cube(chunked=True)
    result = lazy(lambda: process(arr, ignore_nodata))
    assert isinstance(result, ArrayValue) and result.data.chunks is not None
    assert_rows_match(result, arr, lambda r: process(r, ignore_nodata))


@pytest.mark.parametrize("ignore_nodata", [True, False])
def test_quantiles_vectorised(ignore_nodata):
    arr = cube(chunked=True)
    probabilities = A([0, 0.3, 0.5, 1])
    result = lazy(lambda: quantiles(arr, probabilities, ignore_nodata=ignore_nodata))
    assert result.size == 4 and result.data.chunks is not None
    assert_rows_match(result, arr, lambda r: quantiles(r, probabilities, None, ignore_nodata))


@pytest.mark.parametrize("reducer", [all_, any_])
@pytest.mark.parametrize("ignore_nodata", [True, False])
def test_logical_vectorised(reducer, ignore_nodata):
    rows = np.array([[1, np.nan, 1], [0, np.nan, 1], [np.nan, np.nan, np.nan], [1, 1, 1]])
    arr = cube(rows, chunked=True)
    result = lazy(lambda: reducer(arr, ignore_nodata))
    assert_rows_match(result, arr, lambda r: _as_float(reducer(r, ignore_nodata)))


def _as_float(value: bool | None) -> float | None:
    # Vectorised booleans with possible no-data come back as float 1/0/NaN.
    return None if value is None else float(value)


def test_logical_bool_data_stays_bool():
    arr = ArrayValue(xr.DataArray(np.array([[True, False], [True, True]]), dims=["y", "t"]), "t")
    assert all_(arr, ignore_nodata=False).values.tolist() == [False, True]
    assert any_(arr).dtype == bool


def test_max_composite_matches_xarray():
    # The benchmark's reduction: our result equals xarray's nanmax.
    rng = np.random.default_rng(0)
    values = rng.random((6, 4, 5))
    values[values < 0.2] = np.nan
    da = xr.DataArray(values, dims=["t", "y", "x"]).chunk({"t": 2})
    result = max_(ArrayValue(da, "t"))
    xr.testing.assert_allclose(result.compute(), da.max("t").compute())


def test_one_dimensional_dask_data_stays_lazy():
    # A cube with only the reduced dimension: the result is a lazy 0-d DataArray.
    da = xr.DataArray(np.array([3.0, np.nan, 5.0]), dims=["t"]).chunk({"t": 2})
    arr = ArrayValue(da, "t")
    for reducer in (max_, mean, median, all_):
        result = lazy(lambda reducer=reducer: reducer(arr))
        assert isinstance(result, xr.DataArray) and result.ndim == 0
    assert float(max_(arr)) == 5.0 and float(median(arr)) == 4.0


def test_booleans_with_nodata_can_be_summed():
    # Booleans with no-data are object arrays; summing counts the trues.
    assert sum_(A([True, None, True, False])) == 2
    assert mean(A([True, False])) == 0.5


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        float,
        st.tuples(st.integers(1, 3), st.integers(0, 5)),
        elements=st.one_of(
            st.floats(-1e6, 1e6), st.just(np.nan), st.sampled_from([np.inf, -np.inf])
        ),
    ),
    st.booleans(),
)
def test_vectorised_equals_row_by_row(values, ignore_nodata):
    arr = cube(values)
    for reducer in [*NUMERIC_REDUCERS, all_, any_]:
        result = reducer(arr, ignore_nodata)
        per_row = reducer
        if reducer in (all_, any_):
            per_row = lambda r, i, f=reducer: _as_float(f(r, i))  # noqa: E731
        assert_rows_match(result, arr, lambda r, f=per_row: f(r, ignore_nodata))
    for process in (cumsum, cummax, extrema):
        assert_rows_match(
            process(arr, ignore_nodata), arr, lambda r, p=process: p(r, ignore_nodata)
        )
    probabilities = A([0, 0.25, 0.5, 1])
    assert_rows_match(
        quantiles(arr, probabilities, ignore_nodata=ignore_nodata),
        arr,
        lambda r: quantiles(r, probabilities, ignore_nodata=ignore_nodata),
    )


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, st.integers(1, 8), elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)))
)
def test_quantiles_match_numpy_type_7_on_finite_data(values):
    probabilities = [0, 0.1, 0.33, 0.5, 0.9, 1]
    result = values_of(
        quantiles(A([None if np.isnan(v) else v for v in values.tolist()]), A(probabilities))
    )
    valid = values[~np.isnan(values)]
    if valid.size == 0:
        assert result == [None] * len(probabilities)
    else:
        expected = np.quantile(valid, probabilities, method="linear").tolist()
        assert result == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ----------------------------------------------------------------- through the engine


def _node(pid: str, result: bool = False, **arguments: Any) -> dict[str, Any]:
    return {"process_id": pid, "arguments": arguments, **({"result": True} if result else {})}


def _run_on_cube(
    process_id: str, callback: dict[str, Any], **extra: Any
) -> tuple[xr.DataArray, xr.DataArray]:
    """``reduce_dimension``/``apply_dimension`` over time of B04 with no-data gaps:
    the result and the input values (no-data as NaN)."""
    from tests.fixtures import make_s2_cube
    from xcube_openeo.engine import EvalEnv, InMemoryCollections, evaluate_process

    raw = make_s2_cube(nx=8, ny=6)
    raw["B04"] = raw.B04.where(raw.B04 > 1500, 0)  # 0 is the band's no-data value
    env = EvalEnv(collections=InMemoryCollections({"S2": raw.chunk({"time": 2})}))
    load = _node("load_collection", id="S2", spatial_extent=None, temporal_extent=None)
    key = "reducer" if process_id == "reduce_dimension" else "process"
    graph = {
        "load": {**load, "arguments": {**load["arguments"], "bands": ["B04"]}},
        "run": _node(
            process_id, True, data={"from_node": "load"}, dimension="t",
            **{key: {"process_graph": callback}}, **extra,
        ),
    }  # fmt: skip
    # xcube computes the (small) grid coordinates once per dataset: a first evaluation
    # caches them, the second must not compute anything.
    evaluate_process({"process_graph": graph}, env)
    cube = lazy(lambda: evaluate_process({"process_graph": graph}, env)).data
    expected_input = raw.B04.where(raw.B04 != 0) * 0.0001
    return cube.transpose("bands", "t", "y", "x", missing_dims="ignore"), expected_input


def test_reducer_callbacks_through_the_engine():
    data = {"from_parameter": "data"}
    first_valid, values = _run_on_cube("reduce_dimension", {"f": _node("first", True, data=data)})
    expected = _first_valid_numpy(values)
    np.testing.assert_allclose(first_valid.squeeze("bands").values, expected, rtol=1e-6)
    upper_quartile, values = _run_on_cube(
        "reduce_dimension",
        {
            "q": _node("quantiles", data=data, probabilities=[0.25, 0.75]),
            "e": _node("array_element", True, data={"from_node": "q"}, index=1),
        },
    )
    np.testing.assert_allclose(
        upper_quartile.squeeze("bands").values,
        values.quantile(0.75, "time").values,
        rtol=1e-6,
    )


def test_array_callbacks_through_the_engine():
    data = {"from_parameter": "data"}
    sorted_, values = _run_on_cube(
        "apply_dimension", {"s": _node("sort", True, data=data, asc=False, nodata=True)}
    )
    expected = -np.sort(-values.values, axis=0)  # NaN (no-data) last
    np.testing.assert_allclose(sorted_.squeeze("bands").values, expected, rtol=1e-6)


def _first_valid_numpy(values: xr.DataArray) -> np.ndarray:
    array = values.values
    valid = ~np.isnan(array)
    index = np.where(valid.any(axis=0), valid.argmax(axis=0), 0)
    first = np.take_along_axis(array, index[np.newaxis], axis=0)[0]
    return np.where(valid.any(axis=0), first, np.nan)
