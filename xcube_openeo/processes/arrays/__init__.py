"""Array processes (``array_*``, ``first``, ``last``, ``sort``, ``order``, ``count``, ...).

Every process takes :class:`~xcube_openeo.engine.values.ArrayValue` arguments that
may be vectorised (extra dimensions besides the array dimension): then it applies to
every 1-D slice at once with xarray/numpy operations along the array dimension.
Importing this package registers the implementations.
"""

from . import access, build, callbacks, interpolate, ordering

__all__ = ["access", "build", "callbacks", "interpolate", "ordering"]
