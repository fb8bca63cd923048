"""Connecting to a database: SQLAlchemy engine set-up (SQLite's locking and durability)
and the schema migrated to the newest version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from xcube_openeo.store.engine import Store
from xcube_openeo.store.migrate import migrate


def create_store(url: str) -> Store:
    """Connects to ``url`` (creating a SQLite file's folder) and migrates the schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        # pool_pre_ping: a PostgreSQL restart must not break the next request.
        engine = sa.create_engine(url, pool_pre_ping=True)
    store = Store(engine)
    migrate(store)
    return store


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below): pysqlite's implicit transactions do not
        # cover DDL and cannot take the write lock up front.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # WAL: readers never block the writer; synchronous=FULL: a committed
        # transaction survives kill -9 and power loss; busy_timeout: several server
        # processes may share the file.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("xcube_openeo_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
