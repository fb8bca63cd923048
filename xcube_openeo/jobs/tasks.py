"""Functions that run on the dask workers: the writing of job results.

Module-level functions, so that workers import them instead of unpickling code.
Each returns the written files and which worker process wrote them.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from distributed import get_worker

from xcube_openeo.execution.staging import open_staged
from xcube_openeo.formats import load_formats


def _worker_label() -> str:
    try:
        address = get_worker().address
    except ValueError:  # not on a worker (a LocalCluster of threads still has one)
        address = "local"
    return f"{address} (host {socket.gethostname()}, pid {os.getpid()})"


def write_value(
    value: Any, fmt_name: str, options: dict[str, Any], target_url: str, stem: str
) -> tuple[list[Any], str]:
    """Computes ``value`` (if lazy) and writes it in ``fmt_name``."""
    fmt = load_formats().find_output(fmt_name)
    assert fmt is not None, fmt_name  # checked before submission
    return fmt.write(value, options, target_url, stem), _worker_label()


def write_staged(
    staged_url: str, fmt_name: str, options: dict[str, Any], target_url: str, stem: str
) -> tuple[list[Any], str]:
    """Writes a staged cube (already computed, as Zarr) in ``fmt_name``."""
    return write_value(open_staged(staged_url), fmt_name, options, target_url, stem)
