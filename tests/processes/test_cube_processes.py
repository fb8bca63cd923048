"""Cube processes without (usable) official examples, checked against plain xarray."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest
import xarray as xr
from xcube.core.mldataset import BaseMultiLevelDataset

from tests.fixtures import make_s2_cube
from xcube_openeo.engine import Callback, DataCube, EvalEnv, InMemoryCollections
from xcube_openeo.engine.cube import Dimension
from xcube_openeo.engine.values import ArrayValue
from xcube_openeo.errors import OpenEOError
from xcube_openeo.processes import REGISTRY


def call(pid: str, **kwargs: Any) -> Any:
    impl = REGISTRY.impls[pid]
    if impl.takes_env:
        kwargs.setdefault("env", EvalEnv())
    return impl.func(**kwargs)


def reducer(pid: str) -> Callback:
    return Callback.from_json(
        {
            "process_graph": {
                "r": {
                    "process_id": pid,
                    "arguments": {"data": {"from_parameter": "data"}},
                    "result": True,
                }
            }
        }
    )


def square() -> Callback:
    return Callback.from_json(
        {
            "process_graph": {
                "m": {
                    "process_id": "multiply",
                    "arguments": {"x": {"from_parameter": "x"}, "y": {"from_parameter": "x"}},
                    "result": True,
                }
            }
        }  # fmt: skip
    )


def cube(chunked: bool = True) -> DataCube:
    """A float (t, y, x) cube in EPSG:32632 at 10 m."""
    rng = np.random.default_rng(1)
    x = 675005.0 + 10 * np.arange(8)
    y = 5156995.0 - 10 * np.arange(6)
    t = pd.date_range("2022-01-01", periods=3, freq="10D")
    data = xr.DataArray(
        rng.normal(size=(3, 6, 8)), dims=("t", "y", "x"), coords={"t": t, "y": y, "x": x}
    )
    if chunked:
        data = data.chunk({"t": 1, "y": 3, "x": 4})
    return DataCube(
        data,
        [
            Dimension("t", "temporal"),
            Dimension("y", "spatial", "y", 32632, 10.0),
            Dimension("x", "spatial", "x", 32632, 10.0),
        ],  # fmt: skip
    )


def test_reduce_spatial_mean() -> None:
    c = cube()
    result = call("reduce_spatial", data=c, reducer=reducer("mean"), context=None)
    assert result.dim_names == ("t",)
    np.testing.assert_allclose(result.data.values, c.data.mean(("x", "y")).values)


def test_reduce_dimension_generic_callback_vectorised() -> None:
    c = cube()
    spread = Callback.from_json({"process_graph": {
        "mx": {"process_id": "max", "arguments": {"data": {"from_parameter": "data"}}},
        "mn": {"process_id": "min", "arguments": {"data": {"from_parameter": "data"}}},
        "d": {"process_id": "subtract", "arguments": {"x": {"from_node": "mx"}, "y": {"from_node": "mn"}},
              "result": True}}})  # fmt: skip
    result = call("reduce_dimension", data=c, reducer=spread, dimension="t", context=None)
    assert result.data.chunks is not None
    np.testing.assert_allclose(result.data.values, (c.data.max("t") - c.data.min("t")).values)


def test_apply_neighborhood_runs_process_per_block() -> None:
    c = cube()
    times_two = Callback.from_json({"process_graph": {"a": {"process_id": "apply", "arguments": {
        "data": {"from_parameter": "data"},
        "process": {"process_graph": {"m": {"process_id": "multiply",
                    "arguments": {"x": {"from_parameter": "x"}, "y": 2}, "result": True}}}},
        "result": True}}})  # fmt: skip
    size = [
        {"dimension": "x", "value": 4, "unit": "px"},
        {"dimension": "y", "value": 3, "unit": "px"},
    ]
    overlap = [{"dimension": "x", "value": 1, "unit": "px"}]
    result = call(
        "apply_neighborhood", data=c, process=times_two, size=size, overlap=overlap, context=None
    )
    np.testing.assert_allclose(result.data.values, c.data.values * 2)


def test_aggregate_spatial_window_mean_and_generic() -> None:
    c = cube()
    mean = call("aggregate_spatial_window", data=c, reducer=reducer("mean"), size=[2, 3],
                boundary="pad", align="upper-left", context=None)  # fmt: skip
    expected = c.data.coarsen(x=2, y=3).mean()
    np.testing.assert_allclose(mean.data.values, expected.values)
    np.testing.assert_allclose(mean.data["x"].values, expected["x"].values)
    generic = call("aggregate_spatial_window", data=c, reducer=reducer("sd"), size=[2, 3],
                   boundary="pad", align="upper-left", context=None)  # fmt: skip
    windows = c.data.values.reshape(3, 2, 3, 4, 2)  # (t, y windows, 3 rows, x windows, 2 cols)
    np.testing.assert_allclose(generic.data.values, windows.std(axis=(2, 4), ddof=1))


def test_resample_spatial_average_and_near() -> None:
    c = cube()
    avg = call(
        "resample_spatial",
        data=c,
        resolution=20,
        projection=None,
        method="average",
        align="upper-left",
    )
    np.testing.assert_allclose(avg.data.values, c.data.coarsen(x=2, y=2).mean().values)
    assert avg.dimension("x").step == 20
    near = call(
        "resample_spatial", data=c, resolution=5, projection=None, method="near", align="upper-left"
    )
    assert near.data.sizes["x"] == 16 and near.data.sizes["y"] == 12
    np.testing.assert_allclose(near.data.values[:, ::2, ::2], c.data.values)


def test_resample_spatial_reprojects_lazily() -> None:
    c = cube()
    result = call(
        "resample_spatial", data=c, resolution=0, projection=4326, method="near", align="upper-left"
    )
    assert result.crs == 4326 and result.data.chunks is not None
    values = result.data.values
    assert np.isfinite(values).sum() > 0.5 * values.size
    # Every valid value is one of the source values (nearest neighbour).
    assert np.isin(values[np.isfinite(values)], c.data.values).all()


def test_resample_cube_spatial_to_coarser_target() -> None:
    c = cube()
    target = call(
        "resample_spatial",
        data=c,
        resolution=20,
        projection=None,
        method="near",
        align="upper-left",
    )
    result = call("resample_cube_spatial", data=c, target=target, method="max")
    np.testing.assert_allclose(result.data.values, c.data.coarsen(x=2, y=2).max().values)


def test_load_collection_picks_pyramid_level_for_coarse_resampling() -> None:
    ds = make_s2_cube(nx=64, ny=64).chunk({"time": 1})
    ml = BaseMultiLevelDataset(ds, num_levels=3)
    env = EvalEnv(collections=InMemoryCollections({"S2": ml}))
    loaded = call("load_collection", id="S2", spatial_extent=None, temporal_extent=None,
                  bands=["B04"], properties=None, env=env)  # fmt: skip
    assert loaded.source.level == 0
    coarse = call(
        "resample_spatial",
        data=loaded,
        resolution=40,
        projection=None,
        method="near",
        align="upper-left",
    )
    assert coarse.data.sizes["x"] == 16
    assert coarse.data.dtype == np.uint16  # read from level 2, nothing averaged


def test_aggregate_spatial_polygon_mean_to_vector_cube() -> None:
    c = cube()
    to_wgs84 = pyproj.Transformer.from_crs(32632, 4326, always_xy=True)
    corners = [to_wgs84.transform(x, y) for x, y in
               [(675000, 5156970), (675040, 5156970), (675040, 5157000), (675000, 5157000)]]  # fmt: skip
    polygon = {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]}
    result = call("aggregate_spatial", data=c, geometries=polygon, reducer=reducer("mean"),
                  target_dimension=None, context=None)  # fmt: skip
    assert result.dim_names == ("geometry", "t") and result.is_vector
    expected = c.data.sel(x=slice(675000, 675040), y=slice(5157000, 5156970)).mean(("x", "y"))
    np.testing.assert_allclose(result.data.values[0], expected.values)
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": polygon, "properties": {"field": "a"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(corners[0])}, "properties": {"field": "b"}}]}  # fmt: skip
    per_feature = call("aggregate_spatial", data=c, geometries=features, reducer=reducer("max"),
                       target_dimension="stats", context=None)  # fmt: skip
    assert per_feature.dim_names == ("geometry", "t", "stats")
    assert [p["field"] for p in per_feature.data["properties"].values] == ["a", "b"]
    counts = per_feature.data.sel(stats="total_count").values
    assert (counts[0] == 12).all() and (counts[1] == 1).all()  # 4 x 3 pixels; the nearest one


def test_vector_processes() -> None:
    point = {"type": "Point", "coordinates": [9.0, 46.0]}
    with pytest.raises(OpenEOError) as info:
        call("vector_buffer", geometries=point, distance=10)
    assert info.value.code == "UnitMismatch"
    vc = call("vector_reproject", data=_points(), projection=32632, dimension=None)
    assert vc.crs == 32632
    buffered = call("vector_buffer", geometries=vc, distance=100)
    assert buffered.data["geometry"].values[0].area == pytest.approx(np.pi * 100**2, rel=0.01)
    box = {
        "type": "Polygon",
        "coordinates": [[[8.9, 45.9], [9.05, 45.9], [9.05, 46.05], [8.9, 46.05], [8.9, 45.9]]],
    }
    kept = call("filter_vector", data=_points(), geometries=box, relation="intersects")
    assert kept.data.sizes["geometry"] == 1
    labels = call("dimension_labels", data=kept, dimension="geometry").to_list()
    assert labels == [{"type": "Point", "coordinates": (9.0, 46.0)}]


def _points() -> DataCube:
    import shapely

    from xcube_openeo.processes.cubes.vector import make_vector_cube

    return make_vector_cube(
        [shapely.Point(9.0, 46.0), shapely.Point(10.0, 47.0)], pyproj.CRS.from_epsg(4326)
    )


def test_flatten_and_unflatten_roundtrip() -> None:
    c = cube(chunked=False)
    flat = call(
        "flatten_dimensions",
        data=c,
        dimensions=["t", "y"],
        target_dimension="ty",
        label_separator="~",
    )
    assert flat.dim_names == ("ty", "x") and flat.data.sizes["ty"] == 18
    back = call(
        "unflatten_dimension",
        data=flat,
        dimension="ty",
        target_dimensions=["t", "y"],
        label_separator="~",
    )
    assert back.data.sizes == c.data.sizes
    np.testing.assert_allclose(back.data.values, c.data.values)


def test_filter_labels_and_merge_along_time() -> None:
    c = cube()
    before = Callback.from_json({"process_graph": {"d": {"process_id": "date_between", "arguments": {
        "x": {"from_parameter": "value"}, "min": "2021-01-01", "max": "2022-01-05"}, "result": True}}})  # fmt: skip
    first = call("filter_labels", data=c, condition=before, dimension="t", context=None)
    assert first.labels("t") == ["2022-01-01T00:00:00Z"]
    rest = call("filter_temporal", data=c, extent=["2022-01-05", None], dimension=None)
    merged = call("merge_cubes", cube1=rest, cube2=first, overlap_resolver=None, context=None)
    assert merged.labels("t") == c.labels("t")  # sorted again
    np.testing.assert_allclose(merged.data.values, c.data.values)
    with pytest.raises(OpenEOError) as info:
        call("merge_cubes", cube1=c, cube2=first, overlap_resolver=None, context=None)
    assert info.value.code == "OverlapResolverMissing"


def test_apply_is_vectorised_over_whole_cube() -> None:
    c = cube()
    result = call("apply", data=c, process=square(), context=None)
    assert result.data.chunks is not None
    np.testing.assert_allclose(result.data.values, c.data.values**2)


def test_apply_chains_run_fused_and_match_stepwise() -> None:
    c = cube()
    plus_one = Callback.from_json(
        {
            "process_graph": {
                "a": {
                    "process_id": "add",
                    "arguments": {"x": {"from_parameter": "x"}, "y": 1},
                    "result": True,
                }
            }
        }  # fmt: skip
    )
    first = call("apply", data=c, process=square(), context=None)
    second = call("apply", data=first, process=plus_one, context=None)
    third = call("apply", data=second, process=square(), context=None)
    assert third.is_deferred  # nothing built yet
    assert third.data.chunks == c.data.chunks and not third.is_deferred
    np.testing.assert_allclose(third.data.values, (c.data.values**2 + 1) ** 2)
    # An intermediate result used elsewhere is unaffected by the chain.
    np.testing.assert_allclose(second.data.values, c.data.values**2 + 1)
    reduced = call(
        "reduce_dimension", data=third, reducer=reducer("max"), dimension="t", context=None
    )
    np.testing.assert_allclose(reduced.data.values, ((c.data.values**2 + 1) ** 2).max(axis=0))


def test_common_band_names_and_node_named_in_errors() -> None:
    from xcube_openeo.engine import evaluate_process

    env = EvalEnv(collections=InMemoryCollections({"S2": make_s2_cube().chunk({"time": 2})}))
    load = {"process_id": "load_collection", "arguments": {"id": "S2", "spatial_extent": None,
            "temporal_extent": None, "bands": ["red", "nir"]}}  # fmt: skip
    process = {"process_graph": {
        "load": load,
        "ndvi": {"process_id": "ndvi", "arguments": {"data": {"from_node": "load"}}, "result": True}}}  # fmt: skip
    result = evaluate_process(process, env)
    raw = make_s2_cube()
    b4, b8 = raw.B04.where(raw.B04 != 0) * 1e-4, raw.B08.where(raw.B08 != 0) * 1e-4
    np.testing.assert_allclose(result.data.values, ((b8 - b4) / (b8 + b4)).values, rtol=1e-5)
    bad = {"process_graph": {
        "load": load,
        "r": {"process_id": "reduce_dimension", "arguments": {
            "data": {"from_node": "load"}, "dimension": "nope",
            "reducer": {"process_graph": {"m": {"process_id": "mean", "arguments": {"data": {"from_parameter": "data"}},
                                                "result": True}}}}, "result": True}}}  # fmt: skip
    with pytest.raises(OpenEOError) as info:
        evaluate_process(bad, env)
    assert info.value.code == "DimensionNotAvailable" and "node 'r'" in info.value.message


def test_fused_chain_task_pickles_without_environment() -> None:
    """Task functions go to dask worker processes: they must pickle, small, without
    the request's data access (collections) or logger."""
    import logging
    import pickle
    import threading

    from xcube_openeo.engine import evaluate_process
    from xcube_openeo.processes.cubes.apply import _ChainRunner

    class LockedCollections(InMemoryCollections):
        def __init__(self, datasets: Any):
            super().__init__(datasets)
            self.lock = threading.Lock()  # not picklable, like a real server context

    env = EvalEnv(
        collections=LockedCollections({"S2": make_s2_cube().chunk({"time": 2})}),
        logger=logging.LoggerAdapter(logging.getLogger("job"), {"job": "j-1"}),
    )
    add_one = {"process_graph": {"a": {"process_id": "add", "arguments": {"x": {"from_parameter": "x"}, "y": 1},
                                       "result": True}}}  # fmt: skip
    graph: dict[str, Any] = {"n0": {"process_id": "load_collection", "arguments": {
        "id": "S2", "spatial_extent": None, "temporal_extent": None, "bands": ["B04"]}}}  # fmt: skip
    for i in range(1, 4):
        graph[f"n{i}"] = {
            "process_id": "apply",
            "arguments": {"data": {"from_node": f"n{i - 1}"}, "process": add_one},
        }
    graph["n3"]["result"] = True
    result = evaluate_process({"process_graph": graph}, env)
    runner = _ChainRunner(result.elementwise_chain.steps)
    payload = pickle.dumps(runner)
    assert len(payload) < 200_000
    block = np.arange(6, dtype=float).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(pickle.loads(payload)(block), block + 3)


def test_aggregate_spatial_window_padding_and_alignment() -> None:
    c = cube()  # 8 x 6 pixels
    padded = call("aggregate_spatial_window", data=c, reducer=reducer("max"), size=[3, 4],
                  boundary="pad", align="upper-left", context=None)  # fmt: skip
    assert padded.data.sizes["x"] == 3 and padded.data.sizes["y"] == 2
    x = c.data["x"].values
    np.testing.assert_allclose(
        padded.data["x"].values, [x[1], x[4], x[7]]
    )  # centres, last one padded
    np.testing.assert_allclose(
        padded.data.values[:, 0, 2], c.data.values[:, 0:4, 6:8].max(axis=(1, 2))
    )
    trimmed = call("aggregate_spatial_window", data=c, reducer=reducer("max"), size=[3, 4],
                   boundary="trim", align="lower-right", context=None)  # fmt: skip
    assert trimmed.data.sizes["x"] == 2 and trimmed.data.sizes["y"] == 1
    np.testing.assert_allclose(trimmed.data["x"].values, [x[3], x[6]])
    np.testing.assert_allclose(
        trimmed.data.values[:, 0, 0], c.data.values[:, 2:6, 2:5].max(axis=(1, 2))
    )
    assert trimmed.dimension("x").step == 30


def test_aggregate_temporal_period_groupby_matches_generic_path() -> None:
    c = cube()
    fast = call("aggregate_temporal_period", data=c, period="dekad", reducer=reducer("median"),
                dimension=None, context=None)  # fmt: skip
    # The same reducer wrapped so that it is no single-process callback (generic path).
    wrapped = Callback.from_json({"process_graph": {
        "m": {"process_id": "median", "arguments": {"data": {"from_parameter": "data"}}},
        "a": {"process_id": "add", "arguments": {"x": {"from_node": "m"}, "y": 0}, "result": True}}})  # fmt: skip
    generic = call("aggregate_temporal_period", data=c, period="dekad", reducer=wrapped,
                   dimension=None, context=None)  # fmt: skip
    assert fast.labels("t") == generic.labels("t") == ["2022-01", "2022-02", "2022-03"]
    np.testing.assert_allclose(fast.data.values, generic.data.values)
    narrowed = call("filter_temporal", data=c, extent=["2022-01-05", None], dimension=None)
    assert narrowed.labels("t") == ["2022-01-11T00:00:00Z", "2022-01-21T00:00:00Z"]


def test_climatological_normal_and_anomaly_by_month() -> None:
    t = pd.date_range("2000-01-01", periods=36, freq="MS") + pd.Timedelta(days=14)
    rng = np.random.default_rng(2)
    data = xr.DataArray(rng.normal(size=(36, 2, 2)), dims=("t", "y", "x"),
                        coords={"t": t, "y": [1.5, 0.5], "x": [0.5, 1.5]}).chunk({"t": 12})  # fmt: skip
    c = DataCube(data, [Dimension("t", "temporal"), Dimension("y", "spatial", "y", 4326, 1.0),
                        Dimension("x", "spatial", "x", 4326, 1.0)])  # fmt: skip
    normals = call(
        "climatological_normal", data=c, period="month", climatology_period=["2000", "2001"]
    )
    assert normals.labels("t") == [f"{m:02d}" for m in range(1, 13)]
    expected = data.isel(t=slice(0, 24)).groupby("t.month").mean().values
    np.testing.assert_allclose(normals.data.values, expected)
    anomalies = call("anomaly", data=c, normals=normals, period="month")
    np.testing.assert_allclose(anomalies.data.values, data.values - np.tile(expected, (3, 1, 1)))
    seasons = call(
        "climatological_normal", data=c, period="season", climatology_period=["2000", "2002"]
    )
    assert seasons.labels("t") == ["djf", "jja", "mam", "son"]
    with pytest.raises(OpenEOError):
        call("anomaly", data=c, normals=seasons, period="month")


def test_merge_cubes_aligns_other_resolution_and_joins_tiles() -> None:
    c = cube()
    coarse = call(
        "resample_spatial",
        data=c,
        resolution=20,
        projection=None,
        method="near",
        align="upper-left",
    )
    plus_one = Callback.from_json({"process_graph": {"a": {"process_id": "add", "arguments": {
        "x": {"from_parameter": "x"}, "y": {"from_parameter": "y"}}, "result": True}}})  # fmt: skip
    merged = call("merge_cubes", cube1=c, cube2=coarse, overlap_resolver=plus_one, context=None)
    assert merged.data.sizes == c.data.sizes  # on cube1's grid
    nearest = coarse.data.values.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_allclose(merged.data.values, c.data.values + nearest)
    left = call(
        "filter_bbox",
        data=c,
        extent={"west": 675000, "east": 675040, "south": 0, "north": 6e6, "crs": 32632},
    )
    right = call(
        "filter_bbox",
        data=c,
        extent={"west": 675040, "east": 675080, "south": 0, "north": 6e6, "crs": 32632},
    )
    joined = call("merge_cubes", cube1=left, cube2=right, overlap_resolver=None, context=None)
    np.testing.assert_allclose(joined.data.values, c.data.values)


def test_mask_with_coarser_mask_is_resampled_to_the_data() -> None:
    c = cube()
    positive = Callback.from_json({"process_graph": {"g": {"process_id": "gt", "arguments": {
        "x": {"from_parameter": "x"}, "y": 0}, "result": True}}})  # fmt: skip
    coarse = call(
        "resample_spatial",
        data=c,
        resolution=20,
        projection=None,
        method="near",
        align="upper-left",
    )
    m = call("apply", data=coarse, process=positive, context=None)
    masked = call("mask", data=c, mask=m, replacement=None)
    cond = (coarse.data.values > 0).repeat(2, axis=1).repeat(2, axis=2)
    expected = np.where(cond, np.nan, c.data.values)
    np.testing.assert_allclose(masked.data.values, expected)


def _class_cube(with_nodata: bool) -> DataCube:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 12, size=(2, 3, 4, 5)).astype(float)
    values[1] *= 0.01  # a second, "reflectance" band
    if with_nodata:
        values[0, 0, 0, :2] = np.nan  # class band no-data
    data = xr.DataArray(values, dims=("bands", "t", "y", "x"),
                        coords={"bands": ["SCL", "B04"], "t": pd.date_range("2022-01-01", periods=3)})  # fmt: skip
    return DataCube(data, [Dimension("bands", "bands"), Dimension("t", "temporal"),
                           Dimension("y", "spatial", "y", 32632), Dimension("x", "spatial", "x", 32632)])  # fmt: skip


def _cloud_reducer(extra_use: bool = False) -> Callback:
    nodes: dict[str, Any] = {"scl": {"process_id": "array_element",
                                     "arguments": {"data": {"from_parameter": "data"}, "label": "SCL"}}}  # fmt: skip
    for i, value in enumerate((3, 8, 9), start=1):
        nodes[f"eq{i}"] = {"process_id": "eq", "arguments": {"x": {"from_node": "scl"}, "y": value}}
    nodes["or1"] = {
        "process_id": "or",
        "arguments": {"x": {"from_node": "eq1"}, "y": {"from_node": "eq2"}},
    }
    nodes["or2"] = {
        "process_id": "or",
        "arguments": {"x": {"from_node": "or1"}, "y": {"from_node": "eq3"}},
    }
    if extra_use:  # eq1 also used elsewhere: no shortcut for the tree, same result
        nodes["and"] = {
            "process_id": "and",
            "arguments": {"x": {"from_node": "eq1"}, "y": {"from_node": "or2"}},
        }
        nodes["or3"] = {
            "process_id": "or",
            "arguments": {"x": {"from_node": "and"}, "y": {"from_node": "or2"}},
        }
        nodes["or3"]["result"] = True
    else:
        nodes["or2"]["result"] = True
    return Callback.from_json({"process_graph": nodes})


@pytest.mark.parametrize("with_nodata", [False, True])
@pytest.mark.parametrize("extra_use", [False, True])
def test_band_math_membership_shortcut_matches_literal_evaluation(
    with_nodata: bool, extra_use: bool
) -> None:
    from xcube_openeo.processes.cubes.bandmath import band_math_results

    c = _class_cube(with_nodata)
    reducer_cb = _cloud_reducer(extra_use)
    shortcut = call("reduce_dimension", data=c, reducer=reducer_cb, dimension="bands", context=None)
    known = band_math_results(c, "bands", reducer_cb, c.data)
    assert ("or2" in known) is (not extra_use) and "or1" not in known
    literal = reducer_cb(data=ArrayValue(c.data, "bands", True), context=None)
    expected = np.asarray(literal.values, dtype=float)
    np.testing.assert_array_equal(np.asarray(shortcut.data.values, dtype=float), expected)
    scl = c.data.sel(bands="SCL").values
    assert np.array_equal(np.isnan(expected), np.isnan(scl))  # null stays null


def test_resample_spatial_bilinear_interpolates_between_centres() -> None:
    c = cube()
    fine = call(
        "resample_spatial",
        data=c,
        resolution=5,
        projection=None,
        method="bilinear",
        align="upper-left",
    )
    # Target centres sit a quarter cell off the source centres: 3/4 + 1/4 weights.
    x_t = fine.data["x"].values
    assert x_t[1] == c.data["x"].values[0] + 2.5
    expected = c.data.interp(x=x_t, y=fine.data["y"].values, method="linear")
    np.testing.assert_allclose(fine.data.values, expected.values)
    source = c.data.values
    np.testing.assert_allclose(fine.data.values[:, 1, 1], 0.75 * (0.75 * source[:, 0, 0] + 0.25 * source[:, 0, 1])
                               + 0.25 * (0.75 * source[:, 1, 0] + 0.25 * source[:, 1, 1]))  # fmt: skip
