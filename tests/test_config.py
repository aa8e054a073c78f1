"""steward.yaml validation: unknown keys and bad values fail with file:line and a hint."""

from __future__ import annotations

import pytest

from steward.config import load_project, load_project_text
from steward.config.loader import default_project_text
from steward.errors import ConfigError

BASE = """version: 1
models:
  m:
    backend: scripted
apps:
  a:
    owner: o
    purpose: p
    route: [{model: m}]
"""


def test_embedded_defaults_are_valid_and_serve_the_airport_assistant() -> None:
    project = load_project_text(default_project_text())
    app = project.apps["airport-assistant"]
    assert app.route[0].model == "qwen2.5-coder-1.5b" and app.fallback == ["qwen2.5-coder-0.5b"]
    assert app.prompt.version.startswith("sha256:")


def test_unknown_key_names_file_line_and_hint() -> None:
    text = BASE + "    temprature: 0.3\n"
    with pytest.raises(ConfigError) as info:
        load_project_text(text, "steward.yaml")
    assert "steward.yaml:10: apps.a.temprature: unknown key" in info.value.message


def test_bad_value_names_its_line() -> None:
    text = BASE + "    params: {temperature: 7}\n"
    with pytest.raises(ConfigError) as info:
        load_project_text(text, "steward.yaml")
    assert "steward.yaml:10: apps.a.params.temperature" in info.value.message
    assert "less than or equal to 2" in info.value.message


def test_literal_values_list_the_choices() -> None:
    with pytest.raises(ConfigError) as info:
        load_project_text(BASE.replace("backend: scripted", "backend: ollama"), "s.yaml")
    assert "s.yaml:4: models.m.backend" in info.value.message and "'llama_cpp'" in info.value.message


def test_secrets_must_be_references() -> None:
    text = BASE.replace(
        "backend: scripted", "backend: openai\n    base_url: http://x/v1\n    api_key: sk-live-123"
    )
    with pytest.raises(ConfigError) as info:
        load_project_text(text, "s.yaml")
    assert "$env:NAME" in info.value.message and "s.yaml:6" in info.value.message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://x/v1", "http:// or https://"),
        ("https://user:pw@x/v1", "must not hold credentials"),
        ("http://x:99999/v1", "port that is not a number"),
    ],
)
def test_upstream_urls_are_checked_without_echoing_them(url: str, says: str) -> None:
    text = BASE.replace("backend: scripted", f"backend: openai\n    base_url: {url}")
    with pytest.raises(ConfigError) as info:
        load_project_text(text, "s.yaml")
    assert says in info.value.message and "s.yaml:" in info.value.message
    assert "pw@" not in info.value.message


def test_secret_reference_resolves_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    text = BASE.replace(
        "backend: scripted", "backend: openai\n    base_url: http://x/v1\n    api_key: $env:UP_KEY"
    )
    spec = load_project_text(text).models["m"]
    with pytest.raises(ConfigError, match="export UP_KEY"):
        spec.api_key_value()
    monkeypatch.setenv("UP_KEY", "s3cret")
    assert spec.api_key_value() == "s3cret"


def test_references_to_undeclared_models_are_rejected() -> None:
    with pytest.raises(ConfigError, match="model 'nope' is not declared"):
        load_project_text(BASE.replace("route: [{model: m}]", "route: [{model: m}]\n    fallback: [nope]"))


def test_yaml_syntax_errors_and_duplicates_have_lines() -> None:
    with pytest.raises(ConfigError, match=r"s.yaml:\d+: not valid YAML"):
        load_project_text("models: [\n", "s.yaml")
    with pytest.raises(ConfigError, match=r"s\.yaml:8: duplicate key 'owner'"):
        load_project_text(BASE.replace("    purpose: p\n", "    owner: again\n"), "s.yaml")


def test_prompt_version_changes_with_content() -> None:
    one = load_project_text(BASE + "    prompt: {system: A}\n").apps["a"].prompt.version
    two = load_project_text(BASE + "    prompt: {system: B}\n").apps["a"].prompt.version
    assert one != two


def test_missing_file_says_how_to_create_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="steward init"):
        load_project(tmp_path / "nope.yaml")
