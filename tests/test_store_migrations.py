"""Opening a store: URLs, SQLite pragmas, migrations on both backends, and openers racing on a fresh database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, text

from steward.errors import StoreError
from steward.store import Store
from steward.store.engine import parse_url
from steward.store.migrate import alembic_config, current_heads, script_heads
from steward.store.records import record_row
from steward.store.schema import api_keys, metadata, record_reasons, records
from steward.types import Decision, Record

pytest_plugins = ["tests.postgres_fixtures"]

SPINE = {"records", "feedback", "api_keys"}


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store opened on an empty database, so that opening it ran every migration."""
    with Store.open(database_url) as opened:
        yield opened


def test_open_applies_every_head_and_the_initial_revision(store: Store) -> None:
    with store.engine.connect() as connection:
        assert current_heads(connection) == script_heads()
    history = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    assert "0001_initial" in history
    assert set(inspect(store.engine).get_table_names()) >= SPINE


def _table_of(diff: object) -> str | None:
    """The table an Alembic autogenerate diff is about (diffs are tuples, or lists of `modify_*` tuples)."""
    if isinstance(diff, list):
        diff = diff[0]
    assert isinstance(diff, tuple)
    if diff[0].startswith("modify_") or diff[0] in ("add_column", "remove_column"):
        return str(diff[2])
    element = diff[1]
    table = getattr(element, "table", None)  # indexes, constraints
    return str(getattr(table, "name", None) or getattr(element, "name", None))


def test_initial_migration_matches_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    # Other capabilities' tables are checked by their own tests, and need their modules imported to be declared.
    assert [d for d in diffs if _table_of(d) in SPINE] == []


def test_schema_check_notices_a_column_missing_from_the_migration(store: Store) -> None:
    from sqlalchemy import Column, Integer, MetaData

    grown = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(grown)
    grown.tables["records"].append_column(Column("not_migrated", Integer))
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), grown)
    assert [(d[0], _table_of(d)) for d in diffs if _table_of(d) in SPINE] == [("add_column", "records")]


def test_reopening_a_current_database_changes_nothing(database_url: str) -> None:
    with Store.open(database_url) as first:
        record = Record.start("kept")
        first.write_sync(record)
    with Store.open(database_url) as again:
        assert again.get_record(record.id).app == "kept"
        with again.engine.connect() as connection:
            assert current_heads(connection) == script_heads()


def test_concurrent_openers_of_a_fresh_database_all_succeed(database_url: str) -> None:
    errors: list[BaseException] = []
    opened: list[Store] = []
    start = threading.Barrier(4)

    def opener() -> None:
        start.wait()
        try:
            store = Store.open(database_url)
            store.write_sync(Record.start("race"))
            opened.append(store)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert opened[0].count_records(app="race") == 4
    for store in opened:
        store.close()


def test_server_and_cli_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    script = textwrap.dedent(
        f"""
        from steward.store import Store
        from steward.types import Record
        with Store.open({url!r}) as store:
            for _ in range(25):
                store.write_sync(Record.start("proc"))
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE) for _ in range(3)]
    failures = [p.stderr.read().decode() for p in procs if p.wait() != 0]  # type: ignore[union-attr]
    assert failures == []
    with Store.open(url) as store:
        assert store.count_records(app="proc") == 75


def test_sqlite_runs_in_wal_with_the_chosen_synchronous_level(tmp_path: Path) -> None:
    levels = {"0": "OFF", "1": "NORMAL", "2": "FULL", "3": "EXTRA"}
    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert levels[str(connection.execute(text("PRAGMA synchronous")).scalar())] == "FULL"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with Store.open(f"sqlite:///{tmp_path / 'b.db'}?synchronous=normal") as store, store.engine.connect() as c:
        assert levels[str(c.execute(text("PRAGMA synchronous")).scalar())] == "NORMAL"
    with pytest.raises(StoreError, match="NORMAL"):
        Store.open(f"sqlite:///{tmp_path / 'c.db'}", synchronous="sometimes")


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'deep' / 'er' / 'steward.db'}") as store:
        store.write_sync(Record.start("a"))
    assert (tmp_path / "deep" / "er" / "steward.db").is_file()


def test_urls_are_normalised_or_refused_with_a_hint() -> None:
    assert parse_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="file"):
        parse_url("sqlite://")
    with pytest.raises(StoreError, match="SQLite or PostgreSQL"):
        parse_url("mysql://u@h/db")
    with pytest.raises(StoreError, match="not a database URL"):
        parse_url("steward.db")


def test_a_database_that_cannot_be_migrated_raises_store_error(postgres_url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(parse_url(postgres_url))
    with engine.begin() as connection:  # a foreign table in the way of 0001_initial
        connection.execute(text("CREATE TABLE records (id integer)"))
    engine.dispose()
    with pytest.raises(StoreError, match="could not migrate"):
        Store.open(postgres_url)


def test_a_database_from_a_newer_steward_is_refused_with_a_hint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    with Store.open(url) as store, store.engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_from_the_future')"))
    with pytest.raises(StoreError, match=r"newer Steward.*9999_from_the_future"):
        Store.open(url)


def test_the_wal_switch_waits_out_another_connections_lock(tmp_path: Path) -> None:
    """Several processes opening one fresh file switch it to WAL together; a switch that finds the file locked
    (SQLite answers at once there, without the busy timeout) tries again until the lock is gone."""
    import sqlite3

    from steward.store.engine import _switch_to_wal

    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, timeout=0, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    release = threading.Timer(0.1, holder.rollback)
    release.start()
    try:
        _switch_to_wal(other.cursor())
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        release.join()
        other.close()
        holder.close()


def test_0016_fills_record_reasons_from_the_bodies_and_downgrades(database_url: str) -> None:
    """The upgrade indexes every plain body's distinct reason codes (not an encrypted body's, whose key it lacks);
    the downgrade drops the table, and upgrading again rebuilds the same rows."""
    blocked = Record(id="rec_blocked", created_at=5.0, app="demo")
    blocked.decisions = [
        Decision(stage="input", action="block", reasons=["injection", "pii.email"]),
        Decision(stage="output", action="block", reasons=["injection", "x" * 201]),  # too long to filter by
    ]
    served = Record(id="rec_served", created_at=6.0, app="demo")
    hidden = Record(id="rec_hidden", created_at=7.0, app="demo")
    with Store.open(database_url) as store, store.engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0015_review_claims")
        assert "record_reasons" not in inspect(conn).get_table_names()
        for record in (blocked, served, hidden):
            row = {k: v for k, v in record_row(record).items() if k != "reasons"}
            if record is hidden:
                row["body"] = "enc:v1:" + row["body"].encode().hex()
            conn.execute(insert(records).values(**row))
        rebuilt = []
        for _ in range(2):
            command.upgrade(config, "heads")
            rebuilt.append(conn.execute(select(record_reasons).order_by(record_reasons.c.reason)).all())
            command.downgrade(config, "0015_review_claims")
            assert "record_reasons" not in inspect(conn).get_table_names()
        command.upgrade(config, "heads")
    assert rebuilt[0] == rebuilt[1] == [("injection", 5.0, "rec_blocked"), ("pii.email", 5.0, "rec_blocked")]


def test_0018_adds_key_owners_and_approval_persons_and_downgrades(database_url: str) -> None:
    """The upgrade adds `api_keys.owner` and `approvals.person` (null for what exists: each key and approval
    counts as itself); a key sealed before keeps its digest; the downgrade drops both columns."""
    from steward.store.keys import key_digest

    def columns(conn: Any, table: str) -> set[str]:
        return {c["name"] for c in inspect(conn).get_columns(table)}

    with Store.open(database_url) as store:
        _, info = store.create_key("developer", name="old")
        with store.engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            before = key_digest(conn.execute(select(api_keys).where(api_keys.c.id == info.id)).one())
            command.downgrade(config, "0017_review_labels")
            assert "owner" not in columns(conn, "api_keys") and "person" not in columns(conn, "approvals")
            command.upgrade(config, "heads")
            assert "owner" in columns(conn, "api_keys") and "person" in columns(conn, "approvals")
            row = conn.execute(select(api_keys).where(api_keys.c.id == info.id)).one()
            assert row.owner is None and key_digest(row) == before
