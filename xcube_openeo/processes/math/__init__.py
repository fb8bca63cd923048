"""Mathematical processes (arithmetic, rounding, functions, constants, value checks).

Every process here is element-wise: it accepts openEO scalars (``None`` = no-data) and
also array operands (``xarray.DataArray``/numpy, possibly dask-backed) on which it runs
vectorised, see :mod:`.elementwise`.
"""

from . import arithmetic, checks, functions, rounding

__all__ = ["arithmetic", "checks", "functions", "rounding"]
