"""Logical processes: and, or, xor, not, if (openEO's three-valued logic).

Vectorised, an operand is a boolean array, a numeric array read as a tri-state
boolean (non-zero = true, NaN = no-data), or an object array of True/False/None; the
results use the boolean representation of :mod:`.math.elementwise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.registry import process
from .math.elementwise import (
    TRI_FALSE,
    TRI_NULL,
    TRI_TRUE,
    boolean_result,
    dispatch,
    invalid,
    is_array,
    is_bool,
    is_tri_state,
    kind,
    to_python,
    where,
)


def _check_scalar(process_id: str, name: str, value: Any) -> Any:
    value = to_python(value)
    if value is not None and not is_bool(value):
        raise invalid(process_id, name, value, "a boolean or null")
    return value


@dataclass(frozen=True)
class TriState:
    """Masks of where an operand is true, false and no-data (each may be a scalar).

    The masks are lazy expressions: only those a process uses get computed.
    """

    true: Any
    false: Any
    null: Any
    can_be_null: bool


def tri_state(process_id: str, name: str, value: Any) -> TriState:
    if not is_array(value):
        value = _check_scalar(process_id, name, value)
        # numpy booleans: ``~`` on a Python bool would be integer inversion
        return TriState(
            np.bool_(value is True), np.bool_(value is False), np.bool_(value is None), True
        )
    if kind(value) == "b":
        return TriState(value, ~value, np.False_, False)
    if kind(value) in "iu":
        return TriState(value != 0, value == 0, np.False_, False)
    if kind(value) != "f":
        raise invalid(process_id, name, value, "booleans")
    # NaN compares false with everything: |x| > 0 is "true", x == 0 is "false"
    return TriState(np.abs(value) > 0, value == 0, np.isnan(value), True)


def _operands(process_id: str, x: Any, y: Any) -> tuple[TriState, TriState, bool]:
    tx, ty = tri_state(process_id, "x", x), tri_state(process_id, "y", y)
    return tx, ty, tx.can_be_null or ty.can_be_null


def _and_scalar(x: Any, y: Any) -> bool | None:
    x, y = _check_scalar("and", "x", x), _check_scalar("and", "y", y)
    if x is False or y is False:
        return False
    return None if x is None or y is None else True


def _and_vectorised(x: Any, y: Any) -> Any:
    if is_tri_state(x) and is_tri_state(y):
        # 1/0/NaN: fmin is 0 if either is false; else minimum gives NaN for no-data
        return boolean_result(where(np.fmin(x, y) == 0, TRI_FALSE, np.minimum(x, y)))
    tx, ty, nullable = _operands("and", x, y)
    if not nullable:
        return tx.true & ty.true
    return boolean_result(
        where(tx.false | ty.false, TRI_FALSE, where(tx.null | ty.null, TRI_NULL, TRI_TRUE))
    )


@process("and")
def and_(x: Any, y: Any) -> Any:
    return dispatch(_and_scalar, _and_vectorised, x, y)


def _or_scalar(x: Any, y: Any) -> bool | None:
    x, y = _check_scalar("or", "x", x), _check_scalar("or", "y", y)
    if x is True or y is True:
        return True
    return None if x is None or y is None else False


def _or_vectorised(x: Any, y: Any) -> Any:
    if is_tri_state(x) and is_tri_state(y):
        return boolean_result(where(np.fmax(x, y) == 1, TRI_TRUE, np.maximum(x, y)))
    tx, ty, nullable = _operands("or", x, y)
    if not nullable:
        return tx.true | ty.true
    return boolean_result(
        where(tx.true | ty.true, TRI_TRUE, where(tx.null | ty.null, TRI_NULL, TRI_FALSE))
    )


@process("or")
def or_(x: Any, y: Any) -> Any:
    return dispatch(_or_scalar, _or_vectorised, x, y)


def _xor_scalar(x: Any, y: Any) -> bool | None:
    x, y = _check_scalar("xor", "x", x), _check_scalar("xor", "y", y)
    return None if x is None or y is None else x != y


def _xor_vectorised(x: Any, y: Any) -> Any:
    if is_tri_state(x) and is_tri_state(y):
        return boolean_result(np.abs(x - y))  # 1/0, NaN stays NaN
    tx, ty, nullable = _operands("xor", x, y)
    if not nullable:
        return tx.true ^ ty.true
    return boolean_result(where(tx.null | ty.null, TRI_NULL, tx.true ^ ty.true))


@process("xor")
def xor(x: Any, y: Any) -> Any:
    return dispatch(_xor_scalar, _xor_vectorised, x, y)


def _not_scalar(x: Any) -> bool | None:
    x = _check_scalar("not", "x", x)
    return None if x is None else not x


def _not_vectorised(x: Any) -> Any:
    if is_tri_state(x):
        return boolean_result(1 - x)  # NaN stays NaN
    tx = tri_state("not", "x", x)
    if not tx.can_be_null:
        return tx.false
    return boolean_result(where(tx.null, TRI_NULL, tx.false))


@process("not")
def not_(x: Any) -> Any:
    return dispatch(_not_scalar, _not_vectorised, x)


@process("if")
def if_(value: Any, accept: Any, reject: Any = None) -> Any:
    if not is_array(value):
        return accept if _check_scalar("if", "value", value) is True else reject
    if kind(value) == "O":
        # Mixed objects: decide element by element (accept/reject broadcast along).
        return dispatch(lambda v, a, r: a if v is True else r, None, value, accept, reject)
    # no-data is not true: reject
    chosen = value == 1 if is_tri_state(value) else tri_state("if", "value", value).true
    return where(
        chosen,
        np.nan if accept is None else accept,
        np.nan if reject is None else reject,
    )
