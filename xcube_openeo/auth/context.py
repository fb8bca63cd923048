"""The accounts components of the openEO API context (mixed into ``OpenEOContext``).

Components are created per context (xcube re-creates contexts on configuration
reloads) but share process-wide state: the database engine is cached by URL
(:func:`xcube_openeo.store.get_store`), OIDC key sets by issuer.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from xcube_openeo.auth.accounts import Accounts
from xcube_openeo.auth.config import AuthenticationSettings
from xcube_openeo.files.config import FilesSettings
from xcube_openeo.files.storage import FileStorage
from xcube_openeo.store import Store, get_store
from xcube_openeo.udp.store import UserProcesses

if TYPE_CHECKING:
    from xcube.server.api import Context


class AccountsContextSettings(Protocol):
    """The part of the ``OpenEO`` settings the accounts components read."""

    @property
    def authentication(self) -> AuthenticationSettings: ...

    @property
    def files(self) -> FilesSettings: ...

    @property
    def data_path(self) -> Path: ...

    @property
    def database_url(self) -> str: ...


class AccountsContextMixin:
    """Needs ``settings`` (the ``OpenEO`` configuration section) from the context."""

    if TYPE_CHECKING:  # the composed context provides it (a cached property)

        @property
        def settings(self) -> AccountsContextSettings: ...

    def __init__(self, server_ctx: Context):
        super().__init__(server_ctx)  # type: ignore[call-arg]
        # At once, not on first use: a plain password or an unreachable database
        # must stop the server at start-up with a clear message.
        _ = self.accounts

    @cached_property
    def store(self) -> Store:
        return get_store(self.settings.database_url)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.store, self.settings.authentication)

    @cached_property
    def files(self) -> FileStorage:
        files, state = self.settings.files, self.settings.data_path
        return FileStorage(
            root_url=files.root or str(state / "files"),
            storage_options=files.storage_options,
            staging_dir=state / "tmp",
            max_file_size=files.max_file_size,
            default_quota=files.default_quota,
        )

    @cached_property
    def user_processes(self) -> UserProcesses:
        """Stored user-defined processes; ``.all(user_id)`` is the engine's ``user_processes``."""
        return UserProcesses(self.store)
