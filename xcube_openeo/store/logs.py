"""Logs of user resources (jobs, services) in the store: one entry per row, numbered
per resource, so that ``offset`` is simply the number of the last entry seen."""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa

from xcube_openeo.errors import BadRequest
from xcube_openeo.jsonio import INT64_MAX
from xcube_openeo.store.engine import Store, utcnow
from xcube_openeo.util.rfc3339 import format_rfc3339

#: Log levels of jobs and services, most severe first.
LOG_LEVELS = ("error", "warning", "info", "debug")

_ENTRY_ID = re.compile(r"[0-9]{1,19}", re.ASCII)


class LogTable:
    """A log table with columns (key, seq, level, message, time[, data])."""

    def __init__(self, store: Store, table: sa.Table, key: str, keep: int | None = None):
        self.store = store
        self.table = table
        self.key = table.c[key]
        #: Keep at most this many newest entries per resource (None: all).
        self.keep = keep

    def append(self, key: str, level: str, message: str, data: Any = None) -> None:
        t = self.table
        with self.store.write() as conn:
            seq = (
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.max(t.c.seq), 0)).where(self.key == key)
                ).scalar_one()
                + 1
            )
            values: dict[str, Any] = {
                self.key.name: key,
                "seq": seq,
                "level": level,
                "message": message,
                "time": utcnow(),
            }
            if "data" in t.c:
                values["data"] = None if data is None else json.dumps(data, default=str)
            conn.execute(t.insert().values(**values))
            if self.keep is not None:
                conn.execute(t.delete().where(self.key == key, t.c.seq <= seq - self.keep))

    def clear(self, conn: sa.Connection, key: str) -> None:
        conn.execute(self.table.delete().where(self.key == key))

    def read(
        self, key: str, offset: str | None, level: str, limit: int | None
    ) -> list[dict[str, Any]]:
        """Entries after ``offset`` (an entry id) at ``level`` or more severe."""
        # ASCII digits within int64 (str.isdigit also takes "²", and SQLite's integers
        # end at 2**63: offset=999999999999999999999999999999 gave 500).
        if offset not in (None, "") and not (
            _ENTRY_ID.fullmatch(str(offset)) and int(offset) <= INT64_MAX
        ):
            raise BadRequest(f"Log offset {offset!r} is not a log entry id.")
        t = self.table
        severities = LOG_LEVELS[: LOG_LEVELS.index(level) + 1]
        query = (
            t.select()
            .where(self.key == key, t.c.seq > int(offset or 0), t.c.level.in_(severities))
            .order_by(t.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.store.read() as conn:
            rows = conn.execute(query).mappings().all()
        entries = []
        for row in rows:
            entry: dict[str, Any] = {
                "id": str(row["seq"]),
                "level": row["level"],
                "message": row["message"],
                "time": format_rfc3339(row["time"]),
            }
            if row.get("data") is not None:
                entry["data"] = json.loads(row["data"])
            entries.append(entry)
        return entries
