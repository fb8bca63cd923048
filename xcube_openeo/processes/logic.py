"""Logical processes: and, or, xor, not, if (openEO's three-valued logic).

Vectorised, an operand is a boolean array, a numeric array read as a tri-state
boolean (non-zero = true, NaN = no-data), or an object array of True/False/None; the
results use the boolean representation of :mod:`.math.elementwise`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .math.elementwise import (
    boolean_result,
    can_be_nodata,
    dispatch,
    invalid,
    is_array,
    is_bool,
    isnull,
    kind,
    to_python,
    where,
)
from .registry import process


def _check_scalar(process_id: str, name: str, value: Any) -> Any:
    value = to_python(value)
    if value is not None and not is_bool(value):
        raise invalid(process_id, name, value, "a boolean or null")
    return value


def _tri_state(process_id: str, name: str, value: Any) -> tuple[Any, Any]:
    """(truth, no-data mask) of an operand; the mask is False where it cannot apply."""
    if not is_array(value):
        value = _check_scalar(process_id, name, value)
        # numpy booleans: ``~`` on a Python bool would be integer inversion
        return np.bool_(bool(value)), np.bool_(value is None)
    if kind(value) == "b":
        return value, np.False_
    if kind(value) not in "fiu":
        raise invalid(process_id, name, value, "booleans")
    return value != 0, isnull(value)


def _and_scalar(x: Any, y: Any) -> bool | None:
    x, y = _check_scalar("and", "x", x), _check_scalar("and", "y", y)
    if x is False or y is False:
        return False
    return None if x is None or y is None else True


def _and_vectorised(x: Any, y: Any) -> Any:
    (tx, nx), (ty, ny) = _tri_state("and", "x", x), _tri_state("and", "y", y)
    if not (can_be_nodata(x) or can_be_nodata(y)):
        return tx & ty
    some_false = (~tx & ~nx) | (~ty & ~ny)
    return boolean_result(where(some_false, 0.0, where(nx | ny, np.nan, 1.0)))


@process("and")
def and_(x: Any, y: Any) -> Any:
    return dispatch(_and_scalar, _and_vectorised, x, y)


def _or_scalar(x: Any, y: Any) -> bool | None:
    x, y = _check_scalar("or", "x", x), _check_scalar("or", "y", y)
    if x is True or y is True:
        return True
    return None if x is None or y is None else False


def _or_vectorised(x: Any, y: Any) -> Any:
    (tx, nx), (ty, ny) = _tri_state("or", "x", x), _tri_state("or", "y", y)
    if not (can_be_nodata(x) or can_be_nodata(y)):
        return tx | ty
    some_true = (tx & ~nx) | (ty & ~ny)
    return boolean_result(where(some_true, 1.0, where(nx | ny, np.nan, 0.0)))


@process("or")
def or_(x: Any, y: Any) -> Any:
    return dispatch(_or_scalar, _or_vectorised, x, y)


def _xor_scalar(x: Any, y: Any) -> bool | None:
    x, y = _check_scalar("xor", "x", x), _check_scalar("xor", "y", y)
    return None if x is None or y is None else x != y


def _xor_vectorised(x: Any, y: Any) -> Any:
    (tx, nx), (ty, ny) = _tri_state("xor", "x", x), _tri_state("xor", "y", y)
    if not (can_be_nodata(x) or can_be_nodata(y)):
        return tx ^ ty
    return boolean_result(where(nx | ny, np.nan, tx ^ ty))


@process("xor")
def xor(x: Any, y: Any) -> Any:
    return dispatch(_xor_scalar, _xor_vectorised, x, y)


def _not_scalar(x: Any) -> bool | None:
    x = _check_scalar("not", "x", x)
    return None if x is None else not x


def _not_vectorised(x: Any) -> Any:
    truth, null = _tri_state("not", "x", x)
    if not can_be_nodata(x):
        return ~truth
    return boolean_result(where(null, np.nan, where(truth, 0.0, 1.0)))


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
    truth, null = _tri_state("if", "value", value)
    chosen = truth & ~null if can_be_nodata(value) else truth
    return where(
        chosen,
        np.nan if accept is None else accept,
        np.nan if reject is None else reject,
    )
