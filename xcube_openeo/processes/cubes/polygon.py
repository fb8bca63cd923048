"""apply_polygon: a process applied to the pixels of each polygon separately."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
import xarray as xr

from ...engine.cube import DataCube
from ...engine.evaluate import Callback
from ...engine.geometry import pixel_mask
from ...engine.registry import process
from ...errors import OpenEOError, ProcessParameterInvalid
from .vector import vector_geometries


@process("apply_polygon")
def apply_polygon(
    data: DataCube, geometries: Any, process: Callback, mask_value: Any, context: Any
) -> DataCube:
    geoms, crs, _ = vector_geometries(geometries)
    for geom in geoms:
        if not isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
            raise ProcessParameterInvalid(f"apply_polygon takes polygons, not a {geom.geom_type}.")
    x_dim, y_dim = data.x_dim, data.y_dim
    # Pixel-centre membership, computed on the coordinate grid only (not on the data).
    masks = [pixel_mask(data, geom, crs) for geom in geoms]
    if masks and int(sum(m.astype(np.int8) for m in masks).max()) > 1:
        raise OpenEOError(
            "GeometriesOverlap", "The polygons overlap: a pixel would be processed more than once."
        )
    values = data.decoded().data
    fill = np.nan if mask_value is None else mask_value
    result = xr.full_like(
        values,
        fill,
        dtype=np.result_type(values.dtype, np.float32)
        if mask_value is None or isinstance(mask_value, float)
        else values.dtype,
    )
    for mask in masks:
        rows = np.flatnonzero(mask.any(x_dim).values)
        cols = np.flatnonzero(mask.any(y_dim).values)
        if rows.size == 0 or cols.size == 0:
            continue  # the polygon covers no pixel centre
        window = {y_dim: slice(rows[0], rows[-1] + 1), x_dim: slice(cols[0], cols[-1] + 1)}
        inside = mask.isel(window)
        # The smallest grid-aligned sub cube of the polygon; outside pixels: mask_value.
        sub_values = values.isel(window).where(inside, fill)
        sub = data.with_data(sub_values, encoded=False)
        out = process(data=sub, context=context)
        if not isinstance(out, DataCube) or out.data.sizes != sub.data.sizes:
            raise ProcessParameterInvalid(
                "The process of apply_polygon must"
                " return a data cube with the dimensions it was given.",
            )
        # Labels may change: write back by position, only where the polygon is.
        written = out.data.transpose(*values.dims).assign_coords(
            {d: values.isel(window)[d] for d in values.dims}
        )
        placed = written.reindex_like(values)
        full_inside = inside.reindex_like(mask, fill_value=False)
        result = xr.where(full_inside, placed.astype(result.dtype), result)
    return data.with_data(result.transpose(*values.dims), encoded=False)
