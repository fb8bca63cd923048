"""Arithmetic processes: add, subtract, multiply, divide, mod, power, absolute, sgn, sqrt,
clip, linear_scale_range, normalized_difference."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from xcube_openeo.errors import OpenEOError, ProcessParameterInvalid

from ...engine.registry import process
from .elementwise import (
    as_float,
    bounded,
    dispatch,
    fit_integer_scalars,
    invalid,
    is_array,
    is_number,
    kind,
    nodata_like,
    to_python,
    where,
    widen_integers,
)


def check_numbers(process_id: str, **operands: Any) -> bool:
    """Reject non-numeric operands; return whether any operand is a scalar no-data."""
    for name, value in operands.items():
        if is_array(value):
            if kind(value) not in "fiub":
                raise invalid(process_id, name, value, "numbers")
        elif value is not None and not is_number(value):
            raise invalid(process_id, name, value, "a number or null")
    return any(v is None for v in operands.values())


def numeric(
    process_id: str,
    scalar_op: Callable[..., Any],
    array_op: Callable[..., Any],
    widen: str | None = None,
    **operands: Any,
) -> Any:
    """An element-wise numeric process: no-data in any operand gives no-data.

    ``scalar_op`` gets Python numbers; ``array_op`` gets at least one array operand,
    with integer arrays widened for ``widen`` ('sum' or 'product') so that integer
    results cannot wrap around.  IEEE 754 results (inf, NaN) are wanted, so
    floating-point warnings are silenced.  Scalar integers stay in the int64 range:
    operands and results beyond it become doubles (see ``bounded``).
    """
    names = list(operands)

    def scalar(*values: Any) -> Any:
        if check_numbers(process_id, **dict(zip(names, values, strict=True))):
            return None
        with np.errstate(all="ignore"):
            return bounded(to_python(scalar_op(*[bounded(to_python(v)) for v in values])))

    def vectorised(*values: Any) -> Any:
        if check_numbers(process_id, **dict(zip(names, values, strict=True))):
            return nodata_like(*values)
        arrays = fit_integer_scalars(list(values))
        if widen is not None:
            arrays = widen_integers(arrays, widen)
        with np.errstate(all="ignore"):
            return array_op(*arrays)

    return dispatch(scalar, vectorised, *operands.values())


def _float_div(x: float, y: float) -> float:
    # Python raises on division by zero; IEEE 754 gives +-inf or NaN, as openEO wants.
    return float(np.divide(float(x), float(y)))


@process("add")
def add(x: Any, y: Any) -> Any:
    return numeric("add", operator.add, np.add, widen="sum", x=x, y=y)


@process("subtract")
def subtract(x: Any, y: Any) -> Any:
    return numeric("subtract", operator.sub, np.subtract, widen="sum", x=x, y=y)


@process("multiply")
def multiply(x: Any, y: Any) -> Any:
    return numeric("multiply", operator.mul, np.multiply, widen="product", x=x, y=y)


@process("divide")
def divide(x: Any, y: Any) -> Any:
    return numeric("divide", _float_div, np.true_divide, x=x, y=y)


def _mod_scalar(x: float, y: float) -> float:
    if y == 0:
        return _float_div(x, y)  # +-inf or NaN by the sign of x
    if math.isinf(y) and math.isfinite(x):
        return x  # the official examples keep x for an infinite divisor of either sign
    if isinstance(x, int) and isinstance(y, int):
        return x % y  # exact for big integers; sign of the divisor
    return float(np.mod(float(x), float(y)))  # floored: sign of the divisor


def _mod_array(x: Any, y: Any) -> Any:
    result = np.mod(x, y)
    if not is_array(y) and y != 0 and math.isfinite(y):
        return result  # the common case keeps integer data integer
    if (is_array(y) and kind(y) == "f") or (not is_array(y) and math.isinf(y)):
        result = where(np.isinf(y) & np.isfinite(x), x, result)
    return where(y == 0, x * np.inf, result)  # x * inf: +-inf, or NaN for x == 0


@process("mod")
def mod(x: Any, y: Any) -> Any:
    return numeric("mod", _mod_scalar, _mod_array, x=x, y=y)


def _power_scalar(base: float, p: float) -> float:
    if isinstance(base, int) and isinstance(p, int) and p >= 0 and _int_power_fits(base, p):
        return base**p  # exact integer power
    return float(np.power(float(base), float(p)))


def _int_power_fits(base: int, p: int) -> bool:
    """Whether ``base ** p`` is cheap to compute exactly: false when it is certainly
    beyond the int64 range, decided without computing it (an exact power of large
    integers takes minutes and gigabytes).  Exact results beyond int64 that pass (below
    2 ** 128) become doubles afterwards, like every scalar result."""
    if abs(base) <= 1:
        return True  # 0, 1 or -1: cheap for any p
    # |base| ** p >= 2 ** ((bit_length - 1) * p), and p < 64 from here on
    return (abs(base).bit_length() - 1) * p < 64


def _power_array(base: Any, p: Any) -> Any:
    # numpy refuses negative integer powers of integers: go float unless p is a
    # non-negative integer scalar (keeps integer data integer for squares etc.).
    p_is_natural = not is_array(p) and isinstance(p, (int, np.integer)) and p >= 0
    if not p_is_natural:
        if is_array(base) and kind(base) in "iub":
            base = base.astype(float)
        elif not is_array(base):
            base = float(base)
    result = np.power(base, p)
    # IEEE gives pow(1, NaN) == pow(NaN, 0) == 1, but in arrays NaN is no-data
    nan_operands = [v for v in (base, p) if is_array(v) and kind(v) == "f"]
    if not nan_operands:
        return result
    return where(_any_nan(nan_operands), np.nan, result)


def _any_nan(arrays: list[Any]) -> Any:
    mask = np.isnan(arrays[0])
    for array in arrays[1:]:
        mask = mask | np.isnan(array)
    return mask


@process("power")
def power(base: Any, p: Any) -> Any:
    return numeric("power", _power_scalar, _power_array, widen="product", base=base, p=p)


@process("absolute")
def absolute(x: Any) -> Any:
    return numeric("absolute", abs, np.abs, x=x)


def _sgn_scalar(x: float) -> float:
    if isinstance(x, float) and math.isnan(x):
        return x
    return (x > 0) - (x < 0)


@process("sgn")
def sgn(x: Any) -> Any:
    return numeric("sgn", _sgn_scalar, np.sign, x=x)


@process("sqrt")
def sqrt(x: Any) -> Any:
    return numeric("sqrt", lambda v: float(np.sqrt(float(v))), np.sqrt, x=x)


@process("clip")
def clip(x: Any, min: Any, max: Any) -> Any:
    check_numbers("clip", min=min, max=max)
    if min is None or max is None:
        raise ProcessParameterInvalid("clip: 'min' and 'max' must be numbers.")
    if not is_array(min) and not is_array(max) and min > max:
        raise OpenEOError(
            "MinMaxSwapped", f"clip: the minimum ({min}) is greater than the maximum ({max})."
        )

    def clipped(v: Any) -> Any:
        # np.minimum/np.maximum propagate NaN (also of the bounds) and stay lazy on xarray.
        (v,) = fit_integer_scalars([v], (min, max))
        return np.minimum(np.maximum(v, min), max)

    return numeric("clip", clipped, clipped, x=x)


@process("linear_scale_range")
def linear_scale_range(
    x: Any,
    inputMin: Any,
    inputMax: Any,
    outputMin: Any = 0,
    outputMax: Any = 1,
) -> Any:
    bounds = {
        "inputMin": inputMin,
        "inputMax": inputMax,
        "outputMin": outputMin,
        "outputMax": outputMax,
    }
    if check_numbers("linear_scale_range", **bounds):
        raise ProcessParameterInvalid("linear_scale_range: the range bounds must be numbers.")
    low, high = np.fmin(inputMin, inputMax), np.fmax(inputMin, inputMax)

    def scaled(v: Any) -> Any:
        v = np.minimum(np.maximum(as_float(v), low), high)  # the range may be inverted
        return (v - inputMin) / (inputMax - inputMin) * (outputMax - outputMin) + outputMin

    return numeric("linear_scale_range", scaled, scaled, x=x)


def _normalized_difference(x: Any, y: Any) -> Any:
    if not is_array(x) and not is_array(y):
        # numpy doubles: IEEE 754 division (x + y may be 0), not Python's exception
        x, y = np.float64(x), np.float64(y)
    x, y = as_float(x), as_float(y)  # unsigned x - y would wrap around
    return (x - y) / (x + y)


@process("normalized_difference")
def normalized_difference(x: Any, y: Any) -> Any:
    return numeric(
        "normalized_difference", _normalized_difference, _normalized_difference, x=x, y=y
    )
