"""Comparison processes: eq, neq, gt, gte, lt, lte, between.

Types are compared strictly (the string "1" is not the number 1, booleans are not
numbers); ordering (gt, lt, ...) is only defined for numbers; temporal strings are
plain strings (``datetime64`` label arrays are compared as RFC 3339 text).  No-data in an operand gives no-data.  Vectorised over arrays, results
use the boolean representation of :mod:`.math.elementwise`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from xcube_openeo.errors import ProcessParameterInvalid

from ..engine.registry import process
from .math.elementwise import (
    as_float,
    boolean_result,
    datetimes_as_text,
    dispatch,
    full_like,
    is_array,
    is_bool,
    is_number,
    kind,
    nodata_like,
    object_elementwise,
    to_python,
    with_nodata,
)


def type_class(value: Any) -> str:
    """The openEO type a scalar or the elements of a (non-object) array have."""
    if is_array(value):
        return "boolean" if kind(value) == "b" else "number"
    if is_bool(value):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


# --------------------------------------------------------------------------- equality


def _eq_scalar(x: Any, y: Any, delta: Any, case_sensitive: bool) -> bool | None:
    x, y = to_python(x), to_python(y)
    if x is None or y is None:
        return None
    kx, ky = type_class(x), type_class(y)
    if kx != ky or kx == "other":
        return False
    if kx == "number" and delta is not None:
        return bool(abs(x - y) <= delta)
    if kx == "string" and not case_sensitive:
        return x.casefold() == y.casefold()
    return bool(x == y)


def _eq_vectorised(x: Any, y: Any, delta: Any) -> Any:
    if x is None or y is None:
        return boolean_result(nodata_like(x, y))
    if type_class(x) != type_class(y):
        return with_nodata(full_like(False, bool, x, y), x, y)
    if delta is not None and type_class(x) == "number":
        with np.errstate(invalid="ignore"):
            equal = abs(as_float(x) - as_float(y)) <= delta  # unsigned x - y would wrap
    else:
        equal = x == y
    return with_nodata(equal, x, y)


def _check_delta(process_id: str, delta: Any) -> None:
    if delta is not None and (not is_number(delta) or not delta > 0):
        raise ProcessParameterInvalid(
            f"{process_id}: 'delta' must be a positive number or null, got {delta!r}.",
        )


def _negate(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return not value
    if kind(value) == "b":
        return ~value
    if kind(value) == "O":
        return object_elementwise(lambda v: None if v is None else not v, value)
    return boolean_result(1.0 - value)  # tri-state float: NaN stays NaN


@process("eq")
def eq(x: Any, y: Any, delta: Any = None, case_sensitive: bool = True) -> Any:
    _check_delta("eq", delta)
    x, y = datetimes_as_text(x), datetimes_as_text(y)
    return dispatch(
        lambda a, b: _eq_scalar(a, b, delta, case_sensitive),
        lambda a, b: _eq_vectorised(a, b, delta),
        x,
        y,
    )


@process("neq")
def neq(x: Any, y: Any, delta: Any = None, case_sensitive: bool = True) -> Any:
    return _negate(eq(x, y, delta, case_sensitive))


# --------------------------------------------------------------------------- ordering


def _ordering(
    process_id: str, compare: Callable[[Any, Any], Any], or_equal: bool
) -> Callable[[Any, Any], Any]:
    """gt/gte/lt/lte: numbers are compared, other equal values are only >= / <=."""

    def scalar(x: Any, y: Any) -> bool | None:
        x, y = to_python(x), to_python(y)
        if x is None or y is None:
            return None
        if type_class(x) == "number" and type_class(y) == "number":
            return bool(compare(x, y))
        return bool(or_equal and _eq_scalar(x, y, None, True))

    def vectorised(x: Any, y: Any) -> Any:
        if x is None or y is None:
            return boolean_result(nodata_like(x, y))
        if type_class(x) == "number" and type_class(y) == "number":
            return with_nodata(compare(x, y), x, y)
        if or_equal and type_class(x) == type_class(y):
            return with_nodata(x == y, x, y)
        return with_nodata(full_like(False, bool, x, y), x, y)

    def implementation(x: Any, y: Any) -> Any:
        return dispatch(scalar, vectorised, datetimes_as_text(x), datetimes_as_text(y))

    implementation.__name__ = process_id
    return implementation


gt = process("gt")(_ordering("gt", operator.gt, or_equal=False))
gte = process("gte")(_ordering("gte", operator.ge, or_equal=True))
lt = process("lt")(_ordering("lt", operator.lt, or_equal=False))
lte = process("lte")(_ordering("lte", operator.le, or_equal=True))


# --------------------------------------------------------------------------- between


@process("between")
def between(x: Any, min: Any, max: Any, exclude_max: bool = False) -> Any:
    for name, bound in (("min", min), ("max", max)):
        if not is_number(bound):
            raise ProcessParameterInvalid(f"between: '{name}' must be a number, got {bound!r}.")
    below_max = operator.lt if exclude_max else operator.le

    def scalar(v: Any) -> bool | None:
        v = to_python(v)
        if v is None:
            return None
        if type_class(v) != "number" or min > max:
            return False
        return bool(min <= v and below_max(v, max))

    def vectorised(v: Any) -> Any:
        if type_class(v) != "number" or min > max:
            return with_nodata(full_like(False, bool, v), v)
        return with_nodata((v >= min) & below_max(v, max), v)

    return dispatch(scalar, vectorised, datetimes_as_text(x))
