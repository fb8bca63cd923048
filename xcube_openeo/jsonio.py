"""JSON from clients, read within bounds.

Everything a client sends as JSON goes through :func:`loads`, which refuses what would
make later processing fail or run without bound:

* nesting deeper than :data:`MAX_JSON_DEPTH` (Python's parser and every recursive walk
  over a document, such as graph validation, would otherwise hit the recursion limit);
* integers outside the int64 range (openEO numbers are IEEE doubles or bounded
  integers; exact Python integers of any size would make arithmetic unbounded) and
  numbers too large for a double (``1e400`` would silently become infinity);
* ``NaN`` and ``Infinity``, which Python accepts but JSON (RFC 8259) does not have, and
  which no JSON answer could give back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from xcube_openeo.errors import BadRequest, JsonNestingTooDeep, NumberOutOfRange

#: Most nested arrays and objects in a document.  A process graph needs about four
#: levels per nested callback (process_graph, node, arguments, argument), so this allows
#: graphs with dozens of callback levels and deeply nested array literals.
MAX_JSON_DEPTH = 200

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _integer(text: str) -> int:
    # Python refuses to parse integers of more than 4300 digits (a ValueError); a
    # bounded number of digits first keeps the conversion itself cheap.
    if len(text.lstrip("-")) > 19 or not INT64_MIN <= (value := int(text)) <= INT64_MAX:
        raise NumberOutOfRange(
            f"The integer {_short(text)} is out of range: integers must lie between"
            f" {INT64_MIN} and {INT64_MAX} (64-bit); larger numbers can be given as"
            " floating-point numbers (with a fraction or an exponent)."
        )
    return value


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise NumberOutOfRange(
            f"The number {_short(text)} is out of range: it is larger than the largest"
            " IEEE 754 double-precision number."
        )
    return value


def _constant(name: str) -> Any:
    raise BadRequest(
        f"The request body is not valid JSON: {name} is no JSON value (use the processes"
        " 'nan' or 'divide' for NaN and infinities)."
    )


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} digits)"


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parses client JSON; raises an :class:`~xcube_openeo.errors.OpenEOError` (400)
    for invalid JSON, for documents nested deeper than ``max_depth`` and for numbers out
    of range."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        doc = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise too_deep(max_depth) from None
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest(f"The request body is not valid JSON in UTF-8: {e}") from None
    check_depth(doc, max_depth)
    return doc


def too_deep(max_depth: int) -> JsonNestingTooDeep:
    return JsonNestingTooDeep(
        f"The JSON document is nested too deeply: at most {max_depth} levels of arrays and"
        " objects are accepted."
    )


def check_depth(doc: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raises ``JsonNestingTooDeep`` if ``doc`` nests more than ``max_depth`` arrays and
    objects (an iterative walk: it cannot itself run out of stack)."""
    pending = [(doc, 1)]
    while pending:
        value, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise too_deep(max_depth)
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
