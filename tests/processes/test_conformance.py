"""Every official example of every implemented process, one test case per example.

Examples come from ``../shared/openeo-processes/tests/<process>.json5`` (another copy
via ``XCUBE_OPENEO_SHARED``); see ``conformance.py`` for how arguments are converted and
results compared.  Run one process with ``pytest tests/processes/test_conformance.py -k
"add["``.  Element-wise processes also run vectorised (numpy, lazy dask, and all examples
of a process side by side in one array).  An example counts only once the processes it
``required`` are implemented.
"""

from __future__ import annotations

import pytest

try:  # tests/processes may or may not be a package
    from . import conformance
except ImportError:
    import conformance

#: Official examples that contradict the 2.0.0-rc.2 definitions (or are broken), by id,
#: with the reason.  Each entry must really fail: xfail is strict.
EXPECTED_FAILURES: dict[str, str] = {
    **dict.fromkeys(
        [f"aggregate_temporal[{i}]" for i in (5, 6, 7, 8)],
        "the intervals lie in January 2020, but the fixture xyt-more-timestamps holds"
        " 1-9 June 2020; the expected values are June means (-19.85 = mean of 17.5, -63.65,"
        " -13.4), so no interval of the example contains any of the data it expects",
    ),
    "aggregate_temporal[10]": "all fixture times are 00:00, so the 18:00-06:00 interval"
    " holds all five dates (mean 0.002 at y0/x0), but the example expects -12.23, which is"
    " the last date alone",
    "mask_polygon[6]": "in EPSG:25832 the polygon's south edge runs from y=5757474.24 to"
    " 5757475.01, so the pixel centres at y=5757475 are inside (filter_spatial[2] keeps them"
    " with the same polygon), while the expected fixture masks them",
    "array_modify[3]": "assumes 'length' defaults to 1, but 2.0.0-rc.2 defines the default"
    " as 0 (remove nothing), so only the insertion of an empty array happens",
    "product[10]": "expects NaN for 1 * -inf * 3 * inf, but IEEE 754 (which the definition"
    " refers to) gives -inf for -inf * inf",
    "lte[15]": "expects lte(+inf, +inf) to be false, but the definition has lte true for "
    "equal operands (eq(+inf, +inf) is true in eq's own examples, and gte[15] expects "
    "true for the same operands)",
    "array_filter[0]": "the callback's gt node names 'x' twice (JSON5 keeps the last) and "
    "lacks the required 'y', so the graph is invalid (ProcessParameterRequired)",
    **{
        f"array_filter[{i}]": "passes the callback as 'process', but array_filter's "
        "parameter is 'condition'"
        for i in range(1, 7)
    },
    **{
        f"count[{i}]": "'condition' is a bare process graph (not {'process_graph': ...}) "
        "and reads a parameter 'element', but count's callback parameter is 'x'"
        for i in (4, 5)
    },
    **{f"rename_labels[{i}]": "omits the required parameter 'target'" for i in (5, 7)},
    "apply[2]": "expects 1650 (10 x 165) at blue/y0/x3, where the fixture "
    "xyb-minimal-int holds 255, its no-data value",
    "reduce_dimension[1]": "expects 192/165 at y0/x3, where the fixture xyb-minimal-int "
    "holds 255 (no-data) for blue, so the quotient is no-data",
    "array_append[0]": "appending 0 to [] must give [0], the example expects [1]",
    "array_find[6]": "3 is at index 0 of the labeled array [3, 4], the example expects 1",
    "array_apply[8]": "the callback calls the process 'mulitply' (typo), which does not exist",
    "array_element[3]": "asks for label 'BO2' (letter O), which the array does not have "
    "(its labels are B01, B02, B03), so ArrayElementNotAvailable is right",
    "apply_dimension[1]": "expects the quantiles of (192, 216, 165) at y0/x3, where the "
    "fixture xyb-minimal-int holds 255 (no-data) for blue, not 165",
    "apply_dimension[2]": "applies over dimension 'bands' of xyt-more-timestamps, which has "
    "no such dimension: DimensionNotAvailable is right",
    "rename_dimension[3]": "renames 'x' to 'lon' but expects the cube with 'y' renamed",
    "rename_dimension[4]": "renames 'y' to 'lat' but expects the cube with 'x' renamed",
    "filter_bands[4]": "selects bands red and blue but expects blue and green",
    **{
        f"mask[{i}]": "expects pixels replaced where the mask is 0, but the definition "
        "replaces those where it is non-zero"
        + (" (and the data asset xyb-minimal-float.json5 does not exist)" if i == 1 else "")
        for i in (0, 1, 2)
    },
    "mask_polygon[0]": "the polygon (16.1-16.6 E, 48.1-48.6 N) does not cover the cube "
    "(about 7.6 E, 52 N), so with inside=true nothing is replaced; the example expects "
    "everything replaced",
    "mask_polygon[1]": "the polygon does not cover the cube, so with inside=false every "
    "pixel is replaced; the example expects the cube unchanged",
    "aggregate_temporal[9]": "'labels' is nested inside 'reducer' instead of being an "
    "argument, so the default labels (interval starts, null for the first) apply",
    "aggregate_temporal_period[3]": "period 'hour' over timestamps within 2020-06-01 00:00 "
    "to 04:00, but the example expects one label per day (copied from the 'day' example)",
    "aggregate_temporal_period[4]": "period 'day' must label as YYYY-DDD, the example "
    "expects the 'hour' format YYYY-MM-DD-00",
    **{
        f"aggregate_temporal_period[{i}]": "aggregates over dimension 't2' but expects the "
        "result dimension to be named 't'"
        for i in (8, 9)
    },
}

EXAMPLES = list(conformance.runnable_examples())


def _param(example: conformance.Example) -> pytest.param:
    marks = []
    if example.id in EXPECTED_FAILURES:
        marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[example.id], strict=True))
    return pytest.param(example, id=example.id, marks=marks)


@pytest.mark.parametrize("example", [_param(e) for e in EXAMPLES])
def test_official_example(example: conformance.Example) -> None:
    conformance.check_example(example)


def test_examples_are_found() -> None:
    # Guards against a wrong path to ../shared silently yielding no test cases.
    assert conformance.load_examples("add"), f"no examples in {conformance.examples_dir()}"


def _vectorised_param(example: conformance.Example, layout: str) -> pytest.param:
    # An example that fails for scalars (EXPECTED_FAILURES) fails vectorised as well.
    marks = []
    if example.id in EXPECTED_FAILURES:
        marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[example.id], strict=True))
    return pytest.param(example, layout, id=f"{example.id}/{layout}", marks=marks)


VECTORISED = [
    _vectorised_param(e, layout)
    for e in conformance.vectorisable_examples()
    for layout in conformance.LAYOUTS
]


@pytest.mark.parametrize(("example", "layout"), VECTORISED)
def test_vectorised_example(example: conformance.Example, layout: str) -> None:
    """Element-wise processes give the scalar example's result for every array element."""
    conformance.check_vectorised_example(example, layout)


@pytest.mark.parametrize(
    ("process_id", "examples"),
    [
        pytest.param(pid, group, id=f"{pid}/{'+'.join(str(e.index) for e in group)}")
        for pid, all_in_group in conformance.vectorised_groups()
        if len(group := [e for e in all_in_group if e.id not in EXPECTED_FAILURES]) > 1
    ],
)
def test_vectorised_example_group(process_id: str, examples: list[conformance.Example]) -> None:
    """All examples of a process (with the same other arguments) in one array at once:
    mixed values, no-data and types side by side must not affect each other."""
    conformance.check_vectorised_group(process_id, examples)
