"""Value types shared by the process implementations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

#: Name of the array dimension of arrays that come from JSON (not from a cube).
ARRAY_DIM = "_array"


@dataclass(frozen=True)
class ArrayValue:
    """An openEO array, labeled or not.

    ``data`` holds the elements along dimension ``dim``.  Any other dimensions of
    ``data`` are vectorisation dimensions: the array is really one array per position
    in them (a reducer inside ``reduce_dimension`` gets one ``ArrayValue`` for all
    pixels at once), and array processes apply to every 1-D slice independently.
    If ``labeled``, the labels are the coordinate values of ``dim``.
    Numeric no-data is NaN; arrays with mixed or non-numeric elements use object dtype
    with ``None`` for no-data.
    """

    data: xr.DataArray
    dim: str = ARRAY_DIM
    labeled: bool = False

    @classmethod
    def from_list(cls, values: Sequence[Any], labels: Sequence[Any] | None = None) -> ArrayValue:
        """A 1-D array from JSON values (``None`` is no-data)."""
        data = xr.DataArray(_to_numpy(values), dims=[ARRAY_DIM])
        if labels is not None:
            data = data.assign_coords({ARRAY_DIM: np.asarray(list(labels), dtype=object)})
        return cls(data, ARRAY_DIM, labels is not None)

    @property
    def size(self) -> int:
        return self.data.sizes[self.dim]

    @property
    def is_vectorised(self) -> bool:
        return self.data.ndim > 1

    @property
    def labels(self) -> list[Any] | None:
        return list(self.data[self.dim].values) if self.labeled else None

    def to_list(self) -> list[Any]:
        """The elements as JSON values (only for 1-D arrays)."""
        if self.is_vectorised:
            raise ValueError("a vectorised array has no single list of values")
        return [to_json_scalar(v) for v in self.data.values]


def _to_numpy(values: Sequence[Any]) -> np.ndarray:
    values = list(values)
    kinds = {type(v) for v in values if v is not None}
    if any(isinstance(v, float) and v != v for v in values):
        # A NaN given in JSON is a number, not no-data (openEO keeps them apart): an
        # object array keeps it as NaN and null as None; float arrays from cubes use
        # NaN for no-data.
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr
    if kinds and all(issubclass(k, (int, float)) and not issubclass(k, bool) for k in kinds):
        if None in values or float in kinds:
            return np.array([np.nan if v is None else v for v in values], dtype=float)
        in_int64 = all(-(2**63) <= v < 2**63 for v in values)
        return np.array(values, dtype=np.int64 if in_int64 else float)
    if kinds and all(issubclass(k, bool) for k in kinds) and None not in values:
        return np.array(values, dtype=bool)
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def to_json_scalar(value: Any) -> Any:
    """A numpy or Python scalar as a JSON value; NaN becomes null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
