"""load_geojson: GeoJSON into a vector cube (what apply_polygon and others take)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ...engine.cube import DataCube, Dimension
from ...engine.registry import process
from ...errors import ProcessParameterInvalid
from ._util import feature_properties, geometries_from_geojson
from .vector import GEOMETRY_DIM, PROPERTIES, WGS84, make_vector_cube


@process("load_geojson")
def load_geojson(data: Any, properties: list[str]) -> DataCube:
    if isinstance(data, dict) and data.get("type") == "GeometryCollection":
        raise ProcessParameterInvalid(
            "load_geojson takes no GeometryCollection; use a FeatureCollection.",
        )
    geoms = geometries_from_geojson(data)
    if not properties:
        return make_vector_cube(geoms, WGS84)
    feature_props = [p or {} for p in feature_properties(data)]
    if len(properties) == 1:
        values = [props.get(properties[0]) for props in feature_props]
        if any(isinstance(v, list) for v in values):
            # One array property: its indices become the labels.
            width = max(len(v) if isinstance(v, list) else 1 for v in values)
            rows = [(v if isinstance(v, list) else [v]) + [None] * width for v in values]
            table = [row[:width] for row in rows]
            labels: list[Any] = list(range(width))
        else:
            table = [[v] for v in values]
            labels = list(properties)
    else:
        table = [[props.get(name) for name in properties] for props in feature_props]
        labels = list(properties)
    array = np.array([[np.nan if v is None else v for v in row] for row in table], dtype=object)
    try:
        array = array.astype(float)
    except (TypeError, ValueError):
        pass  # text properties stay objects
    cube = make_vector_cube(geoms, WGS84)
    data_array = xr.DataArray(
        array,
        dims=[GEOMETRY_DIM, PROPERTIES],
        coords={GEOMETRY_DIM: cube.data[GEOMETRY_DIM].values, PROPERTIES: labels},
    )
    return DataCube(data_array, [cube.dimension(GEOMETRY_DIM), Dimension(PROPERTIES, "other")])
