"""Tile evaluation: the tile's extent is pushed into the loads, the matching pyramid
level is read, and narrowing the loads keeps the graph's meaning."""

from __future__ import annotations

import copy

import pytest
from xcube.core.store import new_data_store

from tests.services.conftest import S2, S2_POINT, ndvi_process
from xcube_openeo.engine import EvalEnv
from xcube_openeo.services.tiling import TileCollections, tile_data
from xcube_openeo_tiles import WebMercatorQuad


class RecordingLevels:
    """A multi-level dataset that records which levels are opened."""

    def __init__(self, ml):
        self.ml, self.opened = ml, []

    def get_dataset(self, index):
        self.opened.append(index)
        return self.ml.get_dataset(index)

    def __getattr__(self, name):
        return getattr(self.ml, name)


class Source:
    def __init__(self, ml):
        self.ml = RecordingLevels(ml)

    def collection_ids(self):
        return [S2]

    def get_ml_dataset(self, collection_id):
        return self.ml


@pytest.fixture()
def source(demo_dir) -> Source:
    ml = new_data_store("file", root=str(demo_dir)).open_data(f"{S2}.levels")
    return Source(ml)


# The small demo cube has 100, 200 and 400 m levels; at 46.5° N a Web Mercator pixel
# of zoom z spans 156543 m * cos(46.5°) / 2**z on the ground.
@pytest.mark.parametrize("z, level", [(12, 0), (10, 0), (9, 1), (8, 2), (5, 2)])
def test_the_matching_level_is_read(source: Source, z: int, level: int):
    tms = WebMercatorQuad()
    tile = tms.tile(*S2_POINT, z)
    lazy = tile_data(ndvi_process(), EvalEnv(collections=source), tms, tile, None)
    assert lazy is not None
    assert set(source.ml.opened) == {level}, source.ml.opened
    # The level's own grid (its resolution), not level 0's, describes what was read.
    from xcube_openeo.engine.load import dataset_structure

    grid = dataset_structure(source.ml.ml.get_dataset(level))[0]
    assert abs(grid.xy_res[0]) == pytest.approx(source.ml.resolutions[level][0])
    # Only the window under the tile (plus a margin) is addressed, never the whole cube.
    full = source.ml.ml.get_dataset(level).sizes
    tile_pixels = tms.resolution(z) * 256 * 0.69 / source.ml.resolutions[level][0]  # cos(46.5°)
    for dim in ("x", "y"):
        assert lazy.data.sizes[dim] <= min(full[dim], tile_pixels + 2 * 2 + 2)
    assert lazy.data.sizes["bands"] == 1 and "t" not in lazy.data.dims


def test_tiles_outside_the_collection_read_nothing(source: Source):
    tms = WebMercatorQuad()
    tile = tms.tile(-70.0, -30.0, 12)
    assert tile_data(ndvi_process(), EvalEnv(collections=source), tms, tile, None) is None
    assert source.ml.opened == []


def _evaluated(process, collections):
    from xcube_openeo.engine import evaluate_process

    return evaluate_process(process, EvalEnv(collections=collections), {})


def _load(arguments, result=False):
    arguments = {"id": S2, "temporal_extent": None, "bands": ["B04"], **arguments}
    node = {"process_id": "load_collection", "arguments": arguments}
    return {**node, "result": True} if result else node


def test_the_tile_window_narrows_each_load(source: Source):
    lon, lat = S2_POINT
    own = {"west": lon - 0.01, "south": lat - 0.01, "east": lon + 0.01, "north": lat + 0.01}
    extent = {"west": lon - 0.02, "south": lat - 0.02, "east": lon, "north": lat}
    process = {
        "process_graph": {
            "load": _load({"spatial_extent": None}),
            "own": _load({"spatial_extent": own, "bands": ["B08"]}),
            "merge": {
                "process_id": "merge_cubes",
                "arguments": {"cube1": {"from_node": "load"}, "cube2": {"from_node": "own"}},
            },
            "apply": {
                "process_id": "apply",
                "arguments": {
                    "data": {"from_node": "merge"},
                    "process": {
                        "process_graph": {
                            "x": {
                                "process_id": "absolute",
                                "arguments": {"x": {"from_parameter": "x"}},
                                "result": True,
                            }
                        }
                    },
                },
                "result": True,
            },
        }
    }
    unchanged = copy.deepcopy(process)
    tile = TileCollections(source, {}, {S2: extent}, None)

    def spatial(cube):
        return cube.data["x"].values.tolist(), cube.data["y"].values.tolist()

    def filtered(arguments):
        return {
            "process_graph": {
                "load": _load(arguments),
                "filter": {
                    "process_id": "filter_bbox",
                    "arguments": {"data": {"from_node": "load"}, "extent": extent},
                    "result": True,
                },
            }
        }

    # Without an extent of its own: the tile's extent is the load's.
    narrowed = _evaluated({"process_graph": {"load": _load({"spatial_extent": None}, True)}}, tile)
    as_extent = {"process_graph": {"load": _load({"spatial_extent": extent}, True)}}
    assert spatial(narrowed) == spatial(_evaluated(as_extent, source))
    # Nor does the tile's own extent (the service parameter): the window replaces it.
    parameter = TileCollections(source, {}, {S2: extent}, own)
    from_parameter = {"process_graph": {"load": _load({"spatial_extent": own}, True)}}
    assert spatial(_evaluated(from_parameter, parameter)) == spatial(narrowed)
    # With one: both apply, the tile's as a filter after the load.
    both = _evaluated({"process_graph": {"own": _load({"spatial_extent": own}, True)}}, tile)
    assert spatial(both) == spatial(_evaluated(filtered({"spatial_extent": own}), source))
    assert spatial(both) != spatial(narrowed)
    # The graph's nodes see the narrowed loads; the process itself is not changed.
    merged = _evaluated(process, tile)
    expected = {
        "process_graph": {
            **process["process_graph"],
            "load": _load({"spatial_extent": extent}),
            "own_tile": {
                "process_id": "filter_bbox",
                "arguments": {"data": {"from_node": "own"}, "extent": extent},
            },
            "merge": {
                "process_id": "merge_cubes",
                "arguments": {"cube1": {"from_node": "load"}, "cube2": {"from_node": "own_tile"}},
            },
        }
    }
    assert spatial(merged) == spatial(_evaluated(expected, source))
    assert process == unchanged


def test_user_extent_and_tile_extent_both_apply(source: Source):
    process = ndvi_process()
    lon, lat = S2_POINT
    process["process_graph"]["load"]["arguments"]["spatial_extent"] = {
        "west": lon - 0.01,
        "south": lat - 0.01,
        "east": lon,
        "north": lat,
    }
    tms = WebMercatorQuad()
    tile = tms.tile(lon, lat, 12)
    lazy = tile_data(process, EvalEnv(collections=source), tms, tile, None)
    full = tile_data(ndvi_process(), EvalEnv(collections=source), tms, tile, None)
    assert lazy is not None and full is not None
    assert lazy.data.sizes["x"] < full.data.sizes["x"]
