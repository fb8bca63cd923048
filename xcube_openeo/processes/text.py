"""Text processes: text_begins, text_contains, text_ends, text_find, text_concat.

Patterns are literal text, never regular expressions.  Case-insensitive matching uses
Unicode case folding (so "Ä" matches "ä").  Vectorised over string/object arrays the
scalar implementation runs per element: numpy has no faster path for Python strings.
"""

from __future__ import annotations

import math
import re
from typing import Any

import xarray as xr

from ..engine.registry import process
from ..engine.values import ArrayValue
from .math.elementwise import datetimes_as_text, dispatch, invalid, is_bool, to_python


def _search(data: Any, pattern: Any, case_sensitive: bool, process_id: str, anchor: str) -> Any:
    """The match of ``pattern`` in ``data`` (anchored at 'begin', 'end' or 'any'), or None.

    ``re`` with an escaped pattern gives case-insensitive matching with positions in the
    original text (case folding with ``str.casefold`` may change the text's length).
    """
    if not isinstance(pattern, str):
        raise invalid(process_id, "pattern", pattern, "a string")
    flags = 0 if case_sensitive else re.IGNORECASE
    regex = re.escape(pattern)
    if anchor == "begin":
        return re.match(regex, data, flags)
    if anchor == "end":
        return re.search(f"(?:{regex})\\Z", data, flags)
    return re.search(regex, data, flags)


def _text_process(
    process_id: str, anchor: str, data: Any, pattern: Any, case_sensitive: bool
) -> Any:
    def scalar(value: Any) -> Any:
        value = to_python(value)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(process_id, "data", value, "a string or null")
        match = _search(value, pattern, case_sensitive, process_id, anchor)
        if process_id == "text_find":
            return None if match is None else match.start()
        return match is not None

    def vectorised(value: Any) -> Any:
        raise invalid(process_id, "data", value, "strings")

    return dispatch(scalar, vectorised, datetimes_as_text(data))


@process("text_begins")
def text_begins(data: Any, pattern: str, case_sensitive: bool = True) -> Any:
    return _text_process("text_begins", "begin", data, pattern, case_sensitive)


@process("text_ends")
def text_ends(data: Any, pattern: str, case_sensitive: bool = True) -> Any:
    return _text_process("text_ends", "end", data, pattern, case_sensitive)


@process("text_contains")
def text_contains(data: Any, pattern: str, case_sensitive: bool = True) -> Any:
    return _text_process("text_contains", "any", data, pattern, case_sensitive)


@process("text_find")
def text_find(data: Any, pattern: str, case_sensitive: bool = True) -> Any:
    return _text_process("text_find", "any", data, pattern, case_sensitive)


def text_of(value: Any) -> str:
    """The text representation of a JSON scalar (as JavaScript would print it)."""
    value = to_python(value)
    if value is None:
        return "null"
    if is_bool(value):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "null"  # NaN is the no-data value inside arrays
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))  # a whole number: 1, not 1.0
        return repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    raise invalid("text_concat", "data", value, "strings, numbers, booleans or null")


@process("text_concat")
def text_concat(data: Any, separator: Any = "") -> Any:
    sep = text_of(separator)
    if isinstance(data, (list, tuple)):
        return sep.join(text_of(v) for v in data)
    if not isinstance(data, ArrayValue):
        raise invalid("text_concat", "data", data, "an array")
    if not data.is_vectorised:
        return sep.join(text_of(v) for v in data.data.values)
    # One text per slice along the array dimension (Python strings: no numpy fast path).
    return xr.apply_ufunc(
        lambda row: sep.join(text_of(v) for v in row),
        data.data,
        input_core_dims=[[data.dim]],
        vectorize=True,
        dask="parallelized",
        output_dtypes=[object],
    )
