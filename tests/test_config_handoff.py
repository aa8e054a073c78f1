"""`--config` reaches the capabilities as an argument, not through the environment (issue 16, item 4)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT
from typer.testing import CliRunner

from steward.cli import app, context
from steward.config import Settings, load_project_text
from steward.errors import InvalidRequest
from steward.evals.judge import AppJudge, ModelJudge, make_judge
from steward.evals.perplexity import resolve_gguf

runner = CliRunner()


@pytest.fixture
def no_config_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / ".steward"))
    monkeypatch.chdir(tmp_path)  # the nearest steward.yaml is not this test's
    yield tmp_path


def test_cli_config_reaches_a_metric_without_the_environment(no_config_env: Path) -> None:
    config = no_config_env / "elsewhere" / "steward.yaml"
    config.parent.mkdir()
    config.write_text(SCRIPTED_PROJECT)
    data = no_config_env / "rows.jsonl"
    data.write_text(json.dumps({"prediction": "hello there"}) + "\n")
    args = ["--config", str(config), "eval", "metrics", "--data", str(data), "--metrics", "perplexity"]
    session = context.Session()  # handed in, to look at it afterwards
    result = runner.invoke(app, [*args, "-o", "perplexity.model=scripted-a"], obj=session)
    # the model id is declared only in the --config project: the metric found it there, and said it is not local
    assert "perplexity needs a local llama.cpp model; 'scripted-a' uses scripted" in str(result.exception or "")
    assert "STEWARD_CONFIG" not in os.environ
    assert session.project().source == str(config)


def test_resolve_gguf_and_judges_take_the_project_given(no_config_env: Path) -> None:
    project = load_project_text(SCRIPTED_PROJECT, "given.yaml")
    settings = Settings.resolve(project)
    with pytest.raises(InvalidRequest, match="'scripted-a' uses scripted"):
        resolve_gguf("scripted-a", project, settings)
    with pytest.raises(InvalidRequest, match=r"not a \.gguf path, and no project was given"):
        resolve_gguf("scripted-a")  # never the nearest steward.yaml behind the caller's back
    app_judge = make_judge("app:demo", project)
    model_judge = make_judge("model:scripted-a", project, settings)
    assert isinstance(app_judge, AppJudge) and app_judge.project is project
    assert isinstance(model_judge, ModelJudge) and model_judge.project is project
    assert model_judge.settings is settings
    assert model_judge.ask("say yes") == "Hello from A."  # the scripted model of the project given
    unbound = make_judge("model:scripted-a")
    assert isinstance(unbound, ModelJudge)
    with pytest.raises(InvalidRequest, match="has no project to take its model from"):
        unbound.ask("say yes")


def test_the_command_session_is_handed_down_not_kept_in_the_module(no_config_env: Path) -> None:
    config = no_config_env / "steward.yaml"
    config.write_text(SCRIPTED_PROJECT)
    with pytest.raises(RuntimeError, match="no steward command is running"):
        context.project()  # outside a command there is no session to fall back on
    first, second = context.Session(), context.Session()
    for session in (first, second):
        result = runner.invoke(app, ["--config", str(config), "config", "check"], obj=session)
        assert result.exit_code == 0, result.output
        assert session.config == str(config)  # the root command put --config into the session handed down
    assert not [name for name, value in vars(context).items() if isinstance(value, context.Session)]
