"""Data cube processes (load, filter, apply/reduce, dimensions, combine, resample, vector)."""

from importlib import import_module

# Each module registers its processes on import.
for _name in (
    "io",
    "filters",
    "apply",
    "dims",
    "combine",
    "temporal",
    "resample",
    "spatial",
    "vector",
    "polygon",
    "geojson",
):
    import_module(f"{__name__}.{_name}")
