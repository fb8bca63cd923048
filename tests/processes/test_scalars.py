"""Tests of the scalar processes (math, comparison, logic, text, dates) beyond the
official examples: vectorised semantics, laziness, data types, errors, and the
conformance harness's own comparison logic."""

from __future__ import annotations

import datetime
import math
from typing import Any

import dask.array as da
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processes import REGISTRY
from xcube_openeo.processes.math.elementwise import is_tri_state

try:  # tests/processes may or may not be a package
    from . import conformance
except ImportError:
    import conformance


def call(process_id: str, **kwargs: Any) -> Any:
    return REGISTRY.impls[process_id].func(**kwargs)


def lazy(values: list[Any], dtype: Any = float) -> xr.DataArray:
    return xr.DataArray(da.from_array(np.array(values, dtype=dtype), chunks=1), dims="x")


def as_list(result: Any) -> list[Any]:
    """Array elements as Python values, NaN as None."""
    if isinstance(result, xr.DataArray):
        result = result.values
    return [conformance.normalize_actual(v) for v in np.asarray(result).ravel()]


def nan_to_none(values: list[Any]) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


# --------------------------------------------------------------------------- laziness


def _exploding(shape: tuple[int, ...] = (4, 4)) -> xr.DataArray:
    """A dask-backed DataArray that raises if anything computes it."""

    def boom(block: np.ndarray) -> np.ndarray:
        raise AssertionError("computed eagerly")

    data = da.map_blocks(boom, da.ones(shape, chunks=2), dtype=float)
    return xr.DataArray(data, dims=("y", "x"))


UNARY_NUMERIC = (
    "absolute arccos arcosh arcsin arctan arsinh artanh ceil cos cosh floor int ln sgn "
    "sin sinh sqrt tan tanh is_nan is_infinite is_nodata is_valid not"
).split()
BINARY = "add subtract multiply divide mod arctan2 normalized_difference eq neq gt gte lt lte and or xor".split()


@pytest.mark.parametrize("process_id", UNARY_NUMERIC)
def test_unary_processes_stay_lazy(process_id: str) -> None:
    result = call(process_id, x=_exploding())
    assert isinstance(result, xr.DataArray) and result.chunks is not None


@pytest.mark.parametrize("process_id", BINARY)
def test_binary_processes_stay_lazy(process_id: str) -> None:
    result = call(process_id, x=_exploding(), y=_exploding())
    assert isinstance(result, xr.DataArray) and result.chunks is not None


@pytest.mark.parametrize(
    ("process_id", "kwargs"),
    [
        ("exp", {"p": "cube"}),
        ("power", {"base": "cube", "p": 0.5}),
        ("log", {"x": "cube", "base": 3}),
        ("round", {"x": "cube", "p": -1}),
        ("clip", {"x": "cube", "min": 0, "max": 1}),
        ("linear_scale_range", {"x": "cube", "inputMin": 0, "inputMax": 2}),
        ("between", {"x": "cube", "min": 0, "max": 1}),
        ("if", {"value": "cube", "accept": "cube", "reject": 0}),
        ("add", {"x": "cube", "y": None}),
        ("eq", {"x": "cube", "y": None}),
    ],
)
def test_other_processes_stay_lazy(process_id: str, kwargs: dict[str, Any]) -> None:
    cube = _exploding()
    args = {k: cube if v == "cube" else v for k, v in kwargs.items()}
    result = call(process_id, **args)
    assert isinstance(result, xr.DataArray) and result.chunks is not None


# --------------------------------------------------------------------------- data types


def test_integer_data_stays_integer() -> None:
    ints = xr.DataArray(np.array([-7, 0, 9], dtype=np.int16), dims="x")
    for process_id, kwargs in [
        ("add", {"x": ints, "y": 1}),
        ("multiply", {"x": ints, "y": 2}),
        ("mod", {"x": ints, "y": 4}),
        ("power", {"base": ints, "p": 2}),
        ("absolute", {"x": ints}),
        ("ceil", {"x": ints}),
        ("floor", {"x": ints}),
        ("int", {"x": ints}),
        ("round", {"x": ints, "p": 0}),
        ("clip", {"x": ints, "min": -1, "max": 5}),
    ]:
        assert call(process_id, **kwargs).dtype.kind == "i", process_id
    assert call("divide", x=ints, y=2).dtype.kind == "f"  # arithmetic requires float


def test_integer_arithmetic_does_not_wrap_around() -> None:
    a = np.array([5, 60000], dtype=np.uint16)
    b = np.array([7, 60000], dtype=np.uint16)
    assert as_list(call("subtract", x=a, y=b)) == [-2, 0]
    assert as_list(call("add", x=a, y=b)) == [12, 120000]
    assert as_list(call("multiply", x=a, y=b)) == [35, 3_600_000_000]
    assert as_list(call("power", base=a, p=2)) == [25, 3_600_000_000]
    assert as_list(call("normalized_difference", x=b, y=a)) == [pytest.approx(1 / 6), 0.0]
    scaled = call("linear_scale_range", x=np.array([10], dtype=np.uint8), inputMin=100, inputMax=0)
    assert as_list(scaled) == [pytest.approx(0.9)]
    small = np.array([1, 200], dtype=np.uint8)
    assert as_list(call("add", x=small, y=1000)) == [1001, 1200]
    assert as_list(call("add", x=small, y=-1)) == [0, 199]
    assert as_list(call("clip", x=small, min=-5, max=1000)) == [1, 200]
    assert as_list(call("mod", x=small, y=1000)) == [1, 200]


def test_comparisons_of_integer_data_are_boolean() -> None:
    ints = xr.DataArray(np.array([1, 2, 3]), dims="x")
    result = call("gt", x=ints, y=2)
    assert result.dtype == bool and as_list(result) == [False, False, True]


def test_booleans_with_nodata_in_memory_are_objects() -> None:
    result = call("gt", x=np.array([1.0, np.nan, 3.0]), y=2)
    assert result.dtype == object and list(result) == [False, None, True]
    no_nan = call("gt", x=np.array([1.0, 3.0]), y=2)
    assert no_nan.dtype == bool and list(no_nan) == [False, True]


def test_booleans_with_nodata_of_large_in_memory_data_are_float_tri_state() -> None:
    values = np.zeros(200_000)
    values[0] = np.nan
    result = call("gt", x=xr.DataArray(values, dims="x"), y=-1)
    assert result.dtype.kind == "f" and math.isnan(float(result[0])) and float(result[1]) == 1.0


def test_booleans_with_nodata_when_lazy_are_float_tri_state() -> None:
    result = call("gt", x=lazy([1.0, np.nan, 3.0]), y=2)
    assert result.dtype == np.float32  # half the memory traffic of float64
    assert nan_to_none(as_list(result.compute())) == [0.0, None, 1.0]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [(7, 3, 1), (-7, 3, 2), (7, -3, -2), (-7, -3, -1), (7.5, -2, -0.5), (-0.5, 2, 1.5)],
)
def test_mod_has_the_sign_of_the_divisor(x: float, y: float, expected: float) -> None:
    assert call("mod", x=x, y=y) == pytest.approx(expected)
    vector = call("mod", x=np.array([x, x]), y=np.array([y, y]))
    assert list(vector) == pytest.approx([expected, expected])


def test_mod_and_divide_by_zero_in_arrays() -> None:
    x = lazy([2.0, -2.0, 0.0])
    for process_id in ("mod", "divide"):
        result = as_list(call(process_id, x=x, y=0).compute())
        assert result[:2] == [math.inf, -math.inf] and math.isnan(result[2])


def test_round_half_to_even_with_negative_precision() -> None:
    assert call("round", x=2.5) == 2 and call("round", x=3.5) == 4
    assert call("round", x=1250, p=-2) == 1200 and call("round", x=1350, p=-2) == 1400
    assert isinstance(call("round", x=1250, p=-2), int)
    vector = call("round", x=xr.DataArray([2.5, 3.5, 1250.0, -0.45], dims="x"), p=0)
    assert as_list(vector) == [2.0, 4.0, 1250.0, -0.0]
    assert as_list(call("round", x=np.array([1250, 1350, 1251]), p=-2)) == [1200, 1400, 1300]


def test_int_truncates_towards_zero() -> None:
    assert [call("int", x=v) for v in (-3.7, -0.2, 0.2, 3.7)] == [-3, 0, 0, 3]
    assert as_list(call("int", x=np.array([-3.7, 3.7]))) == [-3.0, 3.0]
    assert call("floor", x=-3.5) == -4 and call("ceil", x=-3.5) == -3


def test_integers_are_exact_in_int64_and_doubles_beyond() -> None:
    assert call("multiply", x=3037000499, y=3037000499) == 3037000499**2  # < 2 ** 63
    assert call("power", base=3, p=39) == 3**39
    # beyond int64: IEEE 754 doubles (see tests/processes/test_bounded_numbers.py)
    assert call("multiply", x=4294967296, y=4294967296) == float(2**64)
    assert isinstance(call("power", base=3, p=50), float)


def test_logarithm_edges_in_arrays() -> None:
    result = as_list(call("ln", x=np.array([0.0, -1.0, 1.0])))
    assert result[0] == -math.inf and math.isnan(result[1]) and result[2] == 0.0
    assert as_list(call("log", x=np.array([1000.0, 8.0]), base=10)) == [3.0, pytest.approx(0.90309)]


def test_scalar_nodata_with_array_gives_nodata_array() -> None:
    result = call("add", x=None, y=xr.DataArray(np.arange(3), dims="x"))
    assert result.sizes == {"x": 3} and all(v is None for v in nan_to_none(as_list(result)))


def test_broadcasting_by_dimension_name() -> None:
    y = xr.DataArray([1.0, 2.0], dims="y")
    x = xr.DataArray([10.0, 20.0, 30.0], dims="x")
    result = call("subtract", x=x, y=y)
    assert dict(result.sizes) == {"x": 3, "y": 2}
    assert float(result.isel(x=1, y=0)) == 19.0


numbers = st.one_of(st.none(), st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False))
NUMERIC_BINARY = "add subtract multiply divide mod arctan2 power eq neq gt gte lt lte".split()


@settings(max_examples=40, deadline=None)
@given(
    process_id=st.sampled_from(NUMERIC_BINARY),
    pairs=st.lists(st.tuples(numbers, numbers), min_size=1, max_size=6),
)
def test_vectorised_numbers_agree_with_scalars(
    process_id: str, pairs: list[tuple[Any, Any]]
) -> None:
    names = ("base", "p") if process_id == "power" else ("x", "y")
    xs = np.array([np.nan if a is None else a for a, _ in pairs], dtype=float)
    ys = np.array([np.nan if b is None else b for _, b in pairs], dtype=float)
    vector = as_list(call(process_id, **{names[0]: lazy(list(xs)), names[1]: ys}).compute())
    for (a, b), got in zip(pairs, vector, strict=True):
        a = float(a) if a is not None else None
        b = float(b) if b is not None else None
        expected = call(process_id, **{names[0]: a, names[1]: b})
        if isinstance(expected, bool) and isinstance(got, float) and got in (0.0, 1.0):
            got = bool(got)
        conformance.assert_matches(got, expected, 1e-9, in_array=True)


finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(x=st.one_of(finite, st.integers(-(10**6), 10**6)), y=finite.filter(lambda v: abs(v) > 1e-6))
def test_mod_properties(x: float, y: float) -> None:
    result = call("mod", x=x, y=y)
    assert abs(result) <= abs(y)
    assert result == 0 or (result > 0) == (y > 0)  # the sign of the divisor
    quotient = (x - result) / y
    assert abs(quotient - round(quotient)) < 1e-6 * max(1.0, abs(quotient))


values = st.one_of(st.none(), st.booleans(), finite, st.text(max_size=3))


@settings(max_examples=80, deadline=None)
@given(x=values, y=values)
def test_comparison_relations(x: Any, y: Any) -> None:
    equal = call("eq", x=x, y=y)
    if x is None or y is None:
        assert equal is None and call("gt", x=x, y=y) is None
        return
    assert call("neq", x=x, y=y) is (not equal)
    assert call("gt", x=x, y=y) is call("lt", x=y, y=x)
    assert call("gte", x=x, y=y) is (call("gt", x=x, y=y) or equal)
    numbers = all(isinstance(v, float) for v in (x, y))
    assert call("lte", x=x, y=y) is (x <= y if numbers else equal)


@settings(max_examples=80, deadline=None)
@given(
    data=st.text(alphabet="abcAB .", max_size=8),
    pattern=st.text(alphabet="abcAB .", max_size=3),
)
def test_text_processes_match_python(data: str, pattern: str) -> None:
    assert call("text_contains", data=data, pattern=pattern) is (pattern in data)
    assert call("text_begins", data=data, pattern=pattern) is data.startswith(pattern)
    assert call("text_ends", data=data, pattern=pattern) is data.endswith(pattern)
    found = data.find(pattern)
    assert call("text_find", data=data, pattern=pattern) == (None if found < 0 else found)
    folded = data.lower().find(pattern.lower())
    expected = None if folded < 0 else folded
    assert call("text_find", data=data, pattern=pattern, case_sensitive=False) == expected


UNARY_VECTORISABLE = (
    "absolute arccos arcosh arcsin arctan arsinh artanh ceil cos cosh floor int ln sgn "
    "sin sinh sqrt tan tanh is_infinite is_valid is_nodata"
).split()


@settings(max_examples=60, deadline=None)
@given(
    process_id=st.sampled_from(UNARY_VECTORISABLE),
    xs=st.lists(
        st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False), st.just(math.inf)),
        min_size=1,
        max_size=6,
    ),
)
def test_vectorised_unary_agrees_with_scalars(process_id: str, xs: list[Any]) -> None:
    array = lazy([np.nan if v is None else v for v in xs])
    vector = as_list(call(process_id, x=array).compute())
    for value, got in zip(xs, vector, strict=True):
        expected = call(process_id, x=value)
        conformance.assert_matches(got, expected, 1e-9, in_array=True)


# --------------------------------------------------------------------------- comparison


def test_eq_delta_and_case_on_arrays() -> None:
    unsigned = np.array([8, 10, 13], dtype=np.uint8)
    assert as_list(call("eq", x=unsigned, y=10, delta=2)) == [True, True, False]
    assert as_list(call("eq", x=np.array([1.0, 1.02, 1.2]), y=1, delta=0.05)) == [True, True, False]
    texts = np.array(["Äpfel", "äpfel", "Birne", None], dtype=object)
    assert list(call("eq", x=texts, y="äpfel", case_sensitive=False)) == [True, True, False, None]
    assert list(call("eq", x=texts, y="äpfel")) == [False, True, False, None]


def test_strict_types() -> None:
    assert call("eq", x=1, y=True) is False and call("eq", x="1", y=1) is False
    assert call("gt", x="b", y="a") is False and call("gte", x="a", y="a") is True
    assert call("lt", x=False, y=True) is False
    assert call("eq", x="2018-01-01T00:00:00Z", y="2018-01-01T00:00:00+00:00") is False
    # a numeric array compared with a string: false, no-data stays no-data
    assert list(call("eq", x=np.array([1.0, np.nan]), y="1")) == [False, None]


def test_temporal_labels_compare_as_rfc3339_text() -> None:
    labels = xr.DataArray(
        np.array(["2020-06-01", "2020-06-03T12:00:00", "NaT"], dtype="datetime64[ns]"), dims="t"
    ).chunk(1)
    equal = call("eq", x=labels, y="2020-06-01T00:00:00Z")
    assert list(equal.compute().values) == [True, False, None]
    different = call("neq", x=labels, y="2020-06-01T00:00:00Z")
    assert list(different.compute().values) == [False, True, None]
    begins = call("text_begins", data=labels, pattern="2020-06-03T12")
    assert list(begins.compute().values) == [False, True, None]
    assert list(call("gt", x=labels, y=0).compute().values) == [False, False, None]


def test_between_on_arrays() -> None:
    values = np.array([0.0, 0.5, 1.0, np.nan])
    assert list(call("between", x=values, min=0, max=1)) == [True, True, True, None]
    assert list(call("between", x=values, min=0, max=1, exclude_max=True)) == [
        True,
        True,
        False,
        None,
    ]
    assert list(call("between", x=values, min=1, max=0)) == [False, False, False, None]
    assert call("between", x=ArrayValue.from_list([1, 2]), min=0, max=4) is False


# --------------------------------------------------------------------------- logic

TRI = (True, False, None)


@pytest.mark.parametrize("process_id", ["and", "or", "xor"])
@pytest.mark.parametrize("layout", ["object", "lazy-float", "lazy-comparison"])
def test_three_valued_logic_on_arrays(process_id: str, layout: str) -> None:
    pairs = [(a, b) for a in TRI for b in TRI]
    expected = [call(process_id, x=a, y=b) for a, b in pairs]

    def array(values: list[Any]) -> Any:
        if layout == "object":
            return np.array(values, dtype=object)
        if layout == "lazy-float":  # any non-zero number is true
            return lazy([np.nan if v is None else float(v) * -2.5 for v in values])
        # the tri-state results of a comparison (1/0/NaN, taking the fast paths)
        compared = call("gt", x=lazy([np.nan if v is None else float(v) for v in values]), y=0.5)
        assert is_tri_state(compared)
        return compared

    result = call(process_id, x=array([a for a, _ in pairs]), y=array([b for _, b in pairs]))
    if layout != "object":
        result = [None if v is None else bool(v) for v in nan_to_none(as_list(result.compute()))]
    assert list(result) == expected


@pytest.mark.parametrize("fast", [True, False])
def test_not_and_if_on_lazy_tri_states(fast: bool) -> None:
    source = lazy([2.0, 0.0, np.nan])
    compared = call("gt", x=source, y=1)
    value = compared if fast else compared * 3.0  # derived: true is 3, not canonical
    assert is_tri_state(value) is fast
    negated = call("not", x=value).compute()
    assert [None if math.isnan(v) else bool(v) for v in negated.values] == [False, True, None]
    chosen = call("if", value=value, accept=source, reject=-1.0).compute()
    assert list(chosen.values) == [2.0, -1.0, -1.0]


def test_logic_with_scalar_and_array() -> None:
    values = np.array([True, False])
    assert as_list(call("and", x=False, y=values)) == [False, False]
    assert as_list(call("or", x=True, y=values)) == [True, True]
    assert list(call("and", x=None, y=values)) == [None, False]
    assert as_list(call("not", x=values)) == [False, True]


def test_if_on_arrays() -> None:
    value = np.array([True, False, None], dtype=object)
    assert list(call("if", value=value, accept=1, reject=2)) == [1, 2, 2]
    tri = lazy([1.0, 0.0, np.nan])
    result = call("if", value=tri, accept=lazy([5.0, 5.0, 5.0]), reject=None).compute()
    assert nan_to_none(as_list(result)) == [5.0, None, None]


def test_logic_rejects_non_booleans() -> None:
    with pytest.raises(OpenEOError) as info:
        call("and", x=1, y=True)
    assert info.value.code == "ProcessParameterInvalid"


# --------------------------------------------------------------------------- text


def test_text_processes_on_arrays() -> None:
    data = np.array(["Lorem ipsum", "IPSUM", None], dtype=object)
    assert list(call("text_contains", data=data, pattern="ipsum", case_sensitive=False)) == [
        True,
        True,
        None,
    ]
    assert list(call("text_find", data=data, pattern="ipsum")) == [6, None, None]
    assert list(call("text_begins", data=data, pattern="L")) == [True, False, None]


def test_text_patterns_are_literal() -> None:
    assert call("text_contains", data="a.c", pattern=".") is True
    assert call("text_contains", data="abc", pattern=".") is False
    assert call("text_ends", data="x(1)", pattern="(1)") is True


def test_text_concat_formats_like_json() -> None:
    data = ArrayValue.from_list([1.0, 2.5, None, True, "x"])
    assert call("text_concat", data=data, separator="|") == "1|2.5|null|true|x"
    rows = ArrayValue(
        xr.DataArray(np.array([["a", "b"], ["c", "d"]], dtype=object), dims=("y", "_array"))
    )
    assert list(call("text_concat", data=rows, separator="-").values) == ["a-b", "c-d"]


# --------------------------------------------------------------------------- dates


def test_date_shift_keeps_form_and_time_zone() -> None:
    assert call("date_shift", date="2020-01-31", value=1, unit="month") == "2020-02-29"
    assert (
        call("date_shift", date="2021-03-31T10:00:00+02:00", value=1, unit="day")
        == "2021-04-01T10:00:00+02:00"
    )
    assert (
        call("date_shift", date="2016-12-31T23:59:60Z", value=0, unit="second")
        == "2017-01-01T00:00:00Z"
    )
    assert call("date_shift", date="2020-01-01T00:00:00Z", value=-1, unit="millisecond") == (
        "2019-12-31T23:59:59.999Z"
    )


def test_date_processes_on_datetime64_arrays() -> None:
    times = xr.DataArray(
        da.from_array(np.array(["2020-01-31", "2020-03-15"], dtype="datetime64[ns]"), chunks=1),
        dims="t",
    )
    shifted = call("date_shift", date=times, value=1, unit="month")
    assert shifted.chunks is not None
    assert list(shifted.values.astype("datetime64[D]").astype(str)) == ["2020-02-29", "2020-04-15"]
    days = call("date_difference", date1="2020-01-01", date2=times, unit="day")
    assert as_list(days.compute()) == [30.0, 74.0]
    months = call("date_difference", date1="2020-01-31", date2=times, unit="month")
    assert months.chunks is not None
    assert as_list(months.compute()) == [0.0, pytest.approx(1 + 15 / 31)]
    inside = call("date_between", x=times, min="2020-02-01", max="2020-12-31T00:00:00+01:00")
    assert as_list(inside.compute()) == [False, True]


def test_datetime_scalars_are_rfc3339_text() -> None:
    label = np.datetime64("2020-06-01T00:00:00.000000000")
    assert call("eq", x=label, y="2020-06-01T00:00:00Z") is True
    assert call("date_shift", date=label, value=1, unit="day") == "2020-06-02T00:00:00Z"
    assert call("date_difference", date1=label, date2="2020-06-02", unit="hour") == 24
    assert call("date_between", x=label, min="2020-01-01", max=label) is True


@settings(max_examples=40, deadline=None)
@given(
    start=st.datetimes(datetime.datetime(1300, 1, 1), datetime.datetime(9700, 1, 1)),
    value=st.integers(-10_000, 10_000),
    unit=st.sampled_from(["millisecond", "second", "minute", "hour", "day", "week"]),
)
def test_date_shift_and_difference_are_inverse(start: Any, value: int, unit: str) -> None:
    date = start.replace(microsecond=start.microsecond // 1000 * 1000).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    )
    shifted = call("date_shift", date=date, value=value, unit=unit)
    assert call("date_difference", date1=date, date2=shifted, unit=unit) == pytest.approx(value)


def test_dates_outside_the_pandas_range() -> None:
    assert call("date_shift", date="2263-01-01", value=1, unit="year") == "2264-01-01"
    assert call("date_shift", date="0900-03-31T00:00:00Z", value=-1, unit="month") == (
        "0900-02-28T00:00:00Z"
    )
    with pytest.raises(OpenEOError) as info:
        call("date_shift", date="9999-12-31", value=1, unit="day")
    assert info.value.code == "ProcessParameterInvalid"


def test_date_difference_calendar_units() -> None:
    assert call("date_difference", date1="2020-01-31", date2="2020-02-29", unit="month") == 1
    assert call("date_difference", date1="2020-01-01", date2="2021-07-01", unit="year") == 1.5
    assert call("date_difference", date1="2021-07-01", date2="2020-01-01", unit="year") == -1.5
    assert (
        call("date_difference", date1="2020-01-01", date2="2020-01-01T12:00:00Z", unit="day") == 0.5
    )


@pytest.mark.parametrize(
    ("process_id", "kwargs", "code"),
    [
        (
            "date_shift",
            {"date": "2020-01-01", "value": 1, "unit": "fortnight"},
            "ProcessParameterInvalid",
        ),
        ("date_shift", {"date": "yesterday", "value": 1, "unit": "day"}, "ProcessParameterInvalid"),
        (
            "date_shift",
            {"date": "2020-01-01", "value": 1.5, "unit": "day"},
            "ProcessParameterInvalid",
        ),
        (
            "date_between",
            {"x": "2020-01-01", "min": 5, "max": "2021-01-01"},
            "ProcessParameterInvalid",
        ),
        ("add", {"x": "a", "y": 1}, "ProcessParameterInvalid"),
        ("add", {"x": True, "y": 1}, "ProcessParameterInvalid"),
        ("sqrt", {"x": ArrayValue.from_list([1])}, "ProcessParameterInvalid"),
        ("clip", {"x": 1, "min": 2, "max": 1}, "MinMaxSwapped"),
        ("round", {"x": 1.5, "p": 0.5}, "ProcessParameterInvalid"),
        ("text_begins", {"data": 5, "pattern": "a"}, "ProcessParameterInvalid"),
        ("eq", {"x": 1, "y": 1, "delta": -1}, "ProcessParameterInvalid"),
        ("not", {"x": "true"}, "ProcessParameterInvalid"),
    ],
)
def test_bad_input_gives_openeo_errors(process_id: str, kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(OpenEOError) as info:
        call(process_id, **kwargs)
    assert info.value.code == code


# --------------------------------------------------------------------------- the harness


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (1.0, 2),
        (True, 1),
        (1, True),
        (None, math.nan),
        (math.nan, None),
        ("1", 1),
        ([1, 2], [1, 2, 3]),
        ("2020-01-01T00:00:01Z", conformance.ExpectedDatetime("2020-01-01T00:00:00Z")),
        (
            ArrayValue.from_list([1], labels=["a"]),
            conformance.ExpectedLabeledArray(["b"], [1]),
        ),
        (0.30000001, 0.3),
    ],
)
def test_harness_detects_mismatches(actual: Any, expected: Any) -> None:
    with pytest.raises(conformance.Mismatch):
        conformance.assert_matches(actual, expected)


def test_harness_accepts_equal_values() -> None:
    conformance.assert_matches(np.float64(0.1 + 0.2), 0.3)
    conformance.assert_matches(math.nan, math.nan)
    conformance.assert_matches(
        "2021-03-24T00:00:00+02:00", conformance.ExpectedDatetime("2021-03-23T22:00:00Z")
    )
    conformance.assert_matches(ArrayValue.from_list([1.0, None]), [1, None])


def test_harness_checks_exception_codes() -> None:
    wrong_code = conformance.Example("clip", 0, {"x": 1, "min": 2, "max": 1}, throws="Other")
    with pytest.raises(AssertionError):
        conformance.check_example(wrong_code)
    missing = conformance.Example("add", 0, {"x": 1, "y": 1}, throws="DivisionByZero")
    with pytest.raises(AssertionError):
        conformance.check_example(missing)
    either = conformance.Example(
        "divide", 0, {"x": 1, "y": 0}, returns=math.inf, has_returns=True, throws="DivisionByZero"
    )
    conformance.check_example(either)
