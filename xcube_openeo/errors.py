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
from typing import Any, ClassVar


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
    error: OpenEOError = OpenEOError.__new__(cls)
    OpenEOError.__init__(error, code, message, status=status, links=links, headers=headers)
    error.id = error_id
    return error


class _CodedError(OpenEOError):
    """An OpenEOError bound to one code (``CODE``), for readable raise statements."""

    CODE: ClassVar[str]
    STATUS: ClassVar[int | None] = None

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("status", self.STATUS)
        OpenEOError.__init__(self, self.CODE, message, **kwargs)


# The codes raised most often; any other code works with OpenEOError(code, message).
class BadRequest(_CodedError):
    CODE = "BadRequest"


class NotFound(_CodedError):
    CODE = "NotFound"


class Internal(_CodedError):
    CODE = "Internal"


class FeatureUnsupported(_CodedError):
    CODE = "FeatureUnsupported"


class CollectionNotFound(_CodedError):
    CODE = "CollectionNotFound"


class ProcessGraphInvalid(_CodedError):
    CODE = "ProcessGraphInvalid"


class ProcessGraphMissing(_CodedError):
    CODE = "ProcessGraphMissing"


class ProcessGraphComplexity(_CodedError):
    CODE = "ProcessGraphComplexity"


class ProcessUnsupported(_CodedError):
    CODE = "ProcessUnsupported"


class ProcessParameterRequired(_CodedError):
    CODE = "ProcessParameterRequired"


class ProcessParameterUnsupported(_CodedError):
    CODE = "ProcessParameterUnsupported"


class ProcessParameterInvalid(_CodedError):
    CODE = "ProcessParameterInvalid"


class ProcessGraphNotFound(_CodedError):
    CODE = "ProcessGraphNotFound"


class AuthenticationRequired(_CodedError):
    CODE = "AuthenticationRequired"


# Back-end specific codes for HTTP conditions the openEO error list has no code for.
class PayloadTooLarge(_CodedError):
    CODE = "PayloadTooLarge"
    STATUS = 413


class MethodNotAllowed(_CodedError):
    CODE = "MethodNotAllowed"
    STATUS = 405


# Back-end specific codes for client input beyond the bounds this back-end keeps.
class JsonNestingTooDeep(_CodedError):
    CODE = "JsonNestingTooDeep"
    STATUS = 400


class NumberOutOfRange(_CodedError):
    CODE = "NumberOutOfRange"
    STATUS = 400


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
