"""File formats: what ``GET /file_formats`` lists is exactly what is registered here.

Readers and writers register themselves with :data:`FORMATS` where they are
implemented; nothing is listed that cannot be read or written.

An output format writes a process result into a target directory (a local path or
an fsspec URL) and describes every file it wrote as a :class:`WrittenFile`, the
material of a STAC asset.  :func:`xcube_openeo.formats.writing.encode_response` turns
the same writers into bytes for synchronous responses.
"""

from __future__ import annotations

# The format modules register themselves with FORMATS on import.
from xcube_openeo.formats import gtiff, jsonformat, netcdf, png, vector, zarrformat  # noqa: F401
from xcube_openeo.formats.registry import (
    COMMON_PARAMETERS,
    FORMATS,
    FileFormat,
    FormatRegistry,
    WrittenFile,
)


def load_formats() -> FormatRegistry:
    """The registry with every implemented format registered."""
    return FORMATS


__all__ = [
    "COMMON_PARAMETERS",
    "FORMATS",
    "FileFormat",
    "FormatRegistry",
    "WrittenFile",
    "load_formats",
]
