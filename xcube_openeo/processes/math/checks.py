"""Value checks: is_nan, is_nodata, is_valid, is_infinite.

They accept any value and return booleans, never no-data.  Inside arrays NaN is the
no-data value, so there ``is_nodata`` is true (and ``is_valid`` false) for NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from ...engine.registry import process
from .elementwise import is_array, is_number, isnull, kind, object_elementwise


def _finite_check(value: Any, test: Callable[[float], bool]) -> bool:
    return is_number(value) and test(float(value))


def _check(scalar: Callable[[Any], bool], numeric: Callable[[Any], Any], default: bool) -> Any:
    """Run a check on a scalar, or on every element of an array operand.

    ``default`` is the answer for every element of integer or boolean arrays, which hold
    neither NaN, infinity nor no-data.
    """

    def run(x: Any) -> Any:
        if not is_array(x):
            return scalar(x)
        if kind(x) in "fc":
            return numeric(x)
        if kind(x) in "iub":
            return _constant_like(x, default)
        return object_elementwise(scalar, x).astype(bool)

    return run


def _constant_like(x: Any, value: Any) -> Any:
    if isinstance(x, xr.DataArray):
        return xr.full_like(x, bool(value), dtype=bool)
    return np.full(np.shape(x), bool(value))


@process("is_nan")
def is_nan(x: Any) -> Any:
    return _check(lambda v: _finite_check(v, math.isnan), np.isnan, False)(x)


@process("is_infinite")
def is_infinite(x: Any) -> Any:
    return _check(lambda v: _finite_check(v, math.isinf), np.isinf, False)(x)


@process("is_nodata")
def is_nodata(x: Any) -> Any:
    if is_array(x):
        return isnull(x) if kind(x) in "fcO" else _constant_like(x, False)
    return x is None


def _is_valid_scalar(v: Any) -> bool:
    if v is None:
        return False
    return math.isfinite(float(v)) if is_number(v) else True


@process("is_valid")
def is_valid(x: Any) -> Any:
    return _check(_is_valid_scalar, np.isfinite, True)(x)
