"""The store: transactions over a SQLAlchemy engine, and timestamps kept in UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


class UtcDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps no time zone; storing naive UTC and re-attaching it on the way out
    makes both back-ends behave alike.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Store:
    """A database with its schema migrated to the newest version."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write: committed as a whole or not at all.

        On SQLite it takes the write lock at once (``BEGIN IMMEDIATE``), so two
        server processes never fail half-way upgrading a read lock.
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(xcube_openeo_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn
