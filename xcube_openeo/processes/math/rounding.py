"""Rounding processes: ceil, floor, int, round.

Integer results are Python ints for finite scalars; integer arrays are returned
unchanged (they are already whole numbers), float arrays stay float (NaN = no-data).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from xcube_openeo.errors import ProcessParameterInvalid

from ...engine.registry import process
from .arithmetic import numeric
from .elementwise import is_array, kind, where

#: Decimal digits beyond which rounding changes no int64 (|v| < 10**19) and no double
#: (10**p overflows a double beyond 308).
MAX_INT_DIGITS, MAX_FLOAT_DIGITS = 19, 308


def _to_integer(func: Callable[[float], Any]) -> Callable[[Any], Any]:
    def scalar(x: Any) -> Any:
        if isinstance(x, int) or not math.isfinite(x):
            return x  # integers are whole already; +-inf and NaN pass through
        return int(func(x))

    return scalar


def _keep_integers(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def vectorised(x: Any) -> Any:
        return x if is_array(x) and kind(x) in "iub" else func(x)

    return vectorised


@process("ceil")
def ceil(x: Any) -> Any:
    return numeric("ceil", _to_integer(math.ceil), _keep_integers(np.ceil), x=x)


@process("floor")
def floor(x: Any) -> Any:
    return numeric("floor", _to_integer(math.floor), _keep_integers(np.floor), x=x)


def _int_scalar(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None  # the official examples map int(NaN) to no-data
    return _to_integer(math.trunc)(x)


@process("int")
def int_(x: Any) -> Any:
    return numeric("int", _int_scalar, _keep_integers(np.trunc), x=x)


@process("round")
def round_(x: Any, p: Any = 0) -> Any:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise ProcessParameterInvalid(f"round: the precision 'p' must be an integer, got {p!r}.")
    p = int(p)

    # numpy scales by 10**p and rounds half to even: 0.35 -> 0.4 as the examples expect
    # (Python's round() works on the exact binary value and gives 0.3).  10**p overflows
    # a double beyond |p| = 308 (numpy gives NaN) and int64 beyond 18 (garbage), where
    # Python's round is exact and quick (it never computes 10**p for floats).
    def scalar(v: Any) -> Any:
        if isinstance(v, int):
            if p >= 0:
                return v
            return 0 if p < -MAX_INT_DIGITS else round(v, p)  # exact, half to even
        if abs(p) > MAX_FLOAT_DIGITS:
            return round(v, p)  # v itself, or 0.0 (NaN and infinities stay)
        return float(np.round(v, p))

    def vectorised(v: Any) -> Any:
        if kind(v) in "iub":
            if p >= 0:
                return v
            if p < -(MAX_INT_DIGITS - 1):
                v = v.astype(np.float64)  # 10**19 and more are no int64
        if p > MAX_FLOAT_DIGITS:
            return v  # finer than any double's precision
        if p < -MAX_FLOAT_DIGITS:
            return where(np.isfinite(v), v * 0, v)  # every finite double rounds to 0
        # np.round(DataArray) would compute eagerly; the method stays lazy
        return v.round(p) if isinstance(v, xr.DataArray) else np.round(v, p)

    return numeric("round", scalar, vectorised, x=x)
