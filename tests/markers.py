"""The markers ``server`` and ``slow`` (declared in ``pyproject.toml``), and their check.

``-m "not server"`` runs the tests that need no real server, ``-m "not slow"`` leaves out
those that take more than about 5 s.  ``tests/conftest.py`` marks every test that uses a
server fixture as ``server``; by convention a fixture that starts a server is named
``server`` or ``*_server``.  Tests that start servers themselves carry the marker
explicitly.  Every server start calls :func:`require_server_marker`, so a test that
starts a server without the marker fails instead of slipping into the quick run.
"""

from __future__ import annotations

import pytest

_current: list[pytest.Item] = []


def starts_server(fixture_name: str) -> bool:
    return fixture_name == "server" or fixture_name.endswith("_server")


def set_current_test(item: pytest.Item | None) -> None:
    _current[:] = [] if item is None else [item]


def require_server_marker() -> None:
    """Fail if the running test starts a server but is not marked ``server``."""
    if _current and _current[0].get_closest_marker("server") is None:
        raise AssertionError(
            f"{_current[0].nodeid} starts a server: mark it `server` "
            "(or name its fixture `*_server`), see tests/markers.py"
        )
