"""The format registry: formats, their options, and the files they write.

Readers and writers register themselves with :data:`FORMATS` where they are
implemented (:func:`xcube_openeo.formats.load_formats` imports them all).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dask
import jsonschema
from distributed import get_worker

from xcube_openeo.errors import OpenEOError

#: Options every output format accepts.
COMMON_PARAMETERS: dict[str, Any] = {
    "filename_prefix": {
        "type": "string",
        "description": "Name of the written file(s) without extension (batch jobs);"
        " letters, digits, '-', '_' and '.' only.",
        "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$",
    },
}


@dataclass(frozen=True)
class WrittenFile:
    """One file (or directory, for Zarr) an output format wrote."""

    #: Path relative to the target directory, with ``/`` separators.
    name: str
    media_type: str
    #: Size in bytes (of all files, for a directory).
    size: int
    roles: tuple[str, ...] = ("data",)
    title: str | None = None
    is_directory: bool = False
    #: Band names in file order (raster formats).
    band_names: tuple[str, ...] = ()
    #: STAC ``raster:bands`` entries in file order: nodata, data_type, scale, offset,
    #: statistics (where they were cheap to get).
    raster_bands: tuple[dict[str, Any], ...] = ()
    #: RFC 3339 date-time of the time step a file holds (one GeoTIFF per time step).
    datetime: str | None = None
    #: STAC projection fields (``proj:code``/``proj:wkt2``, ``proj:shape``,
    #: ``proj:transform``, ``proj:bbox``) for georeferenced rasters.
    projection: dict[str, Any] = field(default_factory=dict)

    def to_stac_asset(self, href: str) -> dict[str, Any]:
        """A STAC asset object for this file at ``href``."""
        asset: dict[str, Any] = {
            "href": href,
            "type": self.media_type,
            "roles": list(self.roles),
            "file:size": self.size,
        }
        if self.title:
            asset["title"] = self.title
        if self.datetime:
            asset["datetime"] = self.datetime
        if self.raster_bands:
            asset["raster:bands"] = [dict(b) for b in self.raster_bands]
        if self.band_names:
            asset["eo:bands"] = [{"name": n} for n in self.band_names]
        asset.update(self.projection)
        return asset


#: ``writer(value, options, target_dir, stem) -> list[WrittenFile]``; options are
#: already validated and completed with their defaults.
Writer = Callable[[Any, dict[str, Any], str, str], list[WrittenFile]]
#: ``checker(value, options)`` raises what the writer would raise for the value's
#: structure (dimensions, data type, grid, size) without computing anything.
Checker = Callable[[Any, dict[str, Any]], None]


@dataclass(frozen=True)
class FileFormat:
    name: str
    gis_data_types: tuple[str, ...]
    title: str
    description: str = ""
    #: Option name -> JSON schema (with ``description`` and ``default``).
    parameters: dict[str, Any] = field(default_factory=dict)
    writer: Writer | None = None
    checker: Checker | None = None
    #: Media type of the (main) file the format writes.
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

    def validate_options(self, options: dict[str, Any] | None) -> dict[str, Any]:
        """The options checked against :attr:`parameters`, with defaults filled in."""
        return validate_options(self, options)

    def check(self, value: Any, options: dict[str, Any] | None) -> dict[str, Any]:
        """Whether ``value`` can be written with ``options`` (cheap, computes nothing):
        the validated options, or an OpenEOError.  For checks on the server before
        the writing is sent to a dask worker."""
        checked = self.validate_options(options)
        if self.checker is not None:
            self.checker(value, checked)
        return checked

    def write(
        self, value: Any, options: dict[str, Any] | None, target_dir: str, stem: str
    ) -> list[WrittenFile]:
        """Write ``value`` as files named after ``stem`` into ``target_dir``."""
        if self.writer is None:
            raise NotImplementedError(f"{self.name} is not an output format")
        checked = self.validate_options(options)
        with writer_scheduler():
            return self.writer(value, checked, target_dir, checked.get("filename_prefix") or stem)


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


def writer_scheduler() -> contextlib.AbstractContextManager[Any]:
    """The dask scheduler for computations of a writer.

    On a dask worker (batch jobs write there) computations run on the worker's own
    threads: every strip has to come to this worker for writing anyway, and a task
    that submits tasks and waits for them holds its thread meanwhile.  Elsewhere the
    caller's scheduler is used.
    """
    try:
        get_worker()
    except ValueError:
        return contextlib.nullcontext()
    return dask.config.set(scheduler="threads")


def validate_options(fmt: FileFormat, options: dict[str, Any] | None) -> dict[str, Any]:
    """Options checked against the format's parameter schemas; defaults filled in."""
    if options is not None and not isinstance(options, dict):
        raise OpenEOError("FormatArgumentInvalid", "Format options must be an object.")
    options = dict(options or {})
    unknown = sorted(set(options) - set(fmt.parameters))
    if unknown:
        raise OpenEOError(
            "FormatArgumentUnsupported",
            f"Format {fmt.name} has no option {', '.join(map(repr, unknown))};"
            f" its options are: {', '.join(sorted(fmt.parameters)) or 'none'}.",
        )
    checked: dict[str, Any] = {}
    for name, schema in fmt.parameters.items():
        if name not in options or options[name] is None:
            checked[name] = schema.get("default")
            continue
        try:
            jsonschema.validate(options[name], schema)
        except jsonschema.ValidationError as e:
            raise OpenEOError(
                "FormatArgumentInvalid",
                f"Invalid value {options[name]!r} for option {name!r} of format"
                f" {fmt.name}: {e.message}.",
            ) from None
        checked[name] = options[name]
    return checked
