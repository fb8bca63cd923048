"""Mathematical functions and constants: trigonometric and hyperbolic functions, exp,
ln, log, e, pi, nan, constant."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...engine.registry import process
from .arithmetic import numeric
from .elementwise import is_array


def _unary(process_id: str, ufunc: np.ufunc, parameter: str = "x") -> Callable[..., Any]:
    """An element-wise process computing ``ufunc`` (IEEE 754: NaN outside the domain)."""

    def scalar(v: Any) -> float:
        return float(ufunc(float(v)))

    def implementation(**kwargs: Any) -> Any:
        return numeric(process_id, scalar, ufunc, **{parameter: kwargs[parameter]})

    return implementation


_UNARY_FUNCTIONS: dict[str, np.ufunc] = {
    "cos": np.cos,
    "sin": np.sin,
    "tan": np.tan,
    "arccos": np.arccos,
    "arcsin": np.arcsin,
    "arctan": np.arctan,
    "cosh": np.cosh,
    "sinh": np.sinh,
    "tanh": np.tanh,
    "arcosh": np.arccosh,
    "arsinh": np.arcsinh,
    "artanh": np.arctanh,
    "ln": np.log,
}


def _register_unary() -> None:
    for process_id, ufunc in _UNARY_FUNCTIONS.items():
        process(process_id)(_unary_process(process_id, ufunc))


def _unary_process(process_id: str, ufunc: np.ufunc) -> Callable[[Any], Any]:
    impl = _unary(process_id, ufunc)

    def func(x: Any) -> Any:
        return impl(x=x)

    func.__name__ = func.__qualname__ = process_id
    return func


_register_unary()


@process("exp")
def exp(p: Any) -> Any:
    return _unary("exp", np.exp, parameter="p")(p=p)


@process("arctan2")
def arctan2(y: Any, x: Any) -> Any:
    return numeric("arctan2", lambda a, b: float(np.arctan2(a, b)), np.arctan2, y=y, x=x)


def _log(x: Any, base: Any) -> Any:
    # Exact logarithms for the usual bases (log(1000, 10) == 3, not 2.9999999999999996).
    if not is_array(base) and base == 10:
        return np.log10(x)
    if not is_array(base) and base == 2:
        return np.log2(x)
    return np.log(x) / np.log(base)


@process("log")
def log(x: Any, base: Any) -> Any:
    return numeric("log", lambda a, b: float(_log(float(a), float(b))), _log, x=x, base=base)


@process("e")
def e() -> float:
    return math.e


@process("pi")
def pi() -> float:
    return math.pi


@process("nan")
def nan() -> float:
    return math.nan


@process("constant")
def constant(x: Any) -> Any:
    return x
