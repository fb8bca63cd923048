"""File formats: what ``GET /file_formats`` lists is exactly what is registered here.

Readers and writers register themselves with :data:`FORMATS` where they are
implemented; nothing is listed that cannot be read or written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileFormat:
    name: str
    gis_data_types: tuple[str, ...]
    title: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    #: ``handler(value, options) -> bytes`` for output formats.
    handler: Callable[..., Any] | None = None
    media_type: str = "application/octet-stream"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "gis_data_types": list(self.gis_data_types),
            "title": self.title,
            "parameters": self.parameters,
        }
        if self.description:
            doc["description"] = self.description
        return doc


@dataclass
class FormatRegistry:
    input: dict[str, FileFormat] = field(default_factory=dict)
    output: dict[str, FileFormat] = field(default_factory=dict)

    def add_output(self, fmt: FileFormat) -> None:
        self.output[fmt.name] = fmt

    def add_input(self, fmt: FileFormat) -> None:
        self.input[fmt.name] = fmt

    def find_output(self, name: str) -> FileFormat | None:
        """Format names are case-insensitive in openEO."""
        return next((f for n, f in self.output.items() if n.lower() == name.lower()), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "input": {n: f.to_json() for n, f in self.input.items()},
            "output": {n: f.to_json() for n, f in self.output.items()},
        }


FORMATS = FormatRegistry()


def load_formats() -> FormatRegistry:
    """The registry with every implemented format registered."""
    from xcube_openeo.formats import jsonformat  # noqa: F401

    return FORMATS
