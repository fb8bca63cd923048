"""Smoke tests of the NDVI composite benchmarks on a tiny cube (no timing assertions).

They run the benchmark code paths so that they cannot rot: the graph is still what
the openEO client sends, our engine and the hand-written xarray code agree, and the
benchmark scripts run end to end with ``--small``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "benchmarks"
PEER_PYTHON = REPO / ".venv-peer" / "bin" / "python"


@pytest.fixture(autouse=True)
def benchmark_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    # The scripts import each other as top-level modules (they run as scripts).
    monkeypatch.syspath_prepend(str(BENCH))


@pytest.fixture(scope="module")
def tiny_levels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(BENCH))
    try:
        from tiny_cube import write_tiny_cube
    finally:
        sys.path.remove(str(BENCH))
    return write_tiny_cube(tmp_path_factory.mktemp("tiny"))


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=600, cwd=REPO
    )


def test_graph_is_what_the_openeo_client_sends() -> None:
    from ndvi_common import BANDS, CLOUD_CLASSES, COLLECTION, ndvi_composite_graph
    from openeo.rest.datacube import DataCube

    season = ("2022-05-01", "2022-10-01")
    cube = DataCube.load_collection(
        COLLECTION,
        connection=None,
        temporal_extent=list(season),
        bands=list(BANDS),
        fetch_metadata=False,
    )
    scl = cube.band("SCL")
    cloud = scl == CLOUD_CLASSES[0]
    for value in CLOUD_CLASSES[1:]:
        cloud = cloud | (scl == value)
    composite = (
        cube.ndvi(nir="B08", red="B04").mask(cloud).reduce_dimension(dimension="t", reducer="max")
    )
    assert ndvi_composite_graph(season) == composite.flat_graph()


def test_season_parsing() -> None:
    from ndvi_common import parse_season

    assert parse_season("2022-06-01/2022-09-01") == ("2022-06-01", "2022-09-01")
    with pytest.raises(ValueError):
        parse_season("2022-06-01")


def test_engine_and_handwritten_xarray_agree_and_stay_lazy(tiny_levels: Path) -> None:
    import dask
    from ndvi_common import SEASON
    from ndvi_worker import build_ours, build_xarray, open_level0

    for how in ("xcube", "zarr"):
        ml, ds = open_level0(tiny_levels, how)
        ours, hand = build_ours(ml, SEASON), build_xarray(ds, SEASON)
        assert dask.is_dask_collection(ours) and dask.is_dask_collection(hand)
        assert set(ours.dims) == {"x", "y"}
        a, b = ours.transpose("y", "x").values, hand.values
        np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)
        # Not vacuous: the cube has cloudy and no-data pixels, and valid maxima.
        assert 0 < np.isnan(a).sum() < a.size


def test_handwritten_reference_masks_clouds_and_nodata(tiny_levels: Path) -> None:
    from ndvi_common import CLOUD_CLASSES
    from ndvi_worker import build_xarray, open_level0

    _, ds = open_level0(tiny_levels, "zarr")
    ds = ds.load()
    red = np.where(ds.B04 > 0, ds.B04 * 1e-4, np.nan)
    nir = np.where(ds.B08 > 0, ds.B08 * 1e-4, np.nan)
    ndvi = np.where(np.isin(ds.SCL, CLOUD_CLASSES), np.nan, (nir - red) / (nir + red))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmax(ndvi, axis=0)
    np.testing.assert_allclose(
        build_xarray(ds, ("2022-01-01", "2023-01-01")).values,
        expected,
        rtol=1e-5,
        equal_nan=True,
    )


def test_run_child_reports_a_failing_child() -> None:
    from ndvi_common import run_child

    with pytest.raises(RuntimeError, match="boom"):
        run_child([sys.executable, "-c", "import sys; sys.exit('boom')"])


@pytest.mark.slow
def test_overhead_benchmark_runs_on_the_tiny_cube() -> None:
    proc = run_script(
        "benchmarks/overhead_ndvi_composite.py", "--small", "--repeat", "1", "--warmup", "0"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "round 1/1: ours" in out and "round 1/1: xarray" in out
    assert "results of ours and xarray are equal" in out
    assert "ratio ours/xarray" in out and "time ratio ours/xarray" in out
    assert "peak memory ratio ours/xarray" in out


@pytest.mark.skipif(
    not PEER_PYTHON.exists(),
    reason="peer environment .venv-peer not created (bash benchmarks/peer_env.sh)",
)
def test_peer_benchmark_runs_on_the_tiny_cube() -> None:
    proc = run_script(
        "benchmarks/peer_ndvi_composite.py",
        "--small",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--no-install",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "results of ours and peer are equal" in proc.stdout
    assert "time ratio ours/peer" in proc.stdout


def test_tiny_cube_is_encoded_like_the_demo_cube(tiny_levels: Path) -> None:
    ds = xr.open_zarr(tiny_levels / "0.zarr")
    assert ds.B04.dtype == np.uint16 and ds.SCL.dtype == np.uint8
    assert ds.B04.attrs["nodata"] == 0 and ds.B04.attrs["scale"] == 0.0001
    assert len(ds.chunks["time"]) > 1 and len(ds.chunks["x"]) > 1
