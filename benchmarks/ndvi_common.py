"""The benchmarked computation: NDVI, cloud-masked by SCL, maximum over a season.

Standard library only: the peer's environment (``.venv-peer``) imports this too.
The graph is the one the openEO Python client sends for::

    cube = load_collection(COLLECTION, temporal_extent=season, bands=["B04", "B08", "SCL"])
    scl = cube.band("SCL")
    cloud = (scl == 3) | (scl == 8) | (scl == 9) | (scl == 10)
    cube.ndvi(nir="B08", red="B04").mask(cloud).reduce_dimension("t", reducer="max")

(``tests/benchmarks`` checks that the client still builds exactly this.)
"""

from __future__ import annotations

from typing import Any

COLLECTION = "SENTINEL2_L2A_DEMO"
#: Default season: start inclusive, end exclusive (openEO temporal extent).
SEASON = ("2022-06-01", "2022-09-01")
#: SCL classes masked: cloud shadows, cloud medium/high probability, thin cirrus.
CLOUD_CLASSES = (3, 8, 9, 10)
BANDS = ("B04", "B08", "SCL")


def parse_season(text: str) -> tuple[str, str]:
    """``START/END`` (ISO dates, END exclusive) as a pair."""
    start, sep, end = text.partition("/")
    if not sep or not start or not end:
        raise ValueError(f"season must be START/END, got {text!r}")
    return start, end


def _cloud_reducer(classes: tuple[int, ...]) -> dict[str, Any]:
    """``array_element(SCL) == c1 or ... == cn``, chained as the client chains ``|``."""
    nodes: dict[str, Any] = {
        "arrayelement1": {
            "process_id": "array_element",
            "arguments": {"data": {"from_parameter": "data"}, "label": "SCL"},
        }
    }
    previous = None
    for i, value in enumerate(classes, start=1):
        eq = f"eq{i}"
        nodes[eq] = {
            "process_id": "eq",
            "arguments": {"x": {"from_node": "arrayelement1"}, "y": value},
        }
        if previous is None:
            previous = eq
            continue
        name = f"or{i - 1}"
        nodes[name] = {
            "process_id": "or",
            "arguments": {"x": {"from_node": previous}, "y": {"from_node": eq}},
        }
        previous = name
    assert previous is not None
    nodes[previous]["result"] = True
    return {"process_graph": nodes}


def ndvi_composite_graph(
    season: tuple[str, str] = SEASON,
    collection: str = COLLECTION,
    cloud_classes: tuple[int, ...] = CLOUD_CLASSES,
) -> dict[str, Any]:
    """The flat process graph (``process_graph`` member of a process)."""
    return {
        "loadcollection1": {
            "process_id": "load_collection",
            "arguments": {
                "bands": list(BANDS),
                "id": collection,
                "spatial_extent": None,
                "temporal_extent": list(season),
            },
        },
        "ndvi1": {
            "process_id": "ndvi",
            "arguments": {"data": {"from_node": "loadcollection1"}, "nir": "B08", "red": "B04"},
        },
        "reducedimension1": {
            "process_id": "reduce_dimension",
            "arguments": {
                "data": {"from_node": "loadcollection1"},
                "dimension": "bands",
                "reducer": _cloud_reducer(cloud_classes),
            },
        },
        "mask1": {
            "process_id": "mask",
            "arguments": {
                "data": {"from_node": "ndvi1"},
                "mask": {"from_node": "reducedimension1"},
            },
        },
        "reducedimension2": {
            "process_id": "reduce_dimension",
            "arguments": {
                "data": {"from_node": "mask1"},
                "dimension": "t",
                "reducer": {
                    "process_graph": {
                        "max1": {
                            "process_id": "max",
                            "arguments": {"data": {"from_parameter": "data"}},
                            "result": True,
                        }
                    }
                },
            },
            "result": True,
        },
    }


# --- measuring one run in a child process -------------------------------------------

#: The line a child prints last: this prefix, then its figures as JSON.
RESULT_PREFIX = "BENCHMARK-RESULT "


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int:
    """Current resident set size (``/proc``; no third-party package needed)."""
    import os

    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def report(figures: dict[str, Any]) -> None:
    import json

    print(RESULT_PREFIX + json.dumps(figures), flush=True)


def run_child(command: list[str], timeout: float = 900) -> dict[str, Any]:
    """Run one measurement in a fresh process; its figures, or a RuntimeError."""
    import json
    import subprocess

    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise RuntimeError(f"{' '.join(command[:3])} ... failed ({proc.returncode}):\n{tail}")
    return json.loads(lines[-1][len(RESULT_PREFIX) :])


# --- summarising -----------------------------------------------------------------------


def median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    """A plain fixed-width table (first row: header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\n{title}")
    for n, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
