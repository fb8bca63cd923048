"""Secondary web services in the store: records and logs."""

from __future__ import annotations

import builtins
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xcube_openeo.errors import OpenEOError
from xcube_openeo.services.tables import service_logs, services
from xcube_openeo.store import Store
from xcube_openeo.store.engine import utcnow
from xcube_openeo.store.logs import LogTable
from xcube_openeo.util.rfc3339 import format_rfc3339

EDITABLE = (
    "title",
    "description",
    "enabled",
    "configuration",
    "process",
    "plan",
    "budget",
    "log_level",
)
#: Most log entries kept per service (tile errors could otherwise grow without bound).
MAX_LOGS = 1000


@dataclass(frozen=True)
class Service:
    service_id: str
    owner: str
    url_key: str
    type: str
    title: str | None
    description: str | None
    enabled: bool
    configuration: dict[str, Any]
    process: dict[str, Any]
    plan: str | None
    budget: float | None
    log_level: str
    version: int
    created: datetime
    updated: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Service:
        return cls(
            service_id=row["service_id"],
            owner=row["owner"],
            url_key=row["url_key"],
            type=row["type"],
            title=row["title"],
            description=row["description"],
            enabled=bool(row["enabled"]),
            configuration=json.loads(row["configuration"]),
            process=json.loads(row["process"]),
            plan=row["plan"],
            budget=row["budget"],
            log_level=row["log_level"],
            version=row["version"],
            created=row["created"],
            updated=row["updated"],
        )

    @property
    def created_iso(self) -> str:
        return format_rfc3339(self.created)


class ServiceNotFound(OpenEOError):
    def __init__(self, service_id: str):
        super().__init__("ServiceNotFound", f"Service {service_id!r} does not exist.")


class ServiceRepository:
    def __init__(self, store: Store):
        self.store = store
        self.log_table = LogTable(store, service_logs, "service_id", keep=MAX_LOGS)

    def create(
        self,
        owner: str,
        service_type: str,
        process: dict[str, Any],
        configuration: dict[str, Any],
        *,
        title: str | None = None,
        description: str | None = None,
        enabled: bool = True,
        plan: str | None = None,
        budget: float | None = None,
        log_level: str = "info",
    ) -> Service:
        now = utcnow()
        service_id = "s-" + uuid.uuid4().hex
        with self.store.write() as conn:
            conn.execute(
                services.insert().values(
                    service_id=service_id,
                    owner=owner,
                    url_key=secrets.token_urlsafe(24),
                    type=service_type,
                    title=title,
                    description=description,
                    enabled=enabled,
                    configuration=json.dumps(configuration),
                    process=json.dumps(process),
                    plan=plan,
                    budget=budget,
                    log_level=log_level,
                    version=1,
                    created=now,
                    updated=now,
                )
            )
        return self.get(owner, service_id)

    def get(self, owner: str, service_id: str) -> Service:
        """The service; ``ServiceNotFound`` also for other users' services."""
        with self.store.read() as conn:
            row = (
                conn.execute(
                    services.select().where(
                        services.c.service_id == service_id, services.c.owner == owner
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise ServiceNotFound(service_id)
        return Service.from_row(row)

    def by_url_key(self, url_key: str) -> Service | None:
        with self.store.read() as conn:
            row = (
                conn.execute(services.select().where(services.c.url_key == url_key))
                .mappings()
                .first()
            )
        return None if row is None else Service.from_row(row)

    def list(self, owner: str) -> list[Service]:
        with self.store.read() as conn:
            rows = (
                conn.execute(
                    services.select()
                    .where(services.c.owner == owner)
                    .order_by(services.c.created.desc(), services.c.service_id)
                )
                .mappings()
                .all()
            )
        return [Service.from_row(row) for row in rows]

    def update(self, owner: str, service_id: str, changes: Mapping[str, Any]) -> Service:
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in EDITABLE:
                raise ValueError(f"not editable: {name}")
            values[name] = json.dumps(value) if name in ("configuration", "process") else value
        with self.store.write() as conn:
            result = conn.execute(
                services.update()
                .where(services.c.service_id == service_id, services.c.owner == owner)
                .values(**values, version=services.c.version + 1, updated=utcnow())
            )
            if result.rowcount == 0:
                raise ServiceNotFound(service_id)
        return self.get(owner, service_id)

    def delete(self, owner: str, service_id: str) -> Service:
        with self.store.write() as conn:
            row = (
                conn.execute(
                    services.select().where(
                        services.c.service_id == service_id, services.c.owner == owner
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise ServiceNotFound(service_id)
            self.log_table.clear(conn, service_id)
            conn.execute(services.delete().where(services.c.service_id == service_id))
        return Service.from_row(row)

    # --- logs --------------------------------------------------------------------------

    def append_log(self, service_id: str, level: str, message: str) -> None:
        self.log_table.append(service_id, level, message)

    def logs(
        self, service_id: str, offset: str | None, level: str, limit: int | None
    ) -> builtins.list[dict[str, Any]]:
        return self.log_table.read(service_id, offset, level, limit)
