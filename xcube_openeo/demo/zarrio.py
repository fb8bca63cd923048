"""Zarr writing in two steps: metadata and coordinates first, then data by time region."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import xarray as xr
import zarr


def write_template(
    dataset: xr.Dataset, path: Path, encoding: Mapping[str, Mapping[str, Any]]
) -> None:
    """Write metadata and coordinates; data variables (lazy zeros) are left unwritten.

    Their chunks are then filled region by region with :func:`write_time_region`.
    """
    with warnings.catch_warnings():
        # Consolidated metadata is not (yet) in the Zarr v3 spec, but zarr-python and
        # xarray use it, and it saves one request per variable when opening.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        dataset.to_zarr(
            path,
            mode="w",
            compute=False,
            zarr_format=3,
            consolidated=True,
            encoding=dict(encoding),
        )


def write_time_region(path: Path, start: int, data: Mapping[str, np.ndarray]) -> None:
    """Write arrays (time first) into the time steps starting at ``start``."""
    group = zarr.open_group(path, mode="r+")
    for name, values in data.items():
        array = cast(zarr.Array, group[name])  # the demo stores no sub-groups
        array[start : start + values.shape[0]] = values
