"""Errors raised by the tiles package.

Callers (the openEO services) translate these into their own error codes, so every
class here names one kind of mistake and carries a plain message.
"""

from __future__ import annotations


class TilesError(Exception):
    """Base class of every error raised by this package."""


class TileOutsideGrid(TilesError):
    """A tile's x, y or z (or a point) lies outside the tile matrix set."""


class InvalidTileSize(TilesError):
    """A tile size other than the supported ones (256 or 512 pixels)."""


class InvalidColormap(TilesError):
    """An unknown colour map name."""


class InvalidValueRange(TilesError):
    """A value range that cannot scale data (not finite, empty, or not positive for log)."""


class UnsupportedFormat(TilesError):
    """An image format that cannot be encoded."""


class InvalidImage(TilesError):
    """Image data that cannot be rendered (wrong shape or band count)."""


class UnknownTileMatrixSet(TilesError):
    """A tile matrix set identifier this package does not define."""
