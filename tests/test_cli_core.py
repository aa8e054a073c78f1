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


def test_every_example_file_named_in_help_or_readme_exists() -> None:
    """A new user copies the help's and the README's examples: the files they name must be shipped."""
    import re

    import typer.main

    root = typer.main.get_command(app)
    texts = [(Path(__file__).parents[1] / "README.md").read_text()]

    def walk(command: Any) -> None:
        texts.append(command.help or "")
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(root)
    repo = Path(__file__).parents[1]
    named = {m for text in texts for m in re.findall(r"\bexamples/[\w./-]+\.(?:ya?ml|jsonl|json|csv)", text)}
    assert named, "no example file is named anywhere: the pattern is wrong"
    missing = sorted(path for path in named if not (repo / path).is_file())
    assert not missing, f"help or README names example files that do not exist: {missing}"
