"""apply_polygon (no official examples exist): behaviour from the definition."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from tests.fixtures import make_s2_cube
from xcube_openeo.engine import EvalEnv, InMemoryCollections, evaluate_process
from xcube_openeo.errors import OpenEOError

TO_WGS84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)


def utm_box(x0: float, y0: float, x1: float, y1: float) -> dict:
    ring = [TO_WGS84.transform(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def run(polygons: list[dict], mask_value=None, callback: dict | None = None):
    ds = make_s2_cube().chunk({"time": 1})
    env = EvalEnv(collections=InMemoryCollections({"S2": ds}))
    callback = callback or {
        "process_graph": {
            "times": {
                "process_id": "apply",
                "arguments": {
                    "data": {"from_parameter": "data"},
                    "process": {
                        "process_graph": {
                            "m": {
                                "process_id": "multiply",
                                "arguments": {"x": {"from_parameter": "x"}, "y": 2},
                                "result": True,
                            }
                        }
                    },
                },
                "result": True,
            }
        }
    }
    graph = {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": "S2",
                    "spatial_extent": None,
                    "temporal_extent": None,
                    "bands": ["B04"],
                },
            },
            "vectors": {
                "process_id": "load_geojson",
                "arguments": {
                    "data": {
                        "type": "FeatureCollection",
                        "features": [
                            {"type": "Feature", "properties": {}, "geometry": p} for p in polygons
                        ],
                    }
                },
            },
            "poly": {
                "process_id": "apply_polygon",
                "arguments": {
                    "data": {"from_node": "load"},
                    "geometries": {"from_node": "vectors"},
                    "process": callback,
                    "mask_value": mask_value,
                },
                "result": True,
            },
        }
    }
    return ds, evaluate_process(graph, env)


def test_pixels_inside_are_processed_and_the_rest_masked():
    # Pixel centres: x = 675005 + 10 i, y = 5155995 - 10 j.
    ds, cube = run(
        [utm_box(675000, 5155900, 675100, 5156000), utm_box(675200, 5155800, 675250, 5155850)]
    )
    assert cube.data.chunks is not None  # still lazy
    values = cube.data.transpose("bands", "t", "y", "x").values[0]
    source = ds.B04.values * 0.0001
    np.testing.assert_allclose(values[:, :10, :10], 2 * source[:, :10, :10], rtol=1e-6)
    np.testing.assert_allclose(values[:, 15:20, 20:25], 2 * source[:, 15:20, 20:25], rtol=1e-6)
    outside = np.ones(values.shape[1:], dtype=bool)
    outside[:10, :10] = outside[15:20, 20:25] = False
    assert np.isnan(values[:, outside]).all()


def test_mask_value_fills_outside_pixels():
    _, cube = run([utm_box(675000, 5155900, 675100, 5156000)], mask_value=-1.0)
    values = cube.data.transpose("bands", "t", "y", "x").values[0]
    assert (values[:, 10:, :] == -1).all() and (values[:, :, 10:] == -1).all()
    assert (values[:, :10, :10] > 0).all()


def test_the_callback_sees_the_smallest_grid_aligned_sub_cube():
    seen = {}

    from xcube_openeo.processes import REGISTRY

    def spy(data):
        seen["sizes"] = dict(data.data.sizes)
        seen["nan"] = int(np.isnan(data.data.values).sum())
        return data

    REGISTRY.specs["test_spy"] = {
        "id": "test_spy",
        "description": "test",
        "parameters": [
            {
                "name": "data",
                "description": "cube",
                "schema": {"type": "object", "subtype": "datacube"},
            }
        ],
        "returns": {"description": "cube", "schema": {"type": "object", "subtype": "datacube"}},
    }
    REGISTRY.register("test_spy", spy)
    try:
        # A triangle over 10 x 10 pixels: the sub cube is its bounding box, and the
        # pixels of the box outside the triangle are no-data.
        x0, y1 = 675000, 5156000
        triangle = utm_box(x0, y1 - 100, x0 + 100, y1)
        triangle["coordinates"][0] = [triangle["coordinates"][0][i] for i in (0, 1, 3, 0)]
        run(
            [triangle],
            callback={
                "process_graph": {
                    "s": {
                        "process_id": "test_spy",
                        "arguments": {"data": {"from_parameter": "data"}},
                        "result": True,
                    }
                }
            },
        )
    finally:
        REGISTRY.impls.pop("test_spy")
        REGISTRY.specs.pop("test_spy")
    assert seen["sizes"]["x"] <= 10 and seen["sizes"]["y"] <= 10
    assert 0 < seen["nan"] < seen["sizes"]["x"] * seen["sizes"]["y"] * 6


def test_overlapping_polygons_are_refused():
    with pytest.raises(OpenEOError) as info:
        run([utm_box(675000, 5155900, 675100, 5156000), utm_box(675050, 5155850, 675150, 5155950)])
    assert info.value.code == "GeometriesOverlap"


def test_only_polygons():
    with pytest.raises(OpenEOError) as info:
        run([{"type": "Point", "coordinates": list(TO_WGS84.transform(675005, 5155995))}])
    assert info.value.code == "ProcessParameterInvalid"


def test_load_geojson_properties():
    from xcube_openeo.processes import REGISTRY

    load_geojson = REGISTRY.impls["load_geojson"].func
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"a": 1, "b": 2.5},
                "geometry": {"type": "Point", "coordinates": [1, 2]},
            },
            {
                "type": "Feature",
                "properties": {"a": 3},
                "geometry": {"type": "Point", "coordinates": [3, 4]},
            },
        ],
    }
    plain = load_geojson(data=collection, properties=[])
    assert plain.names_of_type("geometry") == ["geometry"] and plain.data.sizes["geometry"] == 2
    both = load_geojson(data=collection, properties=["a", "b"])
    assert both.labels("properties") == ["a", "b"]
    np.testing.assert_array_equal(both.data.values, [[1, 2.5], [3, np.nan]])
    with pytest.raises(OpenEOError):
        load_geojson(data={"type": "GeometryCollection", "geometries": []}, properties=[])
