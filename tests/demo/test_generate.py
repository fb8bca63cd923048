"""The generator's contract: deterministic bytes, ``--if-missing``, atomic output, CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xcube_openeo.demo import generate as generate_module
from xcube_openeo.demo.generate import DATA_DIR_ENV, default_data_dir, generate, main

NAMES = ("SENTINEL2_L2A_DEMO.levels", "GLOBAL_CLIMATE_DEMO.zarr")


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_two_runs_write_identical_bytes(small_demo_dir: Path, tmp_path: Path) -> None:
    generate(tmp_path, small=True)
    first, second = _digests(small_demo_dir), _digests(tmp_path)
    assert len(first) > 100  # chunks of 11 variables x 3 levels, and more
    assert first == second


def test_if_missing_skips_complete_datasets(tmp_path: Path, capsys) -> None:
    main(["--small", "--data-dir", str(tmp_path)])
    before = _mtimes(tmp_path)
    capsys.readouterr()
    main(["--small", "--if-missing", "--data-dir", str(tmp_path)])
    assert _mtimes(tmp_path) == before
    err = capsys.readouterr().err
    assert err.count("skipped") == 2

    # A dataset without its completion marker (an interrupted swap) is regenerated,
    # the other one is left alone.
    (tmp_path / f".{NAMES[1]}.complete").unlink()
    main(["--small", "--if-missing", "--data-dir", str(tmp_path)])
    after = _mtimes(tmp_path)
    assert {k: v for k, v in after.items() if k.startswith(NAMES[0])} == {
        k: v for k, v in before.items() if k.startswith(NAMES[0])
    }
    assert (tmp_path / f".{NAMES[1]}.complete").is_file()
    assert after[f"{NAMES[1]}/zarr.json"] != before[f"{NAMES[1]}/zarr.json"]


def test_if_missing_regenerates_other_variant(tmp_path: Path, capsys) -> None:
    generate(tmp_path, small=True)
    marker = tmp_path / f".{NAMES[0]}.complete"
    marker.write_text(marker.read_text().replace('"small"', '"full"'))
    before = (tmp_path / NAMES[0] / "0.zarr" / "zarr.json").stat().st_mtime_ns
    capsys.readouterr()
    generate(tmp_path, small=True, if_missing=True)
    assert "SENTINEL2_L2A_DEMO: generating" in capsys.readouterr().err
    assert (tmp_path / NAMES[0] / "0.zarr" / "zarr.json").stat().st_mtime_ns != before


def test_interrupted_generation_leaves_nothing_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_midway(path: Path, small: bool) -> None:
        (path / "0.zarr").mkdir()  # something half-written
        raise KeyboardInterrupt

    dataset = generate_module.DATASETS[0]
    broken = generate_module.DemoDataset(dataset.name, dataset.file_name, fail_midway)
    monkeypatch.setattr(generate_module, "DATASETS", (broken,))
    with pytest.raises(KeyboardInterrupt):
        generate(tmp_path, small=True)
    assert list(tmp_path.iterdir()) == []

    # A partial directory left by a killed process is cleaned up by the next run.
    monkeypatch.setattr(generate_module, "DATASETS", (dataset,))
    stale = tmp_path / f".{NAMES[0]}.partial-999999999"
    (stale / "0.zarr").mkdir(parents=True)
    generate(tmp_path, small=True, if_missing=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{NAMES[0]}.complete", NAMES[0]]


def test_regeneration_replaces_existing_dataset(tmp_path: Path) -> None:
    generate(tmp_path, small=True)
    stray = tmp_path / NAMES[1] / "stray-file"
    stray.write_text("not part of the dataset")
    generate(tmp_path, small=True)  # without --if-missing: always regenerate
    assert not stray.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*NAMES, *(f".{n}.complete" for n in NAMES)]
    )


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert default_data_dir() == Path("data")
    monkeypatch.setenv(DATA_DIR_ENV, "/somewhere/else")
    assert default_data_dir() == Path("/somewhere/else")


def test_command_line_uses_environment_and_reports_progress(tmp_path: Path) -> None:
    env = {**os.environ, DATA_DIR_ENV: str(tmp_path / "from-env")}
    result = subprocess.run(
        [sys.executable, "-m", "xcube_openeo.demo.generate", "--small"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert sorted(
        p.name for p in (tmp_path / "from-env").iterdir() if not p.name.startswith(".")
    ) == sorted(NAMES)
    assert "100%" in result.stderr
    assert "SENTINEL2_L2A_DEMO: done" in result.stderr
    assert "GLOBAL_CLIMATE_DEMO: done" in result.stderr
    assert "Warning" not in result.stderr
