"""Checking JSON argument values against openEO parameter schemas.

openEO schemas are JSON Schema (draft 7) plus the keyword ``subtype``; a parameter's
schema may also be a list of alternatives.  We check with ``jsonschema`` after adding,
for each known subtype, the structural rules that subtype implies (our own encoding of
the subtype semantics of openeo-processes' ``meta/subtype-schemas.json``).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

from ..util.identity_cache import IdentityCache

_RFC3339_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if isinstance(value, str):
        if not _RFC3339_DATE_TIME.match(value):
            return False
        datetime.fromisoformat(value.replace("z", "+00:00").replace("Z", "+00:00"))
    return True


_TEMPORAL_BOUND: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        {"type": "string", "pattern": r"^\d{4}$"},
        {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$"},
        {"type": "null"},
    ]
}
_TEMPORAL_INTERVAL: dict[str, Any] = {
    "type": "array",
    "minItems": 2,
    "maxItems": 2,
    "items": _TEMPORAL_BOUND,
}
_EPSG_CODE: dict[str, Any] = {"type": "integer", "minimum": 1000}
_GEOJSON_TYPES = [
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection", "Feature", "FeatureCollection",
]  # fmt: skip

#: Structural rules per subtype, applied in addition to the parameter's own schema.
#: Types not named in a rule are left to the parameter schema (a subtype narrows its
#: JSON type; a value of another type is judged by the schema alternatives alone).
SUBTYPE_RULES: dict[str, dict[str, Any]] = {
    "bounding-box": {
        "if": {"type": "object"},
        "then": {
            "required": ["west", "south", "east", "north"],
            "properties": {
                "west": {"type": "number"},
                "south": {"type": "number"},
                "east": {"type": "number"},
                "north": {"type": "number"},
                "base": {"type": ["number", "null"]},
                "height": {"type": ["number", "null"]},
                "crs": {"anyOf": [_EPSG_CODE, {"type": "string"}]},
            },
        },
    },
    "temporal-interval": {"if": {"type": "array"}, "then": _TEMPORAL_INTERVAL},
    "temporal-intervals": {
        "if": {"type": "array"},
        "then": {"minItems": 1, "items": _TEMPORAL_INTERVAL},
    },
    "geojson": {
        "if": {"type": "object"},
        "then": {"required": ["type"], "properties": {"type": {"enum": _GEOJSON_TYPES}}},
    },
    "epsg-code": {"if": {"type": "integer"}, "then": _EPSG_CODE},
    "date": {"if": {"type": "string"}, "then": {"format": "date"}},
    "date-time": {"if": {"type": "string"}, "then": {"format": "date-time"}},
    "time": {"if": {"type": "string"}, "then": {"pattern": r"^\d{2}:\d{2}:\d{2}$"}},
    "year": {"if": {"type": "string"}, "then": {"pattern": r"^\d{4}$"}},
    "duration": {
        "if": {"type": "string"},
        "then": {
            "pattern": r"^(-?)P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+[DW])?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
        },
    },
    "collection-id": {"if": {"type": "string"}, "then": {"pattern": r"^[\w\-.~/]+$"}},
    "kernel": {
        "if": {"type": "array"},
        "then": {"items": {"type": "array", "items": {"type": "number"}}},
    },
    # A JSON literal is never a data cube: cubes only come from other process nodes.
    "datacube": {"not": {}},
    "raster-cube": {"not": {}},
    "vector-cube": {"not": {}},
}

#: Subtypes whose values are child process graphs (callbacks).
CALLBACK_SUBTYPE = "process-graph"


def _with_subtype_rules(schema: Any) -> Any:
    """A copy of ``schema`` with every known ``subtype`` turned into JSON Schema rules."""
    if isinstance(schema, list):
        return {"anyOf": [_with_subtype_rules(s) for s in schema]}
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("parameters", "returns", "default", "examples", "description"):
            continue  # callback signatures and prose are no validation rules
        if isinstance(value, dict | list) and key not in ("enum", "const", "required", "type"):
            value = (
                [_with_subtype_rules(v) for v in value]
                if isinstance(value, list)
                else (
                    {k: _with_subtype_rules(v) for k, v in value.items()}
                    if key in ("properties", "patternProperties", "definitions")
                    else _with_subtype_rules(value)
                )
            )
        out[key] = value
    rule = SUBTYPE_RULES.get(schema.get("subtype", ""))
    if rule is not None:
        out = {"allOf": [out, rule]}
    return out


@lru_cache(maxsize=4096)
def _validator_for_json(schema_json: str) -> Draft7Validator:
    return Draft7Validator(_with_subtype_rules(json.loads(schema_json)), format_checker=FORMATS)


#: Validators by schema object identity (specs live as long as the registry).
_VALIDATORS: IdentityCache[Draft7Validator] = IdentityCache(max_entries=8192)


def _validator(schema: Any) -> Draft7Validator:
    validator = _VALIDATORS.get(schema)
    if validator is None:
        validator = _validator_for_json(json.dumps(schema, sort_keys=True))
        _VALIDATORS.put(schema, validator)
    return validator


def check_value(value: Any, schema: Any) -> str | None:
    """``None`` if the JSON ``value`` conforms to the openEO ``schema``, else why not."""
    if schema in ({}, [], None):
        return None
    validator = _validator(schema)
    error = next(iter(validator.iter_errors(value)), None)
    if error is None:
        return None
    best = _best_error(error)
    where = "".join(f"[{p!r}]" for p in best.absolute_path)
    return f"{where + ': ' if where else ''}{_short(best.message)}"


def _best_error(error: Any) -> Any:
    """The most specific error below an ``anyOf``/``allOf`` failure."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
        if not error.context:
            break
    return error


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "..."


def schema_alternatives(schema: Any) -> list[dict[str, Any]]:
    """The alternatives of an openEO parameter schema (a list means any of them)."""
    if isinstance(schema, list):
        return [s for s in schema if isinstance(s, dict)]
    if isinstance(schema, dict):
        if "anyOf" in schema and len(schema) <= 2:
            return [s for s in schema["anyOf"] if isinstance(s, dict)]
        return [schema]
    return []


def accepts_callback(schema: Any) -> bool:
    return any(s.get("subtype") == CALLBACK_SUBTYPE for s in schema_alternatives(schema))


def callback_parameter_names(schema: Any) -> set[str] | None:
    """Names of the parameters a callback for ``schema`` receives (``None``: unknown)."""
    names: set[str] = set()
    found = False
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("subtype") == CALLBACK_SUBTYPE and isinstance(item.get("parameters"), list):
                found = True
                names.update(p["name"] for p in item["parameters"] if isinstance(p, dict))
            stack.extend(v for k, v in item.items() if isinstance(v, dict | list))
    return names if found else None
