"""The store: migrations, transactions, timestamps; configuration checks at start-up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.accounts.fixtures import accounts_config
from tests.server import RunningServer
from xcube_openeo.auth.passwords import hash_password, verify_password
from xcube_openeo.auth.users import AccountsConfigError, load_basic_users
from xcube_openeo.store.connect import create_store
from xcube_openeo.store.engine import utcnow
from xcube_openeo.store.migrate import available_migrations, migrate
from xcube_openeo.store.tables import user_processes


@pytest.fixture
def store(tmp_path: Path):
    store = create_store(f"sqlite:///{tmp_path / 'db' / 'test.sqlite'}")
    yield store
    store.engine.dispose()


def test_migrations_are_numbered_and_recorded(store):
    migrations = available_migrations()
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})
    with store.read() as conn:
        recorded = conn.execute(sa.text("SELECT version, name FROM schema_version")).all()
    assert [(m.version, m.name) for m in migrations] == [tuple(r) for r in recorded]
    assert migrate(store) == migrations[-1].version  # running again changes nothing
    with store.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == len(
            migrations
        )


def test_sqlite_is_durable_and_concurrent(store):
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_failing_transaction_writes_nothing(store):
    row = dict(owner="u", process_id="p", process="{}", created_at=utcnow(), updated_at=utcnow())
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            conn.execute(user_processes.insert().values(**row))
            raise RuntimeError("crash in the middle of a request")
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(user_processes)).scalar() == 0


def test_timestamps_come_back_as_utc(store):
    local = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with store.write() as conn:
        conn.execute(
            user_processes.insert().values(
                owner="u", process_id="p", process="{}", created_at=local, updated_at=local
            )
        )
    with store.read() as conn:
        created = conn.execute(sa.select(user_processes.c.created_at)).scalar()
    assert created == local and created.tzinfo == dt.timezone.utc and created.hour == 10
    with pytest.raises(sa.exc.StatementError):
        with store.write() as conn:
            conn.execute(
                user_processes.insert().values(
                    owner="u",
                    process_id="q",
                    process="{}",
                    created_at=dt.datetime(2024, 1, 1),
                    updated_at=utcnow(),
                )
            )


def test_password_hashes():
    hashed = hash_password("pa55:word$", log2_n=14)
    assert hashed.startswith("scrypt:14:8:1:") and "$" not in hashed
    assert verify_password("pa55:word$", hashed)
    assert not verify_password("pa55:word", hashed)
    assert hash_password("same", log2_n=14) != hash_password("same", log2_n=14)  # salted


@pytest.mark.parametrize(
    "password",
    [
        "plain-text",
        "",
        None,
        "scrypt:10:8:1:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAA==",
        "scrypt:15:8:1:not-base64:xx",
    ],
)
def test_plain_or_weak_passwords_are_refused(password):
    with pytest.raises(AccountsConfigError, match="hash-password"):
        load_basic_users({"Users": [{"Id": "eve", "Password": password}]})


def test_users_file(tmp_path: Path):
    users_file = tmp_path / "users.yaml"
    users_file.write_text(
        f"- Id: dave\n  Name: Dave\n  Password: '{hash_password('d', log2_n=14)}'\n"
    )
    users = load_basic_users({"UsersFile": str(users_file)})
    assert users["dave"].user.name == "Dave"
    with pytest.raises(AccountsConfigError, match="twice"):
        load_basic_users(
            {
                "UsersFile": str(users_file),
                "Users": [{"Id": "dave", "Password": hash_password("d", log2_n=14)}],
            }
        )


@pytest.mark.server
def test_the_server_refuses_to_start_with_a_plain_password(tmp_path: Path, password_hashes):
    config = accounts_config(tmp_path, {**password_hashes, "bob": "bob-secret-2"}, None)
    with pytest.raises(Exception, match="plain passwords are refused"):
        RunningServer(config).start()


def test_hash_password_command():
    from xcube_openeo.cli import main

    result = CliRunner().invoke(main, ["hash-password"], input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    hashed = result.output.strip().splitlines()[-1]
    assert verify_password("s3cret", hashed)
    assert "s3cret" not in result.output  # the prompt does not echo it


def test_concurrent_writers_on_sqlite(store):
    from concurrent.futures import ThreadPoolExecutor

    from xcube_openeo.auth.tokens import BasicTokens

    tokens = BasicTokens(store, dt.timedelta(minutes=5))
    with ThreadPoolExecutor(8) as pool:
        issued = list(pool.map(lambda i: tokens.issue(f"user{i % 4}"), range(80)))
    assert len(set(issued)) == 80
    assert all(tokens.user_id_of(t) == f"user{i % 4}" for i, t in enumerate(issued))


def test_two_stores_on_one_file_migrate_once(tmp_path: Path):
    from concurrent.futures import ThreadPoolExecutor

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: create_store(url), range(4)))
    with stores[0].read() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar()
    assert count == len(available_migrations())
    for s in stores:
        s.engine.dispose()


def test_migrations_missing_below_the_newest_are_applied(store, monkeypatch):
    # Two branches added v0002 and v0003; a database got v0003 first.
    import types

    from xcube_openeo.store import migrate as migrate_module

    created: list[str] = []

    def fake(version: int, table: str):
        def upgrade(conn):
            conn.execute(sa.text(f"CREATE TABLE {table} (x INTEGER)"))
            created.append(table)

        return migrate_module.Migration(
            version, f"v{version:04d}_{table}", types.SimpleNamespace(upgrade=upgrade)
        )

    real = available_migrations()
    monkeypatch.setattr(
        migrate_module, "available_migrations", lambda: [*real, fake(1003, "third")]
    )
    migrate(store)
    monkeypatch.setattr(
        migrate_module,
        "available_migrations",
        lambda: [*real, fake(1002, "second"), fake(1003, "third")],
    )
    assert migrate(store) == 1003
    assert created == ["third", "second"]
