"""Bring a database to the newest schema (every Alembic head) when a store opens.

Alembic is driven programmatically: `alembic_config()` needs no alembic.ini, it points at the migrations
shipped inside the package. Opening is cheap when nothing is due: the current heads are compared with the
script heads first. When something is due, concurrent openers (the server and a CLI command starting at the
same moment) are serialised: PostgreSQL by a transaction-scoped advisory lock around a transactional
upgrade, SQLite by an exclusive file lock next to the database file (its DDL is not transactional under the
pysqlite driver). The loser of the race then finds the schema already current and does nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from steward.errors import StoreError

try:
    import fcntl
except ImportError:  # Windows: SQLite file locking below falls back to no inter-process lock
    fcntl = None  # type: ignore[assignment]

# Any constant works; it only has to be the same in every Steward process sharing one database.
_PG_LOCK_KEY = 0x5354_4557  # "STEW"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic `Config` for Steward's migrations (pass a URL for offline `--sql` use)."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("steward.store") / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def upgrade(engine: Engine) -> None:
    """Apply every pending migration on every branch; a no-op when the database is current."""
    script = ScriptDirectory.from_config(alembic_config())
    wanted = set(script.get_heads())
    with engine.connect() as connection:
        current = current_heads(connection)
    if current == wanted:
        return
    known = {revision.revision for revision in script.walk_revisions()}
    if current - known:
        raise StoreError(
            f"the database at {engine.url.render_as_string(hide_password=True)} was migrated by a newer Steward "
            f"(revision {', '.join(sorted(current - known))} is unknown here); upgrade Steward to use it."
        )
    with _migration_lock(engine):
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                if current_heads(connection) == wanted:
                    return
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"could not migrate the database at {engine.url.render_as_string(hide_password=True)} ({exc}); "
                "check that the URL points at a Steward database you may write, or start with an empty one."
            ) from exc


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
