"""The home folder and the SQLite files are private to their user: records may hold personal data."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT

from steward.config import Settings, load_project_text
from steward.gateway.assemble import open_runtime
from steward.store import Store


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common umask (022), under which SQLite's own default would make the files world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_wal_and_shm_files_are_0600(tmp_path: Path, usual_umask: None) -> None:
    database = tmp_path / "fresh" / "steward.db"
    with Store.open(f"sqlite:///{database}") as store:
        assert store.count_keys() == 0  # a connection is open: the -wal and -shm files exist now
        files = [database, database.with_name("steward.db-wal"), database.with_name("steward.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert _mode(database.parent) == 0o700


def test_the_runtime_creates_its_home_0700(tmp_path: Path, usual_umask: None) -> None:
    project = load_project_text(SCRIPTED_PROJECT, "test-steward.yaml")
    project.root = tmp_path
    home = tmp_path / "project" / ".steward"
    runtime = open_runtime(project, Settings(home=home, database_url=f"sqlite:///{home / 'steward.db'}"))
    try:
        assert _mode(home) == 0o700 and _mode(home / "steward.db") == 0o600
        assert _mode(tmp_path / "project") == 0o755  # only the home is made private, not the folders above it
    finally:
        runtime.store.close()


def test_models_fetch_creates_the_home_0700(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` fetches models before it serves: the first command to create the home must make it private."""
    from typer.testing import CliRunner

    from steward.cli import app

    (tmp_path / "steward.yaml").write_text(SCRIPTED_PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.delenv("STEWARD_HOME", raising=False)
    result = CliRunner().invoke(app, ["models", "fetch"])
    assert result.exit_code == 0, result.output
    assert _mode(tmp_path / ".steward") == 0o700
