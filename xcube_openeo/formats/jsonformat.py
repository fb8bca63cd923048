"""The ``JSON`` output format: scalars, arrays and (small) data cubes as JSON.

Structure of a data cube in JSON (documented in the format's description)::

    {"type": "datacube",
     "dimensions": [{"name": "t", "type": "temporal", "labels": ["2022-01-01T00:00:00Z"]}, ...],
     "data": [[...]],            # nested lists in the order of "dimensions"; null = no-data
     "nodata": null}

Spatial and geometry dimensions with a CRS also carry ``"reference_system"`` (as the
cube has it: EPSG code or WKT/PROJJSON text).  Vector cubes (``aggregate_spatial``
results) have the same structure; the labels of their ``geometry`` dimension are
GeoJSON geometry objects in that dimension's reference system::

    {"type": "datacube",
     "dimensions": [{"name": "geometry", "type": "geometry", "reference_system": 4326,
                     "labels": [{"type": "Polygon", "coordinates": [...]}, ...]},
                    {"name": "bands", "type": "bands", "labels": ["B04", "B08"]}],
     "data": [[0.12, 0.34], ...], "nodata": null}

Labeled arrays become ``{"type": "labeled-array", "labels": [...], "values": [...]}``;
other arrays become lists.  NaN becomes null (JSON has no NaN).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import numpy as np
import pandas as pd
import shapely.geometry

from xcube_openeo.engine.cube import DataCube
from xcube_openeo.engine.values import ArrayValue, to_json_scalar
from xcube_openeo.errors import OpenEOError
from xcube_openeo.formats.registry import COMMON_PARAMETERS, FORMATS, FileFormat, WrittenFile
from xcube_openeo.formats.writing import Target
from xcube_openeo.util.rfc3339 import format_rfc3339

#: Largest number of cube values written as JSON; larger cubes need a raster format.
MAX_JSON_CUBE_VALUES = 1_000_000
MEDIA_TYPE = "application/json"


def to_json_value(value: Any) -> Any:
    """A process result as a JSON-serialisable value (computing lazy data)."""
    if isinstance(value, DataCube):
        return _cube_json(value)
    if isinstance(value, ArrayValue):
        if value.is_vectorised:
            raise OpenEOError("FormatUnsuitable", "A vectorised array cannot be written as JSON.")
        values = [to_json_value(v) for v in value.data.values]
        if value.labeled:
            return {
                "type": "labeled-array",
                "labels": [to_json_value(v) for v in value.labels or ()],
                "values": values,
            }
        return values
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, (np.datetime64, pd.Timestamp, datetime.datetime, datetime.date)):
        return format_rfc3339(value)
    if hasattr(value, "compute") and hasattr(value, "dims"):  # a bare xarray result
        value = value.compute().values
    if isinstance(value, np.ndarray):
        return (
            [to_json_value(v) for v in value.tolist()]
            if value.ndim
            else to_json_value(value.item())
        )
    value = to_json_scalar(value)
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def check_json(value: Any, options: dict[str, Any]) -> None:
    """The checks of :func:`to_json_value` that need no computation (top level)."""
    if isinstance(value, DataCube):
        _check_cube_size(value)
    elif isinstance(value, ArrayValue) and value.is_vectorised:
        raise OpenEOError("FormatUnsuitable", "A vectorised array cannot be written as JSON.")


def _check_cube_size(cube: Any) -> None:
    size = int(np.prod([cube.data.sizes[d] for d in cube.data.dims], dtype=np.int64))
    if size > MAX_JSON_CUBE_VALUES:
        raise OpenEOError(
            "FormatUnsuitable",
            f"The data cube has {size} values, too many for JSON (limit"
            f" {MAX_JSON_CUBE_VALUES}); save it as GTiff, netCDF or Zarr.",
        )


def _cube_json(cube: Any) -> dict[str, Any]:
    _check_cube_size(cube)
    data = cube.masked_float() if cube.is_encoded else cube.data
    values = np.asarray(data.compute().values)
    if values.dtype.kind == "f":
        values = np.where(np.isnan(values), None, values.astype(object))  # type: ignore[call-overload]  # numpy's stubs: None is array-like
    return {
        "type": "datacube",
        "dimensions": [_dimension_json(cube, d) for d in cube.dimensions],
        "data": to_json_value(values),
        "nodata": None,
    }


def _dimension_json(cube: Any, dim: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": dim.name, "type": dim.type}
    if dim.crs is not None and dim.type in ("spatial", "geometry"):
        doc["reference_system"] = dim.reference_system
    labels = cube.labels(dim.name)
    if dim.type == "geometry":
        doc["labels"] = [_geometry_json(g) for g in labels]
    else:
        doc["labels"] = to_json_value(labels)
    return doc


def _geometry_json(label: Any) -> Any:
    if hasattr(label, "__geo_interface__"):
        return json.loads(json.dumps(shapely.geometry.mapping(label)))  # tuples as lists
    return to_json_value(label)


def encode_json(value: Any) -> bytes:
    """A process result as UTF-8 JSON text."""
    return json.dumps(to_json_value(value), ensure_ascii=False, allow_nan=False).encode("utf-8")


def write_json(
    value: Any, options: dict[str, Any], target_dir: str, stem: str
) -> list[WrittenFile]:
    name = f"{stem}.json"
    size = Target(target_dir).write_bytes(name, encode_json(value))
    return [WrittenFile(name=name, media_type=MEDIA_TYPE, size=size)]


FORMATS.add_output(
    FileFormat(
        name="JSON",
        gis_data_types=("raster", "vector", "table", "other"),
        title="JavaScript Object Notation",
        description="Numbers, strings, booleans, arrays and objects as they are; labeled"
        " arrays as {type, labels, values}; small raster and vector data cubes as"
        " {type: datacube, dimensions: [{name, type, reference_system, labels}], data:"
        " nested lists in dimension order, nodata: null}; geometry labels as GeoJSON"
        " geometries.",
        parameters=dict(COMMON_PARAMETERS),
        writer=write_json,
        checker=check_json,
        media_type=MEDIA_TYPE,
    )
)
