"""``GeoJSON`` and ``CSV`` output formats for vector cubes (aggregate_spatial results).

A vector cube has a ``geometry`` dimension whose labels are shapely geometries (in
the CRS of that dimension), usually with ``bands`` and a temporal dimension.  Both
formats give geometries in WGS 84 longitude/latitude (as GeoJSON requires).

GeoJSON: one feature per geometry, ``id`` its index; each value is a property named
after its labels in the other dimensions (in cube order but bands last, joined with
``|``, e.g. ``"2020-01-01T00:00:00Z|B04"``; just the band name with bands only;
``value`` with no other dimension); null for no data.  The collection's foreign member ``dimensions``
lists the other dimensions with their labels.

CSV: one row per geometry and label combination of the other dimensions except
bands: columns ``id``, ``geometry`` (WKT), one column per such dimension (its labels),
then one column per band (``value`` without bands); empty cells for no data.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import numpy as np
import pyproj
import shapely
import shapely.geometry
import shapely.wkt

from xcube_openeo.engine.cube import DataCube, format_datetime
from xcube_openeo.engine.values import to_json_scalar
from xcube_openeo.formats.registry import COMMON_PARAMETERS, FORMATS, FileFormat, WrittenFile
from xcube_openeo.formats.writing import Target, require_cube, unsuitable

GEOJSON_MEDIA_TYPE = "application/geo+json"
CSV_MEDIA_TYPE = "text/csv"
#: Vector cubes are computed in memory; larger ones need a raster format.
MAX_VALUES = 10_000_000


def geometries_wgs84(cube: DataCube, fmt_name: str) -> list[shapely.Geometry]:
    """The labels of the geometry dimension as shapely geometries in EPSG:4326."""
    geom_dim = cube.names_of_type("geometry")[0]
    geometries = [_as_geometry(g, fmt_name) for g in cube.data[geom_dim].values] \
        if geom_dim in cube.data.coords else []  # fmt: skip
    if len(geometries) != cube.data.sizes[geom_dim]:
        raise unsuitable(fmt_name, f"dimension {geom_dim!r} has no geometries as labels.")
    crs = cube.dimension(geom_dim).crs
    source = crs if crs is not None else pyproj.CRS.from_epsg(4326)
    wgs84 = pyproj.CRS.from_epsg(4326)
    if source == wgs84:
        return geometries
    transform = pyproj.Transformer.from_crs(source, wgs84, always_xy=True).transform
    return list(
        shapely.transform(np.asarray(geometries, dtype=object), transform, interleaved=False)
    )


def _as_geometry(label: Any, fmt_name: str) -> shapely.Geometry:
    if isinstance(label, shapely.Geometry):
        return label
    try:
        if isinstance(label, str):
            return shapely.wkt.loads(label)
        return shapely.geometry.shape(label)
    except (TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        raise unsuitable(fmt_name, f"the geometry label {label!r} is not a geometry.") from None


def vector_values(cube: DataCube, fmt_name: str) -> tuple[np.ndarray, list[str]]:
    """Values as (geometry, other dims in cube order, bands) and the names of those
    other dimensions."""
    geom_dim = cube.names_of_type("geometry")[0]
    _check_size(cube, fmt_name)
    # Bands last: property names end with the band, CSV has a column per band.
    others = sorted(
        (n for n in cube.dim_names if n != geom_dim),
        key=lambda n: cube.dimension(n).type == "bands",
    )
    data = cube.masked_float() if cube.is_encoded else cube.data
    # Eager: vector results are small tables (bounded by MAX_VALUES).
    return np.asarray(data.transpose(geom_dim, *others).values), others


def feature_properties(cube: DataCube) -> list[dict[str, Any]]:
    """Per geometry, the non-dimension coordinates along the geometry dimension
    (e.g. properties of the input features)."""
    geom_dim = cube.names_of_type("geometry")[0]
    extra = [c for c, v in cube.data.coords.items() if v.dims == (geom_dim,) and c != geom_dim]
    count = cube.data.sizes[geom_dim]
    rows: list[dict[str, Any]] = [{} for _ in range(count)]
    for name in extra:
        values = cube.data[name].values
        for row, value in zip(rows, values, strict=True):
            if isinstance(value, dict):  # the input features' own properties, by name
                row.update({str(k): _json(v) for k, v in value.items()})
            elif value is not None:
                row[str(name)] = _json(value)
    # Every row gets every column (features may lack some properties).
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return [{c: row.get(c) for c in columns} for row in rows]


def _json(value: Any) -> Any:
    if isinstance(value, np.datetime64):
        return format_datetime(value)
    value = to_json_scalar(value)
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _label_strings(cube: DataCube, dim: str) -> list[str]:
    return [str(v) for v in cube.labels(dim)]


def check_geojson(value: Any, options: dict[str, Any]) -> None:
    _check(value, "GeoJSON")


def check_csv(value: Any, options: dict[str, Any]) -> None:
    _check(value, "CSV")


def _check(value: Any, fmt_name: str) -> None:
    cube = require_cube(value, fmt_name, vector=True)
    geometries_wgs84(cube, fmt_name)
    _check_size(cube, fmt_name)


def _check_size(cube: DataCube, fmt_name: str) -> None:
    if cube.data.size > MAX_VALUES:
        raise unsuitable(fmt_name, f"it has {cube.data.size} values, more than {MAX_VALUES}.")


def write_geojson(
    value: Any, options: dict[str, Any], target_dir: str, stem: str
) -> list[WrittenFile]:
    cube = require_cube(value, "GeoJSON", vector=True)
    geometries = geometries_wgs84(cube, "GeoJSON")
    values, others = vector_values(cube, "GeoJSON")
    labels = [_label_strings(cube, d) for d in others]
    keys = ["|".join(combo) for combo in itertools.product(*labels)] if others else ["value"]
    extra = feature_properties(cube)
    features = []
    for i, geom in enumerate(geometries):
        flat = np.asarray(values[i]).ravel()
        properties = {**extra[i], **{k: _json(v) for k, v in zip(keys, flat, strict=True)}}
        features.append({"type": "Feature", "id": i,
                         "geometry": shapely.geometry.mapping(geom), "properties": properties})  # fmt: skip
    doc = {
        "type": "FeatureCollection",
        "dimensions": [
            {
                "name": d,
                "type": cube.dimension(d).type,
                "labels": [_json(v) for v in cube.labels(d)],
            }
            for d in others
        ],
        "features": features,
    }
    name = f"{stem}.geojson"
    data = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    size = Target(target_dir).write_bytes(name, data)
    return [
        WrittenFile(
            name=name, media_type=GEOJSON_MEDIA_TYPE, size=size, projection=_wgs84_bbox(geometries)
        )
    ]


def write_csv(value: Any, options: dict[str, Any], target_dir: str, stem: str) -> list[WrittenFile]:
    cube = require_cube(value, "CSV", vector=True)
    geometries = geometries_wgs84(cube, "CSV")
    values, others = vector_values(cube, "CSV")
    bands = cube.names_of_type("bands")
    band_dim = bands[0] if len(bands) == 1 else None
    if band_dim is not None:  # bands come last: one column per band
        others = others[:-1]
        value_columns = _label_strings(cube, band_dim)
    else:
        values = values[..., np.newaxis]
        value_columns = ["value"]
    extra = feature_properties(cube)
    extra_columns = list(extra[0]) if extra else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "geometry", *others, *extra_columns, *value_columns])
    label_lists = [_label_strings(cube, d) for d in others]
    for i, geom in enumerate(geometries):
        wkt = geom.wkt
        for index in itertools.product(*[range(len(labels)) for labels in label_lists]):
            row_labels = [label_lists[k][j] for k, j in enumerate(index)]
            cells = [_csv_cell(v) for v in values[(i, *index)]]
            writer.writerow([i, wkt, *row_labels, *[extra[i][c] for c in extra_columns], *cells])
    name = f"{stem}.csv"
    size = Target(target_dir).write_bytes(name, out.getvalue().encode("utf-8"))
    return [
        WrittenFile(
            name=name, media_type=CSV_MEDIA_TYPE, size=size, projection=_wgs84_bbox(geometries)
        )
    ]


def _wgs84_bbox(geometries: list[shapely.Geometry]) -> dict[str, Any]:
    """STAC projection fields: the bounding box of the (WGS 84) geometries."""
    bounds = shapely.total_bounds(np.asarray(geometries, dtype=object))
    if not np.isfinite(bounds).all():
        return {}
    return {"proj:epsg": 4326, "proj:bbox": [float(v) for v in bounds]}


def _csv_cell(value: Any) -> Any:
    value = _json(value)
    return "" if value is None else value


FORMATS.add_output(
    FileFormat(
        name="GeoJSON",
        gis_data_types=("vector",),
        title="GeoJSON feature collection (vector cubes)",
        description="One feature per geometry (WGS 84); each value is a property named"
        " after its labels in the other dimensions, bands last, joined with '|' (such as"
        " '2022-01-01T00:00:00Z|B04'; band names alone for bands only); the collection's"
        " 'dimensions' member lists those dimensions.",
        parameters=dict(COMMON_PARAMETERS),
        writer=write_geojson,
        checker=check_geojson,
        media_type=GEOJSON_MEDIA_TYPE,
    )
)

FORMATS.add_output(
    FileFormat(
        name="CSV",
        gis_data_types=("vector", "table"),
        title="Comma-separated values (vector cubes)",
        description="One row per geometry (and time step or other label): columns id,"
        " geometry (WKT, WGS 84), one per non-band dimension, one per band.",
        parameters=dict(COMMON_PARAMETERS),
        writer=write_csv,
        checker=check_csv,
        media_type=CSV_MEDIA_TYPE,
    )
)
