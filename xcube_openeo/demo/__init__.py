"""Deterministic, offline generator for the embedded demo datasets.

Run ``python -m xcube_openeo.demo.generate --help`` for the command line.
"""

from .landscape import LandCover, Landscape, make_landscape

__all__ = ["LandCover", "Landscape", "make_landscape"]
