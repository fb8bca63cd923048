"""Errors raised by the xcube_openeo_tiles package.

Every class names one kind of mistake and carries a plain message. Each also has
the OGC OWS exception code and HTTP status a WMTS answers it with (WMTS 1.0.0,
table 28) and optionally a ``locator``: the request parameter at fault. Callers
translate the errors into their own codes where they are not OGC services.
"""

from __future__ import annotations


class TilesError(Exception):
    """Base class of every error raised by this package."""

    ows_code = "NoApplicableCode"
    http_status = 500

    def __init__(self, message: str, locator: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locator = locator


class InvalidParameter(TilesError):
    """A request parameter with a value that cannot be used."""

    ows_code = "InvalidParameterValue"
    http_status = 400


class MissingParameter(TilesError):
    """A request lacks a mandatory parameter."""

    ows_code = "MissingParameterValue"
    http_status = 400


class OperationNotSupported(TilesError):
    """A WMTS request (such as GetFeatureInfo) this package does not offer."""

    ows_code = "OperationNotSupported"
    http_status = 501


class TileOutsideGrid(TilesError):
    """A tile's x, y or z (or a point) lies outside the tile matrix set."""

    ows_code = "TileOutOfRange"
    http_status = 400


class ZoomOutsideGrid(TileOutsideGrid):
    """A zoom level (WMTS: tile matrix) the tile matrix set does not have."""

    ows_code = "InvalidParameterValue"


class InvalidTileSize(InvalidParameter):
    """A tile size other than the supported ones (256 or 512 pixels)."""


class InvalidColormap(InvalidParameter):
    """An unknown colour map name."""


class InvalidValueRange(InvalidParameter):
    """A value range that cannot scale data (not finite, empty, or not positive for log)."""


class UnsupportedFormat(InvalidParameter):
    """An image format that cannot be encoded."""


class UnknownTileMatrixSet(InvalidParameter):
    """A tile matrix set identifier this package does not define."""


class InvalidImage(TilesError):
    """Image data that cannot be rendered (wrong shape or band count)."""
