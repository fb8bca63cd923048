"""Where the back-end keeps its state: ``DataDir`` and ``Database`` in the configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xcube_openeo.settings import from_config, setting


@dataclass(frozen=True)
class StateSettings:
    """The state keys of the ``OpenEO`` section (top level, beside the other settings)."""

    data_dir: str | None = setting(
        None,
        "state: database, user files, job results, signing key; never inside a served"
        " folder (the server refuses to start)",
        shown="`$XDG_DATA_HOME/xcube-openeo`",
    )
    database: str | None = setting(
        None,
        "SQLAlchemy URL; `postgresql+psycopg://user:pw@host/db` lets several server"
        " instances share state (install the `postgresql` extra)",
        shown="SQLite in `DataDir`",
    )

    @property
    def data_path(self) -> Path:
        """``DataDir``, or ``$XDG_DATA_HOME/xcube-openeo`` (default ``~/.local/share``)."""
        if self.data_dir:
            return Path(self.data_dir).expanduser().absolute()
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        return Path(base) / "xcube-openeo"

    @property
    def database_url(self) -> str:
        """``Database`` (an SQLAlchemy URL), or a SQLite file ``openeo.sqlite`` in the data dir.

        PostgreSQL, for several server instances sharing one state:
        ``postgresql+psycopg://user:password@host:5432/dbname``.
        """
        if self.database:
            return str(self.database)
        return f"sqlite:///{self.data_path / 'openeo.sqlite'}"


def data_dir(openeo_config: Mapping[str, Any]) -> Path:
    """The data dir of an ``OpenEO`` section (see :attr:`StateSettings.data_path`)."""
    return from_config(StateSettings, openeo_config).data_path


def database_url(openeo_config: Mapping[str, Any]) -> str:
    """The database of an ``OpenEO`` section (see :attr:`StateSettings.database_url`)."""
    return from_config(StateSettings, openeo_config).database_url
