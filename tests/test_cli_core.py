"""The everyday commands through Typer's runner: init, config check, ask; errors without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT
from typer.testing import CliRunner

from steward.cli import app


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "steward.yaml").write_text(SCRIPTED_PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / ".steward"))
    yield tmp_path


runner = CliRunner()


def test_init_scaffolds_a_valid_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "proj" / "steward.yaml").is_file()
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "proj" / "steward.yaml"))
    checked = runner.invoke(app, ["config", "check", str(tmp_path / "proj" / "steward.yaml")])
    assert checked.exit_code == 0, checked.output
    assert "(2 models, 1 apps)" in checked.output
    assert "&& steward models fetch && steward serve`" in " ".join(result.output.split())  # rich may wrap it
    again = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert again.exit_code == 1 and "--force" in again.output


def test_init_here_does_not_say_cd_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "next: `steward models fetch && steward serve`" in " ".join(result.output.split())
    assert "cd ." not in result.output


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


# ---- the start banner: its snippets run as printed ---------------------------------------------------------


def _run_banner_snippets(banner: str, env: dict[str, str]) -> tuple[str, str]:
    """Run the banner's curl command and its Python snippet with bash, as a user pasting them would."""
    import subprocess

    curl, python = banner.strip().split("\n\n")[1:]
    results = []
    for command in (curl + " --silent --show-error --max-time 30", python):
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        results.append(done.stdout)
    return results[0], results[1]


def test_the_banner_snippets_work_as_printed_on_first_and_later_starts(live: Any, runtime: Any) -> None:
    import os

    from steward.cli.core import _admin_key, _snippets

    env = {k: v for k, v in os.environ.items() if k != "STEWARD_API_KEY"} | {"NO_PROXY": "127.0.0.1"}
    home = runtime.settings.home
    first = _admin_key(runtime.store, home)
    assert first is not None
    for key in (first, None):  # the start that created the key prints it; later ones read it from its file
        banner = _snippets(live.url, key, "demo", home)
        curl_out, python_out = _run_banner_snippets(banner, env)
        assert json.loads(curl_out)["choices"][0]["message"]["content"] == "Hello from A."
        assert python_out.strip() == "Hello from A."
    (home / "admin.key").unlink()  # a key of one's own, exported as the banner says
    banner = _snippets(live.url, None, "demo", home)
    assert "export STEWARD_API_KEY=" in banner
    curl_out, python_out = _run_banner_snippets(banner, env | {"STEWARD_API_KEY": first})
    assert python_out.strip() == "Hello from A."


def test_the_banner_says_how_to_get_the_client_and_the_venv_commands(tmp_path: Path) -> None:
    from steward.cli.core import _client_python

    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "activate").write_text("")
    python = venv_bin / "python"
    command, before = _client_python(python, has_openai=False, search_path="/usr/bin")
    assert command == str(python)
    assert before[0].startswith(f"{python} -m pip install openai")
    assert f"source {venv_bin}/activate" in before[1]
    command, before = _client_python(python, has_openai=True, search_path=f"/usr/bin:{venv_bin}")
    assert before == []  # the client is there and the venv is on PATH: nothing to do first


def test_serve_on_a_busy_port_says_so_before_any_banner(project_dir: Path) -> None:
    import socket

    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        result = runner.invoke(app, ["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} is in use on 127.0.0.1; pass --port or stop the other server." in result.output
    assert "Steward is serving" not in result.output
    assert not (project_dir / ".steward" / "admin.key").exists()  # no key printed for a server that never ran


def test_records_reindex_reasons_rebuilds_the_index_from_the_bodies(project_dir: Path) -> None:
    assert runner.invoke(app, ["ask", "demo", "hello", "--json"]).exit_code == 0
    result = runner.invoke(app, ["records", "reindex-reasons"])
    assert result.exit_code == 0, result.output
    assert "indexed the reason codes of 1 record" in result.output


def test_init_points_the_rag_collection_at_the_projects_own_kb(tmp_path: Path) -> None:
    """The kb/ folder init copies is the one the generated project ingests, so editing it changes the answers."""
    from steward.config import load_project
    from steward.rag.retriever import resolve_source

    result = runner.invoke(app, ["init", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "proj"
    project = load_project(root / "steward.yaml")
    sources = project.collections["airport-kb"].sources
    assert sources == ["kb/airport"]
    resolved = resolve_source(sources[0], project.root)
    assert resolved.resolve() == (root / "kb" / "airport").resolve()
    assert sorted(p.name for p in resolved.iterdir()) == [
        "airport-guide.html",
        "bookings.jsonl",
        "flights.csv",
        "travel-policies.md",
    ]
