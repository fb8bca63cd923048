"""Reducer and statistics processes (``max``, ``mean``, ``quantiles``, ``all``, ...)
and the cumulative ones (``cumsum``, ...).

For a 1-D array a reducer returns a Python scalar (``None`` for no-data); for a
vectorised array (extra dimensions, e.g. inside ``reduce_dimension``) it returns a
lazy DataArray without the array dimension, with NaN for no-data.
Importing this package registers the implementations.
"""

from . import cumulative, logical, statistics

__all__ = ["cumulative", "logical", "statistics"]
