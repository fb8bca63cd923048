"""openEO errors: one exception type carrying an openEO error code.

The HTTP status for each code comes from the openEO API's error list
(``error_statuses.json``, code -> status, derived from the API 1.2.0 ``errors.json``);
the message is always ours.
"""

from __future__ import annotations

import json
import logging
import uuid
from functools import cache
from importlib import resources
from typing import Any


@cache
def error_statuses() -> dict[str, int]:
    """Map of every openEO API error code to its HTTP status."""
    text = resources.files("xcube_openeo").joinpath("error_statuses.json").read_text("utf-8")
    return json.loads(text)


class OpenEOError(Exception):
    """An error reported to clients as an openEO error document.

    ``code`` is an openEO error code (see the API's errors.json) or a back-end specific
    one; ``status`` defaults to the status the API assigns to the code (400 for unknown
    codes, as the API recommends for client errors).
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int | None = None,
        links: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or error_statuses().get(code, 400)
        self.links = links or []
        self.headers = headers or {}
        self.id = uuid.uuid4().hex

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors raised on dask workers travel back pickled: keep code, status and id.
        return (
            _restore_error,
            (type(self), self.code, self.message, self.status, self.links, self.headers, self.id),
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "code": self.code, "message": self.message}
        if self.links:
            doc["links"] = self.links
        return doc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


def _restore_error(
    cls: type,
    code: str,
    message: str,
    status: int,
    links: list[Any],
    headers: dict[str, str],
    error_id: str,
) -> OpenEOError:
    error = OpenEOError.__new__(cls)
    OpenEOError.__init__(error, code, message, status=status, links=links, headers=headers)
    error.id = error_id
    return error


def _coded(code: str, status: int | None = None) -> type[OpenEOError]:
    """A subclass of OpenEOError bound to one code, for readable raise statements."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("status", status)
        OpenEOError.__init__(self, code, message, **kwargs)

    return type(code, (OpenEOError,), {"__init__": __init__, "CODE": code})


# The codes raised most often; any other code works with OpenEOError(code, message).
BadRequest = _coded("BadRequest")
NotFound = _coded("NotFound")
Internal = _coded("Internal")
FeatureUnsupported = _coded("FeatureUnsupported")
CollectionNotFound = _coded("CollectionNotFound")
ProcessGraphInvalid = _coded("ProcessGraphInvalid")
ProcessGraphMissing = _coded("ProcessGraphMissing")
ProcessGraphComplexity = _coded("ProcessGraphComplexity")
ProcessUnsupported = _coded("ProcessUnsupported")
ProcessParameterRequired = _coded("ProcessParameterRequired")
ProcessParameterUnsupported = _coded("ProcessParameterUnsupported")
ProcessParameterInvalid = _coded("ProcessParameterInvalid")
ProcessGraphNotFound = _coded("ProcessGraphNotFound")
AuthenticationRequired = _coded("AuthenticationRequired")
# Back-end specific codes for HTTP conditions the openEO error list has no code for.
PayloadTooLarge = _coded("PayloadTooLarge", 413)
MethodNotAllowed = _coded("MethodNotAllowed", 405)
# Back-end specific codes for client input beyond the bounds this back-end keeps.
JsonNestingTooDeep = _coded("JsonNestingTooDeep", 400)
NumberOutOfRange = _coded("NumberOutOfRange", 400)

#: Every code raised that is in neither the API's error list nor a process's exceptions.
BACKEND_SPECIFIC_CODES = frozenset(
    {
        PayloadTooLarge.CODE,
        MethodNotAllowed.CODE,
        JsonNestingTooDeep.CODE,
        NumberOutOfRange.CODE,
        # Malformed requests the list has no closer code for.
        BadRequest.CODE,
        # Named by the API's rules for process graph parameters, missing from its list.
        "ProcessParameterMissing",
        # Output formats and their options.
        "FormatUnsupported",
        "FormatArgumentInvalid",
        "FormatArgumentUnsupported",
        # Logins and map layers.
        "IdentityProviderUnavailable",
        "TooManyRequests",
        "ServiceDisabled",
        "ServiceTimeInvalid",
    }
)


def internal_error(message: str, cause: BaseException | None = None) -> OpenEOError:
    """An ``Internal`` error whose id is logged together with the cause.

    Clients see only ``message`` and the id; the server log has the traceback.
    """
    error = Internal(message)
    # "xcube.openeo": a child of xcube's logger, the one `xcube serve` sets up; a
    # logger of our own would print nothing there.
    logging.getLogger("xcube.openeo").error(
        "Internal error %s: %s", error.id, message, exc_info=cause
    )
    return error
