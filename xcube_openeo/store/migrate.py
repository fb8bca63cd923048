"""Versioned schema migrations: a small numbered-migration runner.

Why not alembic: our migrations only ever go forward, run at server start in one
transaction each, and must work the same on SQLite and PostgreSQL without an
``alembic.ini``/``env.py`` to ship and configure.  This runner is the part of alembic
we need: ``migrations/vNNNN_<name>.py`` modules, each with ``upgrade(conn)``,
applied in order and recorded in ``schema_version``.  Several server processes
starting at once are serialised by a lock (SQLite's write lock, PostgreSQL's
advisory lock), so each migration runs exactly once.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType

import sqlalchemy as sa

from xcube_openeo.store import migrations
from xcube_openeo.store.engine import Store

LOG = logging.getLogger("xcube.openeo.store")
_MODULE_NAME = re.compile(r"^v(\d{4})_\w+$")
_PG_LOCK_KEY = 0x0E0E0E  # any constant: identifies "xcube-openeo migrations"

_metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    _metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType

    def upgrade(self, conn: sa.Connection) -> None:
        self.module.upgrade(conn)


def available_migrations() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(migrations.__path__):
        match = _MODULE_NAME.match(info.name)
        if match:
            module = importlib.import_module(f"{migrations.__name__}.{info.name}")
            found.append(Migration(int(match.group(1)), info.name, module))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"Two schema migrations share a version number: {versions}")
    return found


def applied_versions(conn: sa.Connection) -> set[int]:
    if not sa.inspect(conn).has_table("schema_version"):
        return set()
    return set(conn.execute(sa.select(schema_version.c.version)).scalars())


def migrate(store: Store) -> int:
    """Applies every pending migration; returns the newest schema version applied.

    Pending means "not recorded", not "newer than the newest recorded": migrations
    written in parallel branches are all applied, whatever order they arrive in.
    """
    migrations = available_migrations()
    with store.write() as conn:
        _lock(conn)
        _metadata.create_all(conn, checkfirst=True)
    for migration in migrations:
        # One transaction per migration: a crash leaves the schema at a recorded state.
        with store.write() as conn:
            _lock(conn)
            if migration.version in applied_versions(conn):
                continue
            migration.upgrade(conn)
            conn.execute(
                schema_version.insert().values(
                    version=migration.version,
                    name=migration.name,
                    applied_at=dt.datetime.now(dt.timezone.utc).isoformat(),
                )
            )
    with store.read() as conn:
        applied = applied_versions(conn)
    unknown = applied - {m.version for m in migrations}
    if unknown:
        LOG.warning(
            "The database has schema versions %s that this software does not know;"
            " it was used by a newer version.",
            sorted(unknown),
        )
    return max(applied, default=0)


def _lock(conn: sa.Connection) -> None:
    # SQLite: the write transaction (BEGIN IMMEDIATE) already excludes other writers.
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
