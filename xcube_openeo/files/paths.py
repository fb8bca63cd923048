"""Validation of user-supplied file paths.

A path is relative to the user's root and made of ordinary names only.  What is
refused: empty paths and empty segments (``a//b``, trailing ``/``), ``.`` and ``..``,
absolute paths, backslashes, NUL and other control characters, over-long names.
Percent-decoding happens once, before this check (tornado decodes the URL path), so
``a%2Fb`` is the same path as ``a/b`` and ``%2E%2E`` is ``..``, refused like it.
"""

from __future__ import annotations

import unicodedata

from xcube_openeo.errors import OpenEOError

MAX_PATH_LENGTH = 1024
MAX_SEGMENT_LENGTH = 255


def path_invalid(reason: str) -> OpenEOError:
    return OpenEOError("FilePathInvalid", f"File path is invalid: {reason}")


def split_user_path(path: str) -> list[str]:
    """The segments of a valid user path; raises ``FilePathInvalid`` otherwise."""
    if not isinstance(path, str) or not path:
        raise path_invalid("the path is empty.")
    if len(path) > MAX_PATH_LENGTH:
        raise path_invalid(f"the path is longer than {MAX_PATH_LENGTH} characters.")
    if path.startswith("/"):
        raise path_invalid("absolute paths are not allowed.")
    if "\\" in path:
        raise path_invalid("backslashes are not allowed.")
    for char in path:
        # Cc: C0/C1 controls incl. NUL and DEL; Cs: lone surrogates (undecodable bytes).
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise path_invalid("control characters are not allowed.")
    segments = path.split("/")
    for segment in segments:
        if segment == "":
            raise path_invalid("empty path segments ('//' or a trailing '/') are not allowed.")
        if segment in (".", ".."):
            raise path_invalid("'.' and '..' segments are not allowed.")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise path_invalid(f"a name is longer than {MAX_SEGMENT_LENGTH} characters.")
    if ":" in segments[0]:
        # 'c:' or 'file:' would make fsspec or Windows read it as a drive/protocol.
        raise path_invalid("the first name must not contain ':'.")
    return segments
