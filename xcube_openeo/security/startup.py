"""Start-up checks of what a server configuration exposes.

* The state of the back-end (database, signing key, user files, results) must never lie
  inside a folder that any route serves: the server refuses to start otherwise.
* Every xcube API that is served and can read files, alter datasets or run unbounded
  work is named in a warning: guarded by default, loudly when opened to anonymous callers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xcube_openeo.security.exposure import ExposurePolicy, rule_of

LOG = logging.getLogger("xcube.openeo.security")


class DeploymentError(ValueError):
    """The configuration exposes the back-end's state; the server must not start."""


def check_deployment(
    config: Mapping[str, Any],
    policy: ExposurePolicy,
    state_dirs: Iterable[str | Path],
    authentication: bool,
) -> None:
    """Raises :class:`DeploymentError` for state inside a served folder; logs warnings."""
    served = list(served_folders(config))
    for state in state_dirs:
        if "${" in str(state):
            raise DeploymentError(f"State location {state!r} names an unset environment variable.")
        state_path = _local_path(str(state))
        if state_path is None:
            continue
        for folder, what in served:
            if _is_within(state_path, folder):
                raise DeploymentError(
                    f"The back-end's state {state_path} lies inside {folder}, which {what}"
                    " serves: anyone could read the database and signing key from there."
                    " Move OpenEO.DataDir (and Files.Root, Jobs.ResultsRoot) elsewhere."
                )
    opened = policy.opened()
    for name, rule in opened.items():
        LOG.warning(
            "SECURITY: xcube API %r is open to %s callers (OpenEO.Security.XcubeApis) although"
            " it %s. Exclude it (api_spec.excludes) on any server reachable by others.",
            name,
            policy.apis[name].value,
            rule.reason,
        )
    for name, exposure in policy.guarded().items():
        if name in opened:
            continue
        LOG.warning(
            "SECURITY: xcube API %r is served, for openEO %ss only, because it %s;"
            " exclude it (api_spec.excludes) unless it is needed.",
            name,
            exposure.value,
            rule_of(name).reason,
        )
    if policy.guarded() and (not authentication or not policy.admins):
        LOG.warning(
            "SECURITY: guarded xcube routes (maintenance, ...) cannot be called by anyone: %s.",
            "no openEO authentication is configured"
            if not authentication
            else "OpenEO.Security.Admins names nobody",
        )


def served_folders(config: Mapping[str, Any]) -> Iterable[tuple[Path, str]]:
    """Local folders that some route of the server reads from, with who serves them."""
    base_dir = Path(config.get("base_dir") or os.getcwd())
    for dataset in config.get("Datasets") or ():
        fs = dataset.get("FileSystem", "file")
        path = dataset.get("Path")
        if path and fs in ("file", "local"):
            local = _local_path(str(path), base_dir)
            if local is not None:
                yield local, f"dataset {dataset.get('Identifier')!r}"
    for store in config.get("DataStores") or ():
        root = (store.get("StoreParams") or {}).get("root")
        if store.get("StoreId") in ("file", "directory") and root:
            local = _local_path(str(root), base_dir)
            if local is not None:
                yield local, f"data store {store.get('Identifier')!r}"
    for route in config.get("static_routes") or ():
        if route.get("dir_path"):
            local = _local_path(str(route["dir_path"]), base_dir)
            if local is not None:
                yield local, f"static route {route.get('path')!r}"
    viewer_config = ((config.get("Viewer") or {}).get("Configuration") or {}).get("Path")
    if viewer_config:
        local = _local_path(str(viewer_config), base_dir)
        if local is not None:
            yield local, "the viewer configuration"


def _local_path(url: str, base_dir: Path | None = None) -> Path | None:
    if url.startswith("file://"):
        url = url[len("file://") :]
    elif "://" in url:
        return None  # object storage: not served from this machine's folders
    path = Path(url).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return Path(os.path.realpath(path))


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
