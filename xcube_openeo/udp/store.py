"""User-defined processes in the database, validated before they are stored."""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa

from xcube_openeo.engine import validate_process
from xcube_openeo.errors import (
    OpenEOError,
    ProcessGraphInvalid,
    ProcessGraphMissing,
    ProcessGraphNotFound,
)
from xcube_openeo.processes import REGISTRY
from xcube_openeo.store import Store
from xcube_openeo.store.engine import utcnow
from xcube_openeo.store.tables import user_processes

PROCESS_ID = re.compile(r"^\w+$", re.ASCII)  # the API's pattern, in JavaScript terms
MAX_PROCESS_ID_LENGTH = 200
#: Fields of a stored process the API defines (``process_graph_with_metadata``).
_FIELDS = (
    "summary",
    "description",
    "parameters",
    "returns",
    "categories",
    "deprecated",
    "experimental",
    "exceptions",
    "examples",
    "links",
    "process_graph",
)


def not_found(process_id: str) -> OpenEOError:
    return ProcessGraphNotFound(f"User-defined process {process_id!r} does not exist.")


def check_process_id(process_id: str) -> None:
    if not PROCESS_ID.match(process_id) or len(process_id) > MAX_PROCESS_ID_LENGTH:
        raise OpenEOError(
            "ProcessGraphInvalid" if process_id else "BadRequest",
            f"Process id {process_id!r} is invalid: use letters, digits and"
            f" underscores (at most {MAX_PROCESS_ID_LENGTH}).",
            status=400,
        )


class UserProcesses:
    def __init__(self, store: Store):
        self.store = store

    def all(self, owner: str) -> dict[str, dict[str, Any]]:
        """Every process of ``owner`` by id: what the engine needs as ``user_processes``."""
        with self.store.read() as conn:
            rows = conn.execute(
                sa.select(user_processes.c.process_id, user_processes.c.process)
                .where(user_processes.c.owner == owner)
                .order_by(user_processes.c.process_id)
            ).all()
        return {row.process_id: json.loads(row.process) for row in rows}

    def get(self, owner: str, process_id: str) -> dict[str, Any]:
        with self.store.read() as conn:
            text = conn.execute(
                sa.select(user_processes.c.process).where(
                    user_processes.c.owner == owner, user_processes.c.process_id == process_id
                )
            ).scalar()
        if text is None:
            raise not_found(process_id)
        return json.loads(text)

    def put(self, owner: str, process_id: str, process: dict[str, Any]) -> bool:
        """Validates and stores (creates or replaces); True if it was created."""
        check_process_id(process_id)
        if process_id in REGISTRY:
            raise OpenEOError(
                "PredefinedProcessExists",
                f"A predefined process with the id {process_id!r} exists.",
            )
        if "id" in process and process["id"] != process_id:
            raise ProcessGraphInvalid(
                f"The process's id {process['id']!r} differs from {process_id!r} in the URL.",
            )
        if not isinstance(process.get("process_graph"), dict):
            raise ProcessGraphMissing("The process has no process graph.")
        stored = {"id": process_id, **{k: process[k] for k in _FIELDS if k in process}}
        now = utcnow()
        # Validated and written in one transaction: the processes it calls cannot
        # change in between, so the stored set stays free of recursion.
        with self.store.write() as conn:
            rows = conn.execute(
                sa.select(user_processes.c.process_id, user_processes.c.process).where(
                    user_processes.c.owner == owner
                )
            ).all()
            others = {row.process_id: json.loads(row.process) for row in rows}
            errors = validate_process(
                stored, registry=REGISTRY, user_processes={**others, process_id: stored}
            )
            if errors:
                raise errors[0]
            created = process_id not in others
            text = json.dumps(stored, ensure_ascii=False, allow_nan=False)
            if created:
                conn.execute(
                    user_processes.insert().values(
                        owner=owner,
                        process_id=process_id,
                        process=text,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                conn.execute(
                    user_processes.update()
                    .where(
                        user_processes.c.owner == owner,
                        user_processes.c.process_id == process_id,
                    )
                    .values(process=text, updated_at=now)
                )
        return created

    def delete(self, owner: str, process_id: str) -> None:
        with self.store.write() as conn:
            result = conn.execute(
                user_processes.delete().where(
                    user_processes.c.owner == owner, user_processes.c.process_id == process_id
                )
            )
        if result.rowcount == 0:
            raise not_found(process_id)
