"""Settings dataclasses: each configuration key's default, description and constraints once.

A section of the ``OpenEO`` configuration is a frozen dataclass whose fields are made
with :func:`setting` (a value) or :func:`section` (a nested section).  From it come the
section's JSON schema (:func:`settings_schema`, what xcube validates the configuration
with), the values the code reads (:func:`from_config`) and the README's configuration
table (:func:`markdown_rows`, printed by ``scripts/config_table.py``).  A field
``sync_timeout`` is the key ``SyncTimeout``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from xcube.util.jsonschema import (
    JsonArraySchema,
    JsonBooleanSchema,
    JsonIntegerSchema,
    JsonNumberSchema,
    JsonObjectSchema,
    JsonSchema,
    JsonStringSchema,
)

S = TypeVar("S")

_CONSTRAINTS = ("minimum", "exclusive_minimum", "maximum", "enum", "pattern")


def setting(
    default: Any = None,
    description: str = "",
    *,
    schema: JsonSchema | None = None,
    shown: str | None = None,
    unit: str | None = None,
    required: bool = False,
    items: type | None = None,
    **constraints: Any,
) -> Any:
    """A configuration value: its default, what it means, and its JSON schema constraints.

    ``schema`` replaces the schema derived from the field's type (for lists of objects
    and the like); ``shown`` is the default as the README shows it where the value
    alone says too little (a default computed at start-up); ``unit`` (``"bytes"``,
    ``"seconds"``) adds the value in a larger unit where one divides it.  ``required``:
    the section's schema requires the key.  ``items``: a list of sections of this
    settings class (a tuple of them in the settings).
    ``constraints``: ``minimum``, ``exclusive_minimum``, ``maximum``, ``enum``,
    ``pattern`` (strings).
    """
    unknown = set(constraints) - set(_CONSTRAINTS)
    if unknown:
        raise TypeError(f"unknown constraints {sorted(unknown)}")
    metadata: dict[str, Any] = dict(
        description=description, schema=schema, shown=shown, unit=unit, required=required
    )
    if items is not None:
        metadata["items"] = items
    return dataclasses.field(default=default, metadata={**metadata, **constraints})


def section(settings_class: type, description: str = "") -> Any:
    """A nested configuration section (a settings dataclass), all defaults when absent."""
    return dataclasses.field(
        default_factory=settings_class, metadata=dict(description=description, section=True)
    )


def config_key(field: dataclasses.Field) -> str:
    return "".join(part.capitalize() for part in field.name.split("_"))


def from_config(settings_class: type[S], config: Mapping[str, Any] | None) -> S:
    """The settings of a configuration section (a mapping; absent keys take defaults)."""
    config = config or {}
    hints = typing.get_type_hints(settings_class)
    values = {}
    for f in dataclasses.fields(settings_class):  # type: ignore[arg-type]
        key = config_key(f)
        if key in config:
            values[f.name] = _converted(f, hints[f.name], config[key])
    return settings_class(**values)


def _converted(f: dataclasses.Field, hint: Any, value: Any) -> Any:
    items = f.metadata.get("items")
    if items is not None:
        return tuple(from_config(items, entry) for entry in value or ())
    kind = _value_type(hint)
    if dataclasses.is_dataclass(kind):
        return from_config(kind, value)  # type: ignore[arg-type]
    if value is None:
        return None
    if kind in (int, float, str, bool, tuple):
        return kind(value)
    return value


def _value_type(hint: Any) -> Any:
    """``int`` for ``int | None``, ``tuple`` for ``tuple[str, ...]``; else the hint."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (hint,) = [h for h in typing.get_args(hint) if h is not type(None)]
    return typing.get_origin(hint) or hint


# --- JSON schema ---------------------------------------------------------------------------


def settings_schema(settings_class: type, description: str | None = None) -> JsonObjectSchema:
    """The JSON schema of a section: no other keys, each key's type, constraints, default."""
    hints = typing.get_type_hints(settings_class)
    fields = dataclasses.fields(settings_class)
    required = [config_key(f) for f in fields if f.metadata.get("required")]
    return JsonObjectSchema(
        properties={config_key(f): _field_schema(f, hints[f.name]) for f in fields},
        required=required or None,  # type: ignore[arg-type]  # xcube: None by default, not in its annotation
        additional_properties=False,
        description=description or None,
    )


def _field_schema(f: dataclasses.Field, hint: Any) -> JsonSchema:
    meta = f.metadata
    description = meta.get("description") or None
    if meta.get("section"):
        return settings_schema(_value_type(hint), description)
    if meta.get("items"):
        return JsonArraySchema(items=settings_schema(meta["items"]), description=description)
    schema = meta.get("schema")
    if schema is not None:
        if schema.description is None:
            schema.description = description
        return schema
    kwargs: dict[str, Any] = {k: meta[k] for k in _CONSTRAINTS if meta.get(k) is not None}
    if description:
        kwargs["description"] = description
    if f.default is not None and f.default != ():
        kwargs["default"] = list(f.default) if isinstance(f.default, tuple) else f.default
    kind = _value_type(hint)
    if kind is tuple:
        return JsonArraySchema(
            items=JsonStringSchema(pattern=kwargs.pop("pattern", None)), **kwargs
        )
    schema_class = {
        bool: JsonBooleanSchema,
        int: JsonIntegerSchema,
        float: JsonNumberSchema,
        str: JsonStringSchema,
    }[kind]
    return schema_class(**kwargs)


# --- README table --------------------------------------------------------------------------


def markdown_rows(settings_class: type, prefix: str = "") -> Iterator[str]:
    """Rows ``| key | default | meaning |`` of every key of a section, nested ones dotted."""
    hints = typing.get_type_hints(settings_class)
    for f in dataclasses.fields(settings_class):
        key = prefix + config_key(f)
        description = f.metadata.get("description", "")
        if f.metadata.get("section"):
            if description:
                yield f"| `{key}` | | {description} |"
            yield from markdown_rows(_value_type(hints[f.name]), key + ".")
        elif f.metadata.get("items"):
            yield f"| `{key}` | none | {description} |"
            yield from markdown_rows(f.metadata["items"], key + "[].")
        else:
            yield f"| `{key}` | {shown_default(f)} | {description} |"


def markdown_table(settings_class: type) -> str:
    header = ["| key | default | meaning |", "| --- | --- | --- |"]
    return "\n".join(header + list(markdown_rows(settings_class))) + "\n"


def shown_default(f: dataclasses.Field) -> str:
    shown = f.metadata.get("shown")
    if shown is not None:
        return shown
    value: Any = f.default
    if f.metadata.get("required"):
        return "required"
    if value is None or value == ():
        return "none"
    if isinstance(value, tuple):
        return ", ".join(f"`{v}`" for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`"
    text = f"{value:g}" if isinstance(value, float) and not value.is_integer() else str(int(value))
    readable = _READABLE.get(f.metadata.get("unit"), lambda _: None)(value)
    return f"{text} ({readable})" if readable else text


def _in_units(value: float, units: tuple[tuple[int, str, str], ...]) -> str | None:
    """``value`` in the largest unit (size, singular, plural) that divides it, if any."""
    for size, singular, plural in units:
        if value >= size and value % size == 0:
            n = int(value // size)
            return f"{n} {singular if n == 1 else plural}"
    return None


_READABLE: dict[str | None, Callable[[Any], str | None]] = {
    "bytes": lambda v: _in_units(
        v, ((1024**3, "GiB", "GiB"), (1024**2, "MiB", "MiB"), (1024, "KiB", "KiB"))
    ),
    "seconds": lambda v: _in_units(
        v, ((86400, "day", "days"), (3600, "hour", "hours"), (60, "min", "min"))
    ),
}
