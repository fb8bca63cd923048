"""Callback processes over cubes: apply, apply_dimension, reduce_dimension, reduce_spatial.

Callbacks run vectorised: ``apply`` passes the whole DataArray as ``x``; reducers get
one ``ArrayValue`` holding all pixels at once, or, when the callback is a single known
reducer on ``data``, are replaced by the equivalent lazy xarray reduction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import dask.array
import numpy as np
import xarray as xr

from ...engine.cube import DataCube, DeferredArray, Dimension
from ...engine.registry import process
from ...engine.values import ArrayValue
from ...errors import OpenEOError, ProcessParameterInvalid
from .bandmath import band_math_results


def _median(data: xr.DataArray, dims: Sequence[str], skipna: bool) -> xr.DataArray:
    if data.chunks is not None:
        data = data.chunk({d: -1 for d in dims})  # dask's median needs whole dimensions
    return data.median(dims, skipna=skipna)


#: Reducers with an equivalent xarray reduction: (data, dims, skipna) -> reduced.
XARRAY_REDUCERS: dict[str, Callable[[xr.DataArray, Sequence[str], bool], xr.DataArray]] = {
    "mean": lambda d, dims, skipna: d.mean(dims, skipna=skipna),
    "median": _median,
    "min": lambda d, dims, skipna: d.min(dims, skipna=skipna),
    "max": lambda d, dims, skipna: d.max(dims, skipna=skipna),
    "sum": lambda d, dims, skipna: d.sum(dims, skipna=skipna),
    "product": lambda d, dims, skipna: d.prod(dims, skipna=skipna),
    "sd": lambda d, dims, skipna: d.std(dims, skipna=skipna, ddof=1),
    "variance": lambda d, dims, skipna: d.var(dims, skipna=skipna, ddof=1),
}


def reduce_data(
    data: xr.DataArray,
    dim: str,
    reducer: Any,
    context: Any,
    labeled: bool = True,
    overrides: dict[str, Any] | None = None,
) -> Any:
    """Reduce ``data`` (physical values) along ``dim`` with an openEO reducer callback."""
    pid = getattr(reducer, "single_process_id", None)
    if pid in XARRAY_REDUCERS:
        args = reducer.single_process_arguments
        skipna = args.get("ignore_nodata", True) is not False
        return XARRAY_REDUCERS[pid](data, [dim], skipna)
    if pid == "count" and reducer.single_process_arguments.get("condition") in (None, False):
        return (
            data.notnull().sum(dim)
            if data.dtype.kind == "f"
            else xr.full_like(data.isel({dim: 0}), data.sizes[dim], dtype=np.int64)
        )
    if overrides:
        return reducer.call_with_results(
            overrides, data=ArrayValue(data, dim, labeled), context=context
        )
    return reducer(data=ArrayValue(data, dim, labeled), context=context)


def as_result_array(value: Any, like: xr.DataArray) -> xr.DataArray:
    """A callback result as a DataArray broadcast to ``like``'s dimensions."""
    if isinstance(value, ArrayValue):
        raise ProcessParameterInvalid("The reducer returned an array instead of a single value.")
    if isinstance(value, DataCube):
        value = value.data
    if not isinstance(value, xr.DataArray):
        if value is None:
            value = np.nan
        value = xr.DataArray(value)
    extra = [d for d in value.dims if d not in like.dims]
    if extra:
        raise ProcessParameterInvalid(
            f"The child process returned values along {extra} where single values were expected.",
        )
    if value.dims == like.dims:
        return value
    if set(value.dims) != set(like.dims):
        value = value.broadcast_like(like)
    return value.transpose(*like.dims)


def with_coords_of(value: xr.DataArray, like: xr.DataArray) -> xr.DataArray:
    """``value`` with the coordinates of ``like`` (cheap when they are there already)."""
    if all(name in value.coords for name in like.coords):
        return value
    return value.assign_coords({k: v for k, v in like.coords.items() if k not in value.coords})


@dataclass(frozen=True)
class ElementwiseChain:
    """Consecutive ``apply`` callbacks over one base array, built as one computation.

    Every ``apply`` would otherwise add one xarray/dask operation per callback node;
    long chains of ``apply`` are instead run together, block by block, in a single
    dask task per chunk (the callbacks then see numpy blocks, which element-wise
    processes support).
    """

    base: xr.DataArray
    steps: tuple[tuple[Any, Any], ...]

    def then(self, process: Any, context: Any) -> ElementwiseChain:
        return ElementwiseChain(self.base, (*self.steps, (process, context)))

    def run_block(self, block: np.ndarray) -> np.ndarray:
        return _run_steps(self.steps, block)

    def build(self) -> xr.DataArray:
        if len(self.steps) == 1:
            process, context = self.steps[0]
            result = as_result_array(process(x=self.base, context=context), self.base)
            return with_coords_of(result, self.base)
        try:
            # The result type, from a one-element sample (no data is computed).
            dtype = self.run_block(np.ones((1,) * self.base.ndim, self.base.dtype)).dtype
        except OpenEOError:
            dtype = None
        if dtype is None or dtype.kind == "O":
            return self._build_stepwise()
        array = self.base.data
        blocks: dask.array.Array | np.ndarray
        if isinstance(array, dask.array.Array):
            # An explicit name spares dask from hashing (pickling) the whole chain.
            blocks = dask.array.map_blocks(
                _ChainRunner(self.steps),
                array,
                dtype=dtype,
                meta=np.empty((0,) * array.ndim, dtype),  # known: no trial run by dask
                name=f"openeo-apply-chain-{uuid.uuid4().hex}",
            )
        else:
            blocks = self.run_block(np.asarray(array))  # in-memory data: no dask
        return self.base.copy(data=blocks)

    def _build_stepwise(self) -> xr.DataArray:
        values = self.base
        for step, context in self.steps:
            values = with_coords_of(
                as_result_array(step(x=values, context=context), values), values
            )
        return values


def _run_steps(steps: tuple[tuple[Any, Any], ...], block: np.ndarray) -> np.ndarray:
    value: Any = block
    for step, context in steps:
        value = step(x=value, context=context)
        if isinstance(value, xr.DataArray):
            value = value.values
        value = np.broadcast_to(np.asarray(value), block.shape)
    return np.asarray(value)


class _ChainRunner:
    """The dask task function of a fused chain: only the callbacks, no arrays, so that
    it pickles small for distributed workers (see ``Evaluator.__getstate__``)."""

    def __init__(self, steps: tuple[tuple[Any, Any], ...]):
        self.steps = steps

    def __call__(self, block: np.ndarray) -> np.ndarray:
        return _run_steps(self.steps, block)


@process("apply")
def apply(data: DataCube, process: Any, context: Any) -> DataCube:
    previous = data.elementwise_chain
    if previous is not None:  # ``data`` is an apply result: continue its chain
        chain = previous.then(process, context)
    else:
        chain = ElementwiseChain(data.masked_float(), ((process, context),))
    if len(chain.steps) == 1:
        # A single apply runs as plain xarray operations, checked right away.
        cube = data.with_data(chain.build(), encoded=False)
    else:
        cube = DataCube(DeferredArray(chain.base, chain.build), data.dimensions)
    return replace(cube, elementwise_chain=chain)


@process("reduce_dimension")
def reduce_dimension(data: DataCube, reducer: Any, dimension: str, context: Any) -> DataCube:
    data.dimension(dimension)
    values = data.masked_float()
    overrides = band_math_results(data, dimension, reducer, values)
    reduced = reduce_data(values, dimension, reducer, context, overrides=overrides)
    remaining = values.isel({dimension: 0}, drop=True)
    result = as_result_array(reduced, remaining)
    return data.with_data(result.assign_coords(remaining.coords), encoded=False)


@process("reduce_spatial")
def reduce_spatial(data: DataCube, reducer: Any, context: Any) -> DataCube:
    x_dim, y_dim = data.x_dim, data.y_dim
    if x_dim is None or y_dim is None:
        raise OpenEOError("DimensionMissing", "The data cube has no spatial x/y dimensions.")
    values = data.masked_float()
    stacked_dim = "_spatial"
    stacked = values.stack({stacked_dim: (y_dim, x_dim)}).drop_vars(
        [stacked_dim, x_dim, y_dim], errors="ignore"
    )
    reduced = reduce_data(stacked, stacked_dim, reducer, context, labeled=False)
    remaining = values.isel({x_dim: 0, y_dim: 0}, drop=True)
    result = as_result_array(reduced, remaining)
    return data.with_data(result.assign_coords(remaining.coords), encoded=False)


@process("apply_dimension")
def apply_dimension(
    data: DataCube, process: Any, dimension: str, target_dimension: str | None, context: Any
) -> DataCube:
    source = data.dimension(dimension)
    values = data.masked_float()
    result = process(data=ArrayValue(values, dimension, True), context=context)
    if isinstance(result, ArrayValue):
        array, array_dim = result.data, result.dim
    else:
        array = as_result_array(result, values.isel({dimension: 0}, drop=True))
        array, array_dim = array.expand_dims(dimension), dimension
    array = array.drop_vars(array_dim, errors="ignore")
    target = target_dimension or dimension
    n = array.sizes[array_dim]
    if target_dimension is None and n == values.sizes[dimension]:
        labels = values[dimension].values
        new_dim = source
    else:
        labels = np.arange(n)
        new_dim = (
            Dimension(target, "other")
            if target_dimension is not None and target_dimension != dimension
            else source
        )
        if (
            target_dimension is not None
            and data.has_dimension(target_dimension)
            and target_dimension != dimension
        ):
            raise OpenEOError(
                "DimensionExists", f"The target dimension {target_dimension!r} exists already."
            )
    if array_dim != target:
        array = array.rename({array_dim: target})
    array = array.assign_coords({target: labels})
    others = [d for d in values.dims if d != dimension]
    missing = [d for d in others if d not in array.dims]
    if missing:
        array = array.broadcast_like(values.isel({dimension: 0}, drop=True))
    order = [target if d == dimension else d for d in values.dims]
    array = array.transpose(*order)
    other_coords = {k: v for k, v in values.coords.items() if k != dimension and k in array.dims}
    array = array.assign_coords(other_coords)
    dims = [new_dim if d.name == dimension else d for d in data.dimensions]
    return DataCube(array, dims)
