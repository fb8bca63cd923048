"""Where the back-end keeps its state: ``DataDir`` and ``Database`` in the configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def data_dir(openeo_config: Mapping[str, Any]) -> Path:
    """``DataDir``, or ``$XDG_DATA_HOME/xcube-openeo`` (default ``~/.local/share``)."""
    configured = openeo_config.get("DataDir")
    if configured:
        return Path(configured).expanduser().absolute()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "xcube-openeo"


def database_url(openeo_config: Mapping[str, Any]) -> str:
    """``Database`` (an SQLAlchemy URL), or a SQLite file ``openeo.sqlite`` in the data dir.

    PostgreSQL, for several server instances sharing one state:
    ``postgresql+psycopg://user:password@host:5432/dbname``.
    """
    configured = openeo_config.get("Database")
    if configured:
        return str(configured)
    return f"sqlite:///{data_dir(openeo_config) / 'openeo.sqlite'}"
