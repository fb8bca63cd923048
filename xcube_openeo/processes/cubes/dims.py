"""Dimension bookkeeping: add, drop, rename dimensions and labels; trim; (un)flatten."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ...engine.cube import DataCube, Dimension, parse_datetime
from ...engine.geometry import isel_cube
from ...engine.registry import process
from ...errors import OpenEOError, ProcessParameterInvalid
from ._util import as_list


@process("add_dimension")
def add_dimension(data: DataCube, name: str, label: Any, type: str) -> DataCube:
    if data.has_dimension(name):
        raise OpenEOError("DimensionExists", f"The data cube has a dimension {name!r} already.")
    if type == "spatial":
        raise ProcessParameterInvalid("Adding spatial dimensions needs an axis; not supported.")
    value = parse_datetime(label) if type == "temporal" else label
    coords = np.array([value], dtype="datetime64[ns]" if type == "temporal" else object)
    expanded = data.data.expand_dims({name: coords})
    dims = [Dimension(name, "geometry" if type == "geometry" else type), *data.dimensions]
    return data.with_data(expanded, dims)


@process("drop_dimension")
def drop_dimension(data: DataCube, name: str) -> DataCube:
    data.dimension(name)
    if data.data.sizes[name] > 1:
        raise OpenEOError(
            "DimensionLabelCountMismatch",
            f"Dimension {name!r} has more than one label; reduce it instead of dropping it.",
        )
    return data.with_data(data.data.isel({name: 0}, drop=True))


@process("rename_dimension")
def rename_dimension(data: DataCube, source: str, target: str) -> DataCube:
    dim = data.dimension(source)
    if data.has_dimension(target):
        raise OpenEOError("DimensionExists", f"The data cube has a dimension {target!r} already.")
    renamed = data.data.rename({source: target})
    dims = [dim.renamed(target) if d.name == source else d for d in data.dimensions]
    return data.with_data(renamed, dims)


@process("rename_labels")
def rename_labels(data: DataCube, dimension: str, target: Any, source: Any) -> DataCube:
    data.dimension(dimension)
    targets = as_list(target) or []
    sources = as_list(source) or []
    labels = data.labels(dimension)
    if not sources:
        # Without sources, the labels must be enumerated (0, 1, 2, ...).
        if labels != list(range(len(labels))):
            raise OpenEOError(
                "LabelsNotEnumerated", f"The labels of {dimension!r} are not enumerated."
            )
        sources = list(range(len(targets)))
    if len(sources) != len(targets):
        raise OpenEOError("LabelMismatch", "Source and target labels differ in number.")
    new_labels = list(labels)
    for old, new in zip(sources, targets, strict=True):
        if old not in labels:
            raise OpenEOError("LabelNotAvailable", f"Label {old!r} does not exist.")
        if new in labels and new not in sources:
            raise OpenEOError("LabelExists", f"Label {new!r} exists already.")
        new_labels[labels.index(old)] = new
    values = np.array(new_labels, dtype=object)
    if data.dimension(dimension).type == "temporal":
        try:
            values = np.array([parse_datetime(v) for v in new_labels], dtype="datetime64[ns]")
        except OpenEOError:
            pass  # labels that are no dates (e.g. "W01") stay as they are
    return data.with_data(data.data.assign_coords({dimension: values}))


@process("trim_cube")
def trim_cube(data: DataCube) -> DataCube:
    # Finding empty slices needs the values: this computes a boolean "any valid" per
    # label of each dimension (a reduction, not the whole cube in memory).
    valid = data.masked_float().notnull()
    indexers: dict[str, Any] = {}
    for dim in data.dim_names:
        others = [d for d in data.dim_names if d != dim]
        keep = valid.any(others).values if others else valid.values
        indexers[dim] = np.nonzero(keep)[0]
    return isel_cube(data, indexers)


@process("flatten_dimensions")
def flatten_dimensions(
    data: DataCube, dimensions: Any, target_dimension: str, label_separator: str
) -> DataCube:
    names = as_list(dimensions) or []
    if not names:
        raise ProcessParameterInvalid("No dimensions to flatten given.")
    for name in names:
        data.dimension(name)
    if data.has_dimension(target_dimension) and target_dimension not in names:
        raise OpenEOError("TargetDimensionExists", f"Dimension {target_dimension!r} exists.")
    label_lists = [data.labels(n) for n in names]
    stacked = data.data.stack({"_flat": names})
    combos = [label_separator.join(str(v) for v in combo) for combo in _product(label_lists)]
    stacked = stacked.drop_vars(["_flat", *names], errors="ignore")
    stacked = stacked.rename({"_flat": target_dimension}).assign_coords(
        {target_dimension: np.array(combos, dtype=object)}
    )
    first = names[0]
    order = [target_dimension if d == first else d for d in data.dim_names if d not in names[1:]]
    dims = [Dimension(target_dimension, "bands" if all(
        data.dimension(n).type == "bands" for n in names) else "other"),
        *[d for d in data.dimensions if d.name not in names]]  # fmt: skip
    return data.with_data(stacked.transpose(*order), dims)


def _product(label_lists: list[list[Any]]) -> list[tuple[Any, ...]]:
    combos: list[tuple[Any, ...]] = [()]
    for labels in label_lists:
        combos = [(*c, v) for c in combos for v in labels]
    return combos


@process("unflatten_dimension")
def unflatten_dimension(
    data: DataCube, dimension: str, target_dimensions: Any, label_separator: str
) -> DataCube:
    data.dimension(dimension)
    targets = as_list(target_dimensions) or []
    for name in targets:
        if data.has_dimension(name) and name != dimension:
            raise OpenEOError("TargetDimensionExists", f"Dimension {name!r} exists.")
    parts = [str(label).split(label_separator) for label in data.labels(dimension)]
    if any(len(p) != len(targets) for p in parts):
        raise ProcessParameterInvalid(
            f"Labels of {dimension!r} do not split into {len(targets)} parts.",
        )
    levels = [list(dict.fromkeys(p[i] for p in parts)) for i in range(len(targets))]

    index = pd.MultiIndex.from_tuples([tuple(p) for p in parts], names=targets)
    arr = data.data.drop_vars(dimension, errors="ignore")
    arr = arr.assign_coords(xr_multiindex(index, dimension))
    unstacked = arr.unstack(dimension)
    for name, labels in zip(targets, levels, strict=True):
        unstacked = unstacked.reindex({name: labels})
    position = data.dim_names.index(dimension)
    rest = [d for d in data.dim_names if d != dimension]
    order = [*rest[:position], *targets, *rest[position:]]
    dims = [*[Dimension(n, "other") for n in targets], *data.dimensions]
    return data.with_data(unstacked.transpose(*order), dims, encoded=False)


def xr_multiindex(index: Any, dim: str) -> Any:
    return xr.Coordinates.from_pandas_multiindex(index, dim)
