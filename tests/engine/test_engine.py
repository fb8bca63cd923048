"""Engine tests: validation, evaluation, limits, user-defined processes, laziness."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from dask.callbacks import Callback as DaskCallback

from tests.fixtures import make_s2_cube
from xcube_openeo.engine import (
    Callback,
    DataCube,
    EvalEnv,
    InMemoryCollections,
    Limits,
    evaluate_process,
    validate_process,
)
from xcube_openeo.engine.registry import ProcessRegistry
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processes import REGISTRY

SHARED = Path(
    os.environ.get("XCUBE_OPENEO_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared")
)


def _official_spec(pid: str) -> dict[str, Any]:
    base = SHARED / "openeo-processes"
    for path in (base / f"{pid}.json", base / "proposals" / f"{pid}.json"):
        if path.exists():
            return json.loads(path.read_text("utf-8"))
    raise KeyError(pid)


@pytest.fixture(scope="module")
def registry() -> ProcessRegistry:
    """Our implementations, with the official definition where our spec is missing."""
    reg = ProcessRegistry()
    reg.impls.update(REGISTRY.impls)
    specs = dict(REGISTRY.specs)
    for pid in reg.impls:
        if pid not in specs:
            try:
                specs[pid] = _official_spec(pid)
            except KeyError:
                pass
    reg.__dict__["specs"] = specs
    return reg


def node(pid: str, result: bool = False, **arguments: Any) -> dict[str, Any]:
    return {"process_id": pid, "arguments": arguments, **({"result": True} if result else {})}


def chain(n: int) -> dict[str, Any]:
    graph = {f"n{i}": node("add", x={"from_node": f"n{i - 1}"} if i else 0, y=1) for i in range(n)}
    graph[f"n{n - 1}"]["result"] = True
    return {"process_graph": graph}


def codes(errors: list[OpenEOError]) -> list[str]:
    return [e.code for e in errors]


# -- validation -----------------------------------------------------------------------


def test_valid_graph_has_no_errors(registry: ProcessRegistry) -> None:
    pg = {
        "process_graph": {
            "a": node("add", x=1, y=2),
            "b": node("add", True, x={"from_node": "a"}, y=3),
        }
    }
    assert validate_process(pg, registry=registry) == []
    assert evaluate_process(pg, EvalEnv(), registry=registry) == 6


@pytest.mark.parametrize(
    ("graph", "code", "fragment"),
    [
        ({"a": node("add", x=1, y=2)}, "ProcessGraphInvalid", "exactly one result node"),
        (
            {"a": node("add", True, x=1, y=2), "b": node("add", True, x=1, y=2)},
            "ProcessGraphInvalid",
            "exactly one",
        ),
        ({"a": node("add", True, x={"from_node": "zz"}, y=2)}, "ProcessGraphInvalid", "'zz'"),
        (
            {
                "a": node("add", x={"from_node": "b"}, y=1),
                "b": node("add", True, x={"from_node": "a"}, y=1),
            },
            "ProcessGraphInvalid",
            "cycle",
        ),
        ({"a": node("no_such_process", True)}, "ProcessUnsupported", "'no_such_process'"),
        ({"a": node("add", True, x=1)}, "ProcessParameterRequired", "'y'"),
        ({"a": node("add", True, x=1, y=2, z=3)}, "ProcessParameterUnsupported", "'z'"),
        ({"a": node("add", True, x="text", y=2)}, "ProcessParameterInvalid", "'x'"),
    ],
)
def test_graph_problems(registry: ProcessRegistry, graph: dict, code: str, fragment: str) -> None:
    errors = validate_process({"process_graph": graph}, registry=registry)
    assert code in codes(errors)
    message = next(e.message for e in errors if e.code == code)
    assert fragment in message
    assert "node" in message


def test_all_problems_are_reported(registry: ProcessRegistry) -> None:
    graph = {"a": node("add", x="s", z=1), "b": node("foo", True, x={"from_node": "a"})}
    assert sorted(codes(validate_process({"process_graph": graph}, registry=registry))) == [
        "ProcessParameterInvalid", "ProcessParameterRequired", "ProcessParameterUnsupported",
        "ProcessUnsupported",
    ]  # fmt: skip


def test_bad_input_never_raises(registry: ProcessRegistry) -> None:
    for bad in (None, [], {"process_graph": []}, {"process_graph": {"a": 5}},
                {"process_graph": {"a": {"process_id": 3}}}, {"no": "graph"}):  # fmt: skip
        errors = validate_process(bad, registry=registry)  # type: ignore[arg-type]
        assert errors and all(isinstance(e, OpenEOError) for e in errors)


def test_subtype_bounding_box_and_temporal_interval(registry: ProcessRegistry) -> None:
    base = {"id": "S2", "spatial_extent": {"west": 1, "south": 2, "east": 3, "north": 4},
            "temporal_extent": ["2020-01-01", None]}  # fmt: skip
    ok = {"process_graph": {"l": node("load_collection", True, **base)}}
    assert validate_process(ok, registry=registry) == []
    no_north = {**base, "spatial_extent": {"west": 1, "south": 2, "east": 3}}
    bad_crs = {**base, "spatial_extent": {**base["spatial_extent"], "crs": 5}}
    bad_dates = {**base, "temporal_extent": ["2020-13-45", None]}
    three = {**base, "temporal_extent": ["2020-01-01", None, "2021-01-01"]}
    for args in (no_north, bad_crs, bad_dates, three):
        errors = validate_process(
            {"process_graph": {"l": node("load_collection", True, **args)}}, registry=registry
        )
        assert codes(errors) == ["ProcessParameterInvalid"], args


def test_child_graph_checked_and_parameters_scoped(registry: ProcessRegistry) -> None:
    callback = {"process_graph": {"abs": node("absolute", True, x={"from_parameter": "x"})}}
    graph = {"a": node("apply", True, data={"from_parameter": "cube"}, process=callback)}
    assert (
        validate_process(
            {"process_graph": graph, "parameters": [{"name": "cube"}]}, registry=registry
        )
        == []
    )
    wrong = {"process_graph": {"abs": node("absolute", True, x={"from_parameter": "nope"})}}
    graph = {"a": node("apply", True, data={"from_parameter": "cube"}, process=wrong)}
    errors = validate_process(
        {"process_graph": graph, "parameters": [{"name": "cube"}]}, registry=registry
    )
    assert codes(errors) == ["ProcessParameterInvalid"] and "'nope'" in errors[0].message
    inner_problem = {"process_graph": {"abs": node("absolute", True, y=1)}}
    graph = {"a": node("apply", True, data={"from_parameter": "cube"}, process=inner_problem)}
    errors = validate_process(
        {"process_graph": graph, "parameters": [{"name": "cube"}]}, registry=registry
    )
    assert set(codes(errors)) == {"ProcessParameterRequired", "ProcessParameterUnsupported"}
    assert all("argument 'process'" in e.message for e in errors)


def test_long_chain_validates_and_evaluates_without_recursion(registry: ProcessRegistry) -> None:
    process = chain(10_000)
    assert validate_process(process, registry=registry) == []
    assert evaluate_process(process, EvalEnv(), registry=registry) == 10_000


def test_limits(registry: ProcessRegistry) -> None:
    assert codes(validate_process(chain(50), registry=registry, limits=Limits(max_nodes=10))) == [
        "ProcessGraphComplexity"
    ]
    inner: dict[str, Any] = {
        "process_graph": {"a": node("absolute", True, x={"from_parameter": "x"})}
    }
    for _ in range(5):
        inner = {
            "process_graph": {"a": node("apply", True, data={"from_parameter": "x"}, process=inner)}
        }
    nested = {"process_graph": {"r": node("apply", True, data={"from_parameter": "c"}, process=inner)},
              "parameters": [{"name": "c"}]}  # fmt: skip
    assert validate_process(nested, registry=registry) == []
    errors = validate_process(nested, registry=registry, limits=Limits(max_child_depth=3))
    assert "ProcessGraphComplexity" in codes(errors)


def test_parameters_defaults_and_arguments(registry: ProcessRegistry) -> None:
    process = {"process_graph": {"a": node("add", True, x={"from_parameter": "p"}, y={"from_parameter": "q"})},
               "parameters": [{"name": "p"}, {"name": "q", "default": 10, "optional": True}]}  # fmt: skip
    assert evaluate_process(process, EvalEnv(), {"p": 1}, registry=registry) == 11
    assert evaluate_process(process, EvalEnv(), {"p": 1, "q": 2}, registry=registry) == 3
    with pytest.raises(OpenEOError) as info:
        evaluate_process(process, EvalEnv(), registry=registry)
    assert info.value.code == "ProcessParameterMissing"


def test_user_defined_processes_and_recursion(registry: ProcessRegistry) -> None:
    plus_one = {"process_graph": {"a": node("add", True, x={"from_parameter": "v"}, y=1)},
                "parameters": [{"name": "v"}]}  # fmt: skip
    twice = {"process_graph": {"a": {**node("plus_one", x=0), "arguments": {"v": {"from_parameter": "v"}}},
                               "b": {"process_id": "plus_one", "namespace": "user",
                                     "arguments": {"v": {"from_node": "a"}}, "result": True}},
             "parameters": [{"name": "v"}]}  # fmt: skip
    env = EvalEnv(user_processes={"plus_one": plus_one, "twice": twice})
    main = {
        "process_graph": {
            "t": {"process_id": "twice", "namespace": "user", "arguments": {"v": 5}, "result": True}
        }
    }
    assert evaluate_process(main, env, registry=registry) == 7
    missing = {"process_graph": {"t": {"process_id": "twice", "arguments": {}, "result": True}}}
    assert codes(
        validate_process(missing, registry=registry, user_processes=env.user_processes)
    ) == ["ProcessParameterRequired"]
    ping = {
        "process_graph": {
            "a": {"process_id": "pong", "namespace": "user", "arguments": {}, "result": True}
        }
    }
    pong = {
        "process_graph": {
            "a": {"process_id": "ping", "namespace": "user", "arguments": {}, "result": True}
        }
    }
    call = {
        "process_graph": {
            "a": {"process_id": "ping", "namespace": "user", "arguments": {}, "result": True}
        }
    }
    errors = validate_process(call, registry=registry, user_processes={"ping": ping, "pong": pong})
    assert codes(errors) == ["ProcessGraphInvalid"] and "recursively" in errors[0].message


def test_callback_from_json_and_single_process(registry: ProcessRegistry) -> None:
    cb = Callback.from_json(
        {
            "process_graph": {
                "m": node("mean", True, data={"from_parameter": "data"}, ignore_nodata=False)
            }
        },
        registry=registry,
    )
    assert cb.single_process_id == "mean"
    assert cb.single_process_arguments == {"ignore_nodata": False}
    two = Callback.from_json(
        {
            "process_graph": {
                "a": node("add", x={"from_parameter": "x"}, y=1),
                "b": node("multiply", True, x={"from_node": "a"}, y=2),
            }
        },  # fmt: skip
        registry=registry,
    )
    assert two.single_process_id is None
    assert two(x=3) == 8
    np.testing.assert_array_equal(two(x=np.array([1.0, 2.0])), [4.0, 6.0])


# -- cubes ----------------------------------------------------------------------------


@pytest.fixture
def env() -> EvalEnv:
    return EvalEnv(
        collections=InMemoryCollections(
            {"S2": make_s2_cube().chunk({"time": 1, "y": 15, "x": 20})}
        ),
        logger=logging.getLogger("test"),
    )


def _graph(**nodes: dict[str, Any]) -> dict[str, Any]:
    return {"process_graph": nodes}


def _load(**extra: Any) -> dict[str, Any]:
    return node("load_collection", id="S2", spatial_extent=None, temporal_extent=None, **extra)


class _ComputeCounter(DaskCallback):
    """Counts dask computations (none may happen while a graph is built)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def _start(self, dsk: Any) -> None:
        self.count += 1


def test_ndvi_max_composite_is_lazy(registry: ProcessRegistry, env: EvalEnv) -> None:
    ndvi = {"process_graph": {
        "nir": node("array_element", data={"from_parameter": "data"}, label="B08"),
        "red": node("array_element", data={"from_parameter": "data"}, label="B04"),
        "d": node("normalized_difference", True, x={"from_node": "nir"}, y={"from_node": "red"})}}  # fmt: skip
    reducer = {"process_graph": {"m": node("max", True, data={"from_parameter": "data"})}}
    process = _graph(
        load=_load(bands=["B04", "B08"]),
        ndvi=node("reduce_dimension", data={"from_node": "load"}, reducer=ndvi, dimension="bands"),
        comp=node("reduce_dimension", data={"from_node": "ndvi"}, reducer=reducer, dimension="t"),
        save=node("save_result", True, data={"from_node": "comp"}, format="GTiff"),
    )
    # xcube's grid mapping checks compute (small) coordinate arrays once per dataset;
    # a first evaluation caches that, the second must compute nothing.
    evaluate_process(process, env, registry=registry)
    with _ComputeCounter() as counter:
        result = evaluate_process(process, env, registry=registry)
    assert counter.count == 0
    cube = result.data
    with _ComputeCounter() as computing:  # the counter does see computations
        cube.data.values  # noqa: B018
    assert computing.count == 1
    assert isinstance(cube, DataCube) and cube.dim_names == ("y", "x")
    raw = make_s2_cube()
    b4 = raw.B04.where(raw.B04 != 0) * 0.0001
    b8 = raw.B08.where(raw.B08 != 0) * 0.0001
    expected = ((b8 - b4) / (b8 + b4)).max("time")
    np.testing.assert_allclose(cube.data.values, expected.values, rtol=1e-6)


def test_load_collection_pushdown_and_integer_data(registry: ProcessRegistry, env: EvalEnv) -> None:
    process = _graph(
        load=_load(),
        bands=node("filter_bands", data={"from_node": "load"}, bands=["B04"]),
        bbox=node("filter_bbox", data={"from_node": "bands"},
                  extent={"west": 675050, "south": 5155850, "east": 675150, "north": 5155950, "crs": 32632}),
        time=node("filter_temporal", True, data={"from_node": "bbox"}, extent=["2022-01-06", "2022-01-16"]),
    )  # fmt: skip
    cube = evaluate_process(process, env, registry=registry)
    assert cube.labels("bands") == ["B04"]
    assert cube.data.dtype == np.uint16 and cube.nodata == 0 and cube.scale == 0.0001
    assert cube.labels("t") == ["2022-01-06T00:00:00Z", "2022-01-11T00:00:00Z"]
    assert cube.data.sizes["x"] == 10 and cube.data.sizes["y"] == 10
    assert cube.source is not None  # still a narrowed load, not a filtered full cube
    assert cube.data.chunks is not None
    raw = make_s2_cube().B04.sel(time=["2022-01-06", "2022-01-11"])
    np.testing.assert_array_equal(
        cube.data.values[0], raw.sel(x=slice(675050, 675150), y=slice(5155950, 5155850)).values
    )


def test_load_collection_bbox_in_other_crs(registry: ProcessRegistry, env: EvalEnv) -> None:
    import pyproj

    to_wgs84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)
    west, south = to_wgs84.transform(675100, 5155800)
    east, north = to_wgs84.transform(675200, 5155900)
    process = _graph(load=node("load_collection", True, id="S2", temporal_extent=None,
                               spatial_extent={"west": west, "south": south, "east": east, "north": north}))  # fmt: skip
    cube = evaluate_process(process, env, registry=registry)
    xs = cube.data["x"].values
    assert 675100 <= xs.min() < 675115 and 675185 < xs.max() <= 675200


def test_mask_keeps_integers(registry: ProcessRegistry, env: EvalEnv) -> None:
    gt = {"process_graph": {"g": node("gt", True, x={"from_parameter": "x"}, y=0.2)}}
    process = _graph(
        load=_load(bands=["B04"]),
        m=node("apply", data={"from_node": "load"}, process=gt),
        masked=node("mask", True, data={"from_node": "load"}, mask={"from_node": "m"}),
    )
    cube = evaluate_process(process, env, registry=registry)
    assert cube.data.dtype == np.uint16 and cube.nodata == 0
    values = cube.data.values
    raw = make_s2_cube().B04.values
    assert np.all((values == 0) == (raw * 0.0001 > 0.2))


def test_inspect_logs_without_computing(
    registry: ProcessRegistry, env: EvalEnv, caplog: Any
) -> None:
    process = _graph(
        load=_load(), i=node("inspect", True, data={"from_node": "load"}, message="hello")
    )
    with caplog.at_level(logging.INFO, logger="test"):
        cube = evaluate_process(process, env, registry=registry)
    assert isinstance(cube, DataCube)
    assert "hello" in caplog.text and "bands" in caplog.text


def test_collection_not_found(registry: ProcessRegistry, env: EvalEnv) -> None:
    with pytest.raises(OpenEOError) as info:
        evaluate_process(_graph(load={**_load(), "result": True, "arguments": {**_load()["arguments"], "id": "nope"}}),
                         env, registry=registry)  # fmt: skip
    assert info.value.code == "CollectionNotFound"


def test_non_cube_for_cube_parameter(registry: ProcessRegistry, env: EvalEnv) -> None:
    process = _graph(
        a=node("add", x=1, y=2),
        f=node("filter_bands", True, data={"from_node": "a"}, bands=["B04"]),
    )
    with pytest.raises(OpenEOError) as info:
        evaluate_process(process, env, registry=registry)
    assert info.value.code == "ProcessParameterInvalid"


def test_apply_dimension_and_aggregate_period(registry: ProcessRegistry, env: EvalEnv) -> None:
    cumsum = {"process_graph": {"c": node("cumsum", True, data={"from_parameter": "data"})}}
    mean = {"process_graph": {"m": node("mean", True, data={"from_parameter": "data"})}}
    process = _graph(
        load=_load(bands=["B02"]),
        c=node("apply_dimension", data={"from_node": "load"}, process=cumsum, dimension="t"),
        p=node(
            "aggregate_temporal_period", True, data={"from_node": "c"}, period="month", reducer=mean
        ),
    )
    cube = evaluate_process(process, env, registry=registry)
    assert cube.labels("t") == ["2022-01"]
    raw = make_s2_cube().B02
    expected = (raw.where(raw != 0) * 0.0001).cumsum("time").mean("time")
    np.testing.assert_allclose(cube.data.isel(t=0, bands=0).values, expected.values, rtol=1e-6)


def test_datacube_keeps_types_explicitly() -> None:
    from xcube_openeo.engine.cube import Dimension

    data = xr.DataArray(np.zeros((2, 3)), dims=["time", "band"])
    cube = DataCube(data, [Dimension("time", "other"), Dimension("band", "bands")])
    assert cube.names_of_type("temporal") == []  # not guessed from the name "time"
    with pytest.raises(ValueError):
        DataCube(data, [Dimension("time", "other")])


def test_load_collection_geojson_extent_properties_and_no_data(
    registry: ProcessRegistry, env: EvalEnv
) -> None:
    import pyproj

    to_wgs84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)
    # A triangle: pixels of its bounding box outside it become no-data.
    corners = [
        to_wgs84.transform(x, y)
        for x, y in [(675000, 5155700), (675400, 5155700), (675000, 5156000)]
    ]
    triangle = {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]}
    process = _graph(load=node("load_collection", True, id="S2", temporal_extent=None, bands=["B02"],
                               spatial_extent=triangle))  # fmt: skip
    cube = evaluate_process(process, env, registry=registry)
    values = cube.data.isel(bands=0, t=0).values
    assert cube.data.dtype == np.uint16
    assert (values == 0).any() and (values != 0).any()  # masked with the no-data value
    assert values[-1, 0] != 0 and values[0, -1] == 0  # lower left inside, upper right outside
    licensed = {
        "license": {
            "process_graph": {"eq": node("eq", True, x={"from_parameter": "value"}, y="CC-BY-4.0")}
        }
    }
    accepted = _graph(load=node("load_collection", True, id="S2", spatial_extent=None, temporal_extent=None,
                                properties=licensed))  # fmt: skip
    assert evaluate_process(accepted, env, registry=registry).data.sizes["t"] == 6
    licensed["license"]["process_graph"]["eq"]["arguments"]["y"] = "proprietary"
    with pytest.raises(OpenEOError) as info:
        evaluate_process(accepted, env, registry=registry)
    assert info.value.code == "NoDataAvailable"
    elsewhere = _graph(load=node("load_collection", True, id="S2", temporal_extent=["2030-01-01", None],
                                 spatial_extent=None))  # fmt: skip
    with pytest.raises(OpenEOError) as info:
        evaluate_process(elsewhere, env, registry=registry)
    assert info.value.code == "NoDataAvailable"


def test_describe_dimensions_matches_loaded_cube(registry: ProcessRegistry, env: EvalEnv) -> None:
    from xcube_openeo.engine.load import describe_dimensions

    dims = describe_dimensions(make_s2_cube())
    cube = evaluate_process(_graph(load={**_load(), "result": True}), env, registry=registry)
    assert set(dims) == set(cube.dim_names)
    assert dims["bands"]["values"] == cube.labels("bands")
    assert dims["x"]["reference_system"] == cube.crs == 32632 and dims["x"]["step"] == 10
    assert dims["t"]["extent"] == [cube.labels("t")[0], cube.labels("t")[-1]]


def test_deeply_nested_values_are_refused_cleanly(registry: ProcessRegistry) -> None:
    value: Any = 1
    for _ in range(5000):
        value = [value]
    process = {"process_graph": {"a": node("array_create", True, data=value)}}
    assert codes(validate_process(process, registry=registry)) == ["ProcessGraphComplexity"]
    with pytest.raises(OpenEOError) as info:
        evaluate_process(process, EvalEnv(), registry=registry)
    assert info.value.code == "ProcessGraphComplexity"


def test_band_math_uses_each_band_in_its_own_type(registry: ProcessRegistry) -> None:
    ds = make_s2_cube()
    ds["SCL"] = (ds.B04 % 12).astype(np.uint8)
    ds["SCL"].attrs = {"grid_mapping": "crs"}  # a class band: no scale, no no-data
    env = EvalEnv(collections=InMemoryCollections({"S2": ds.chunk({"time": 2})}))
    is_cloud = {"process_graph": {
        "scl": node("array_element", data={"from_parameter": "data"}, label="SCL"),
        "eq": node("eq", True, x={"from_node": "scl"}, y=8)}}  # fmt: skip
    process = _graph(
        load=_load(bands=["B04", "SCL"]),
        cloud=node(
            "reduce_dimension",
            True,
            data={"from_node": "load"},
            reducer=is_cloud,
            dimension="bands",
        ),
    )
    cube = evaluate_process(process, env, registry=registry)
    assert cube.data.dtype == bool  # compared as integers, not as a float copy
    np.testing.assert_array_equal(cube.data.values, (ds.SCL == 8).values)


def test_computed_values_are_type_checked(registry: ProcessRegistry, env: EvalEnv) -> None:
    text = _graph(
        t=node("text_concat", data=["a", "b"]), a=node("add", True, x={"from_node": "t"}, y=1)
    )
    with pytest.raises(OpenEOError) as info:
        evaluate_process(text, env, registry=registry)
    assert info.value.code == "ProcessParameterInvalid" and "node 'a'" in info.value.message
    missing_cube = {"process_graph": {"r": node("reduce_dimension", True, data={"from_parameter": "c"},
                    reducer={"process_graph": {"m": node("mean", True, data={"from_parameter": "data"})}},
                    dimension="t")}, "parameters": [{"name": "c", "default": None}]}  # fmt: skip
    with pytest.raises(OpenEOError) as info:
        evaluate_process(missing_cube, env, registry=registry)
    assert info.value.code == "ProcessParameterInvalid" and "null" in info.value.message
    # Integral floats count as integers; numbers computed by nodes pass.
    ok = _graph(
        n=node("divide", x=8, y=2),
        r=node("array_element", True, data=[5, 6, 7, 8, 9], index={"from_node": "n"}),
    )
    assert evaluate_process(ok, env, registry=registry) == 9


def test_successive_temporal_filters_narrow_the_load(
    registry: ProcessRegistry, env: EvalEnv
) -> None:
    process = _graph(
        load=_load(),
        a=node("filter_temporal", data={"from_node": "load"}, extent=["2022-01-03", "2022-01-30"]),
        b=node("filter_temporal", True, data={"from_node": "a"}, extent=[None, "2022-01-12"]),
    )
    cube = evaluate_process(process, env, registry=registry)
    assert cube.source is not None
    assert cube.labels("t") == ["2022-01-06T00:00:00Z", "2022-01-11T00:00:00Z"]


def test_band_math_by_common_name(registry: ProcessRegistry, env: EvalEnv) -> None:
    ratio = {"process_graph": {
        "r": node("array_element", data={"from_parameter": "data"}, label="red"),
        "n": node("array_element", data={"from_parameter": "data"}, label="nir"),
        "d": node("divide", True, x={"from_node": "n"}, y={"from_node": "r"})}}  # fmt: skip
    process = _graph(load=_load(bands=["B04", "B08"]),
                     q=node("reduce_dimension", True, data={"from_node": "load"}, reducer=ratio, dimension="bands"))  # fmt: skip
    cube = evaluate_process(process, env, registry=registry)
    raw = make_s2_cube()
    np.testing.assert_allclose(cube.data.values, (raw.B08 / raw.B04).values, rtol=1e-5)


def test_class_band_tests_on_stored_values(registry: ProcessRegistry) -> None:
    ds = make_s2_cube()
    ds["SCL"] = (ds.B04 % 12).astype(np.uint8)
    ds["SCL"].attrs = {"grid_mapping": "crs", "nodata": 0}
    env = EvalEnv(collections=InMemoryCollections({"S2": ds.chunk({"time": 2})}))
    cloud = {"process_graph": {
        "scl": node("array_element", data={"from_parameter": "data"}, label="SCL"),
        "eq1": node("eq", x={"from_node": "scl"}, y=3),
        "eq2": node("eq", x=8, y={"from_node": "scl"}),
        "or": node("or", True, x={"from_node": "eq1"}, y={"from_node": "eq2"})}}  # fmt: skip
    process = _graph(load=_load(bands=["B04", "SCL"]),
                     c=node("reduce_dimension", True, data={"from_node": "load"}, reducer=cloud, dimension="bands"))  # fmt: skip
    cube = evaluate_process(process, env, registry=registry)
    scl = ds.SCL.values
    expected = np.where(scl == 0, np.nan, np.isin(scl, [3, 8]).astype(float))
    np.testing.assert_array_equal(np.asarray(cube.data.values, float), expected)
    loaded = evaluate_process(
        _graph(load={**_load(bands=["B04", "SCL"]), "result": True}), env, registry=registry
    )
    raw, nodata = loaded.fresh.band_raw["SCL"]
    assert raw.dtype == np.uint8 and nodata == 0  # the test ran on the stored classes


@pytest.mark.parametrize(
    ("pid", "arguments", "valid"),
    [
        (
            "filter_spatial",
            {"geometries": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
            True,
        ),
        ("filter_spatial", {"geometries": {"type": "Circle", "coordinates": [0, 0]}}, False),
        ("filter_spatial", {"geometries": {"coordinates": [0, 0]}}, False),
        (
            "aggregate_temporal",
            {"intervals": [["2020-01-01", "2021-01-01"], ["2021-01-01", None]]},
            True,
        ),
        ("aggregate_temporal", {"intervals": [["2020-01-01", "2021-01-01", "2022-01-01"]]}, False),
        ("aggregate_temporal", {"intervals": [["2020-01-01", "someday"]]}, False),
        ("aggregate_temporal", {"intervals": []}, False),
        ("resample_spatial", {"projection": 32632}, True),
        ("resample_spatial", {"projection": 999}, False),
        ("resample_spatial", {"method": "nearest-ish"}, False),
    ],
)
def test_subtypes_and_enums(
    registry: ProcessRegistry, pid: str, arguments: dict[str, Any], valid: bool
) -> None:
    reducer = {"process_graph": {"m": node("mean", True, data={"from_parameter": "data"})}}
    extra = {"reducer": reducer} if pid == "aggregate_temporal" else {}
    graph = {"l": _load(), "p": node(pid, True, data={"from_node": "l"}, **extra, **arguments)}
    errors = validate_process({"process_graph": graph}, registry=registry)
    if valid:
        assert errors == []
    else:
        assert codes(errors) == ["ProcessParameterInvalid"]
        assert "node 'p'" in errors[0].message and repr(next(iter(arguments))) in errors[0].message
