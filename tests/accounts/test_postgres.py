"""The store on PostgreSQL: migrations, concurrency, and the API on top of it.

Runs when a throwaway PostgreSQL server can be started (see ``postgres.py``);
otherwise skipped with the reason printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from tests.accounts.fixtures import accounts_config, login
from tests.accounts.postgres import PostgresUnavailable, TempPostgres
from tests.server import RunningServer


@pytest.fixture(scope="module")
def postgres() -> Iterator[TempPostgres]:
    try:
        server = TempPostgres().start()
    except PostgresUnavailable as e:
        print(f"PostgreSQL tests skipped: {e}")
        pytest.skip(f"no local PostgreSQL server can be started: {e}")
    yield server
    server.stop()


def test_migrations_run_once_even_when_started_concurrently(postgres: TempPostgres):
    from xcube_openeo.store.connect import create_store
    from xcube_openeo.store.migrate import available_migrations

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: create_store(postgres.url), range(4)))
    with stores[0].read() as conn:
        versions = (
            conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version"))
            .scalars()
            .all()
        )
        tables = set(sa.inspect(conn).get_table_names())
    assert versions == [m.version for m in available_migrations()]
    assert {"access_tokens", "user_processes"} <= tables
    for store in stores:
        store.engine.dispose()


def test_tokens_and_timestamps_round_trip(postgres: TempPostgres):
    from xcube_openeo.auth.tokens import BasicTokens
    from xcube_openeo.store import get_store

    tokens = BasicTokens(get_store(postgres.url), dt.timedelta(minutes=5))
    token = tokens.issue("alice")
    assert tokens.user_id_of(token) == "alice"
    assert tokens.user_id_of(token + "x") is None


@pytest.mark.server
def test_the_api_on_postgresql(postgres: TempPostgres, tmp_path, password_hashes, server_config):
    config = accounts_config(tmp_path, password_hashes, None, Database=postgres.url)
    config["Datasets"] = server_config["Datasets"]
    server = RunningServer(config).start()
    try:
        base = server.url + "/openeo/1.2"
        alice, bob = login(base, "alice"), login(base, "bob")
        graph = {
            "process_graph": {
                "a": {"process_id": "absolute", "arguments": {"x": -1}, "result": True}
            }
        }
        assert requests.put(base + "/process_graphs/on_pg", json=graph, headers=alice).ok
        assert requests.get(base + "/process_graphs/on_pg", headers=alice).json()["id"] == "on_pg"
        assert requests.get(base + "/process_graphs/on_pg", headers=bob).status_code == 404
        assert requests.get(base + "/me", headers=alice).json()["user_id"] == "alice"
    finally:
        server.stop()
    with sa.create_engine(postgres.url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM user_processes")).scalar() == 1
