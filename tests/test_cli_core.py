"""The everyday commands through Typer's runner: init, config check, ask; errors without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT
from typer.testing import CliRunner

from steward.cli import app, context


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "steward.yaml").write_text(SCRIPTED_PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / ".steward"))
    context.reset()
    yield tmp_path
    context.reset()


runner = CliRunner()


def test_init_scaffolds_a_valid_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "proj" / "steward.yaml").is_file()
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "proj" / "steward.yaml"))
    context.reset()
    checked = runner.invoke(app, ["config", "check", str(tmp_path / "proj" / "steward.yaml")])
    assert checked.exit_code == 0, checked.output
    assert "(2 models, 1 apps)" in checked.output
    again = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert again.exit_code == 1 and "--force" in again.output


def test_ask_runs_the_governed_pipeline_and_records_it(project_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "demo", "hello", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["answer"] == "Hello from A." and body["status"] == "served"
    listed = runner.invoke(app, ["records", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert body["record_id"] in listed.stdout


def test_ask_streams_by_default(project_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "demo", "hello"])
    assert result.exit_code == 0, result.output
    assert "Hello from A." in result.stdout


def test_config_errors_are_one_clear_line(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from steward.cli import main

    (project_dir / "steward.yaml").write_text(SCRIPTED_PROJECT.replace("owner: qa@example.com", "ownr: x", 1))
    sys.argv = ["steward", "config", "check"]
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "apps.demo.ownr: unknown key" in err and "Traceback" not in err


def test_every_command_has_help_with_an_example() -> None:
    import typer.main

    root = typer.main.get_command(app)
    missing = []

    def walk(command: Any, path: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")
        elif "Example" not in (command.help or ""):
            missing.append(path)

    walk(root, "steward")
    assert not missing, f"commands whose --help has no example: {missing}"
