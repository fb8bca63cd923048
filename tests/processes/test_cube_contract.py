"""The contract of every cube process: building the result computes nothing, and the
dimensions it keeps keep their kind, labels and CRS.

Every registered process whose spec returns a data cube is built here from a dask cube
whose chunks fail if computed, under a dask scheduler that fails too.  Arguments come
from the spec: cube parameters get that cube, optional parameters their defaults, and
the rest come from :func:`minimal_arguments`.  A newly registered cube process without
an entry there fails with a message saying so; it is never skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import dask
import numpy as np
import pyproj
import pytest

from tests.fixtures import make_s2_cube
from tests.formats.cubes import raster_cube
from xcube_openeo.engine import Callback, DataCube, EvalEnv, InMemoryCollections
from xcube_openeo.processes import REGISTRY

TO_WGS84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)


def explode(block: np.ndarray) -> np.ndarray:
    raise AssertionError("a chunk was computed while the result was built")


def refuse_to_schedule(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a dask graph was computed while the result was built")


def exploding(cube: DataCube) -> DataCube:
    """``cube`` with the same chunks, each failing when computed."""
    data = cube.data.data.map_blocks(explode, meta=np.array((), dtype=cube.data.dtype))
    return DataCube(cube.data.copy(data=data), cube.dimensions)


def raster() -> DataCube:
    """A float (t, bands, y, x) cube in EPSG:32632, two dates, bands B04 and B08."""
    return exploding(raster_cube(times=2, height=20, width=30, chunks=(1, 1, 10, 10)))


def exploding_dataset() -> Any:
    ds = make_s2_cube(nx=20, ny=10, nt=3).chunk({"time": 1, "y": 5, "x": 10})
    for name in ("B02", "B04", "B08"):
        ds[name] = ds[name].copy(data=ds[name].data.map_blocks(explode, dtype=ds[name].dtype))
    return ds


def utm_polygon(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return {
        "type": "Polygon",
        "coordinates": [[list(TO_WGS84.transform(x, y)) for x, y in corners]],
    }


#: Inside the extent of raster(): x 500000..500300, y 5599800..5600000.
POLYGON = utm_polygon(500050, 5599850, 500150, 5599950)
POLYGONS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": 1}, "geometry": POLYGON},
]}  # fmt: skip


def graph(process_id: str, arguments: dict[str, Any]) -> Callback:
    return Callback.from_json(
        {"process_graph": {"n": {"process_id": process_id, "arguments": arguments, "result": True}}}
    )


def data_through(process_id: str, **more: Any) -> Callback:
    return graph(process_id, {"data": {"from_parameter": "data"}, **more})


def vector() -> DataCube:
    return call("aggregate_spatial", data=raster(), geometries=POLYGONS, reducer=MEAN)


MEAN = data_through("mean")
ABSOLUTE = graph("absolute", {"x": {"from_parameter": "x"}})
DOUBLE_CUBE = data_through("apply", process={"process_graph": {"m": {
    "process_id": "multiply", "arguments": {"x": {"from_parameter": "x"}, "y": 2}, "result": True,
}}})  # fmt: skip


def minimal_arguments() -> dict[str, dict[str, Callable[[], Any]]]:
    """Minimal valid arguments of the parameters the specs cannot give (process ->
    parameter -> a function making the value), for the cube parameters too where
    raster() is not what a process takes."""
    return {
        "add_dimension": {"name": lambda: "member", "label": lambda: "a"},
        "aggregate_spatial": {"geometries": lambda: POLYGONS, "reducer": lambda: MEAN},
        "aggregate_spatial_window": {"reducer": lambda: MEAN, "size": lambda: [2, 2]},
        "aggregate_temporal": {
            "intervals": lambda: [["2022-01-01", "2022-01-04"], ["2022-01-04", "2022-01-09"]],
            "reducer": lambda: MEAN,
        },
        "aggregate_temporal_period": {"period": lambda: "month", "reducer": lambda: MEAN},
        "anomaly": {
            "normals": lambda: call(
                "climatological_normal",
                data=raster(),
                period="month",
                climatology_period=["2022", "2022"],
            ),
            "period": lambda: "month",
        },  # fmt: skip
        "apply": {"process": lambda: ABSOLUTE},
        "apply_dimension": {"process": lambda: data_through("cumsum"), "dimension": lambda: "t"},
        "apply_kernel": {"kernel": lambda: [[0, 1, 0], [1, 1, 1], [0, 1, 0]]},
        "apply_neighborhood": {
            "process": lambda: DOUBLE_CUBE,
            "size": lambda: [
                {"dimension": "x", "value": 10, "unit": "px"},
                {"dimension": "y", "value": 10, "unit": "px"},
            ],
        },
        "apply_polygon": {"geometries": lambda: POLYGONS, "process": lambda: DOUBLE_CUBE},
        "climatological_normal": {
            "period": lambda: "month",
            "climatology_period": lambda: ["2022", "2022"],
        },
        "create_data_cube": {},
        "drop_dimension": {"data": lambda: exploding(raster_cube(times=1)), "name": lambda: "t"},
        "filter_bands": {"bands": lambda: ["B08"]},
        "filter_bbox": {
            "extent": lambda: {
                "west": 500050,
                "east": 500150,
                "south": 5599850,
                "north": 5599950,
                "crs": "EPSG:32632",
            },
        },  # fmt: skip
        "filter_labels": {
            "condition": lambda: graph("eq", {"x": {"from_parameter": "value"}, "y": "B04"}),
            "dimension": lambda: "bands",
        },
        "filter_spatial": {"geometries": lambda: POLYGONS},
        "filter_temporal": {"extent": lambda: ["2022-01-01", "2022-01-05"]},
        "filter_vector": {"data": vector, "geometries": lambda: POLYGONS},
        "flatten_dimensions": {
            "dimensions": lambda: ["t", "bands"],
            "target_dimension": lambda: "t_bands",
        },
        "load_collection": {
            "id": lambda: "S2",
            "spatial_extent": lambda: None,
            "temporal_extent": lambda: None,
        },  # fmt: skip
        "load_geojson": {"data": lambda: POLYGONS},
        "mask": {"mask": lambda: raster().with_data(raster().data > 1)},
        "mask_polygon": {"mask": lambda: POLYGONS},
        "merge_cubes": {"cube2": lambda: rename_bands(raster(), ["B11", "B12"])},
        "ndvi": {"nir": lambda: "B08", "red": lambda: "B04"},
        "reduce_dimension": {"reducer": lambda: MEAN, "dimension": lambda: "t"},
        "reduce_spatial": {"reducer": lambda: MEAN},
        "rename_dimension": {"source": lambda: "t", "target": lambda: "time"},
        "rename_labels": {
            "dimension": lambda: "bands",
            "target": lambda: ["red", "nir"],
            "source": lambda: ["B04", "B08"],
        },
        "resample_cube_spatial": {
            "target": lambda: exploding(raster_cube(times=1, height=10, width=15, res=20.0))
        },
        "resample_cube_temporal": {"target": raster},
        "resample_spatial": {"resolution": lambda: 20},
        "trim_cube": {"data": lambda: raster_cube(times=2, height=20, width=30)},
        "unflatten_dimension": {
            "data": lambda: call(
                "flatten_dimensions",
                data=raster(),
                dimensions=["t", "bands"],
                target_dimension="t_bands",
            ),
            "dimension": lambda: "t_bands",
            "target_dimensions": lambda: ["t", "bands"],
        },  # fmt: skip
        "vector_buffer": {  # buffers are in metres: geometries in UTM
            "geometries": lambda: call("vector_reproject", data=vector(), projection=32632),
            "distance": lambda: 10,
        },
        "vector_reproject": {"data": vector, "projection": lambda: 4326},
    }


def rename_bands(cube: DataCube, names: list[str]) -> DataCube:
    return cube.with_data(cube.data.assign_coords(bands=names))


#: Dimensions whose labels a process changes by its definition (filters, aggregations,
#: resampling, renaming, buffering); every other dimension kept must keep its labels.
RELABELS = {
    "aggregate_spatial_window": {"x", "y"},
    "aggregate_temporal": {"t"},
    "aggregate_temporal_period": {"t"},
    "climatological_normal": {"t"},
    "filter_bands": {"bands"},
    "filter_bbox": {"x", "y"},
    "filter_labels": {"bands"},
    "filter_spatial": {"x", "y"},
    "filter_temporal": {"t"},
    "merge_cubes": {"bands"},
    "rename_labels": {"bands"},
    "resample_cube_spatial": {"x", "y"},
    "resample_spatial": {"x", "y"},
    "trim_cube": {"x", "y", "t", "bands"},
    "vector_buffer": {"geometry"},
    "vector_reproject": {"geometry"},
}
#: Processes that must look at the values to build their result (why), given a cube
#: that can be computed; the test checks that they still do.
COMPUTE_TO_BUILD = {"trim_cube": "the labels left depend on which slices are all no-data"}
#: Processes that change the CRS of the dimensions they keep.
REPROJECTS = {"vector_reproject"}


def returns_datacube(spec: dict[str, Any]) -> bool:
    return '"datacube"' in json.dumps(spec["returns"]["schema"])


def takes_datacube(parameter: dict[str, Any]) -> bool:
    schemas = parameter["schema"]
    schemas = schemas if isinstance(schemas, list) else [schemas]
    return any(s.get("subtype") == "datacube" for s in schemas)


CUBE_PROCESSES = sorted(pid for pid in REGISTRY if returns_datacube(REGISTRY.specs[pid]))


def make_env() -> EvalEnv:
    return EvalEnv(collections=InMemoryCollections({"S2": exploding_dataset()}))


def call(process_id: str, env: EvalEnv | None = None, **kwargs: Any) -> Any:
    """The implementation called like the engine calls it: optional parameters not
    given get their defaults."""
    for parameter in REGISTRY.specs[process_id]["parameters"]:
        if parameter.get("optional") and parameter["name"] not in kwargs:
            kwargs[parameter["name"]] = parameter.get("default")
    impl = REGISTRY.impls[process_id]
    if impl.takes_env:
        kwargs["env"] = env or make_env()
    return impl.func(**kwargs)


def build_arguments(process_id: str) -> dict[str, Any]:
    given = minimal_arguments().get(process_id)
    assert given is not None, f"cube process {process_id!r}: add it to minimal_arguments()"
    values: dict[str, Any] = {}
    for parameter in REGISTRY.specs[process_id]["parameters"]:
        name = parameter["name"]
        if name in given:
            values[name] = given[name]()
        elif takes_datacube(parameter):
            values[name] = raster()
        elif not parameter.get("optional"):
            raise AssertionError(f"{process_id}.{name}: required, add it to minimal_arguments()")
    return values


def normalised_crs(crs: Any) -> pyproj.CRS | None:
    return None if crs is None else pyproj.CRS.from_user_input(crs)


def test_every_cube_process_has_arguments():
    # Loud, not silent: a new cube process needs an entry (an empty one if the spec
    # gives every argument), and entries of processes that are gone are removed.
    assert CUBE_PROCESSES and set(minimal_arguments()) == set(CUBE_PROCESSES)


def test_the_exploding_cube_explodes():
    with pytest.raises(AssertionError, match="computed"):
        raster().data.compute()
    with dask.config.set(scheduler=refuse_to_schedule), pytest.raises(AssertionError):
        raster_cube(times=1).data.sum().compute()


@pytest.mark.parametrize("process_id", CUBE_PROCESSES)
def test_building_computes_nothing_and_keeps_dimensions(process_id: str):
    kwargs = build_arguments(process_id)
    env = make_env()
    inputs = [v for v in kwargs.values() if isinstance(v, DataCube)]
    if process_id in COMPUTE_TO_BUILD:
        with dask.config.set(scheduler=refuse_to_schedule), pytest.raises(AssertionError):
            call(process_id, env, **kwargs)
        result = call(process_id, env, **kwargs)
    else:
        with dask.config.set(scheduler=refuse_to_schedule):
            result = call(process_id, env, **kwargs)
    assert isinstance(result, DataCube)
    assert [d.name for d in result.dimensions] == list(result.data.dims)
    if not inputs:
        return
    source = inputs[0]
    for dim in result.dimensions:
        if not source.has_dimension(dim.name):
            continue
        before = source.dimension(dim.name)
        assert dim.type == before.type, dim.name
        if process_id not in REPROJECTS:
            assert normalised_crs(dim.crs) == normalised_crs(before.crs), dim.name
        if dim.name not in RELABELS.get(process_id, set()):
            labels = np.asarray(result.labels(dim.name))
            np.testing.assert_array_equal(labels, source.labels(dim.name), err_msg=dim.name)
