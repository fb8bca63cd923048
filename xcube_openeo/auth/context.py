"""The accounts components of the openEO API context (mixed into ``OpenEOContext``).

Components are created per context (xcube re-creates contexts on configuration
reloads) but share process-wide state: the database engine is cached by URL
(:func:`xcube_openeo.store.get_store`), OIDC key sets by issuer.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from xcube_openeo.auth.accounts import Accounts
from xcube_openeo.auth.config import DEFAULT_MAX_FILE_SIZE, DEFAULT_QUOTA
from xcube_openeo.files.storage import FileStorage
from xcube_openeo.store import Store, get_store
from xcube_openeo.store.config import data_dir, database_url
from xcube_openeo.udp.store import UserProcesses


class AccountsContextMixin:
    """Needs ``openeo_config`` (the ``OpenEO`` configuration section) from the context."""

    openeo_config: Mapping[str, Any]

    def __init__(self, server_ctx: Any):
        super().__init__(server_ctx)  # type: ignore[call-arg]
        # At once, not on first use: a plain password or an unreachable database
        # must stop the server at start-up with a clear message.
        _ = self.accounts

    @cached_property
    def store(self) -> Store:
        return get_store(database_url(self.openeo_config))

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.store, self.openeo_config.get("Authentication") or {})

    @cached_property
    def files(self) -> FileStorage:
        config = self.openeo_config.get("Files") or {}
        state = data_dir(self.openeo_config)
        return FileStorage(
            root_url=config.get("Root") or str(state / "files"),
            storage_options=config.get("StorageOptions"),
            staging_dir=state / "tmp",
            max_file_size=int(config.get("MaxFileSize", DEFAULT_MAX_FILE_SIZE)),
            default_quota=int(config.get("DefaultQuota", DEFAULT_QUOTA)),
        )

    @cached_property
    def user_processes(self) -> UserProcesses:
        """Stored user-defined processes; ``.all(user_id)`` is the engine's ``user_processes``."""
        return UserProcesses(self.store)
