"""Turn a database URL into a configured SQLAlchemy engine (SQLite in WAL mode, or PostgreSQL via psycopg 3).

SQLite connections get WAL (readers never block the writer, and the server and a CLI command can share one
file), a 30 s busy timeout (a second process waits for the write lock instead of failing) and foreign keys.
`synchronous` decides what a commit costs and what it survives; see `steward.store` for the measured choice.
It can be given to `Store.open(..., synchronous=...)` or in the URL (`sqlite:///x.db?synchronous=NORMAL`).
PostgreSQL URLs may be written the usual way (`postgresql://` or `postgres://`); they are mapped onto the
psycopg 3 driver that Steward ships with.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from steward.errors import StoreError

SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
DEFAULT_SYNCHRONOUS = "FULL"
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # bytes


def parse_url(url: str) -> URL:
    """Parse and normalise a database URL, with an error that says what a valid one looks like."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"{url!r} is not a database URL; use sqlite:///path/to/steward.db or postgresql://user@host/db."
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise StoreError(
                "an in-memory SQLite database cannot be shared by the record writer and readers; "
                "give a file, e.g. sqlite:///.steward/steward.db."
            )
        return parsed
    raise StoreError(
        f"unsupported database {backend!r} in {url!r}; Steward stores records in SQLite or PostgreSQL."
    )


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (as the engine opens it), None for PostgreSQL or a URL that is none."""
    try:
        parsed = parse_url(url)
    except StoreError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).expanduser()


def make_engine(url: str, *, synchronous: str | None = None) -> Engine:
    """A pooled engine for `url`, with SQLite pragmas applied on every new connection."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, pool_size=8, max_overflow=8)
    level = _synchronous_level(parsed.query.get("synchronous"), synchronous)
    parsed = parsed.difference_update_query(["synchronous"])
    assert parsed.database is not None
    database = Path(parsed.database).expanduser()
    try:
        _create_private(database)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder for {database} ({exc}); set STEWARD_HOME to a writable one."
        ) from None
    parsed = parsed.set(database=str(database))
    engine = create_engine(parsed, connect_args={"timeout": 30.0, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas(level))
    return engine


def _create_private(database: Path) -> None:
    """Create the database file mode 0600 (and a missing folder 0700) before SQLite does.

    Records may hold personal data, yet SQLite creates files 0644 (less the umask); it gives the -wal and -shm
    files the database file's own mode, so creating the (empty, valid) file first covers all three.
    """
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if database.exists():
        return
    with contextlib.suppress(FileExistsError):  # another process created it meanwhile
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _synchronous_level(from_url: Any, given: str | None) -> str:
    if isinstance(from_url, tuple):
        from_url = from_url[-1]
    level = (given or from_url or DEFAULT_SYNCHRONOUS).upper()
    if level not in SYNCHRONOUS_LEVELS:
        raise StoreError(
            f"synchronous={level!r} is not a SQLite level; use one of {', '.join(SYNCHRONOUS_LEVELS)}."
        )
    return level


def _switch_to_wal(cursor: Any, attempts: int = 100) -> None:
    """Put a fresh database file in WAL mode (once: later connections find it so).

    The switch needs a moment of exclusive access. When several processes open one fresh file at once, two
    switching together can deadlock on their locks, and SQLite then answers "database is locked" at once instead
    of waiting in the busy timeout: try again shortly, until one of them has switched the file.
    """
    for attempt in range(attempts):
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (1 + attempt % 5))


def _sqlite_pragmas(synchronous: str) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            _switch_to_wal(cursor)
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            # When the WAL rewinds (steward.store.writer.Checkpointer), keep at most this much of the file
            cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return on_connect
