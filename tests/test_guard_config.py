"""Policy files: valid ones load with a content version; bad ones fail with file:line and a hint."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.guard_fixtures import GUARD_PROJECT, guard_project

import steward
from steward import plugins
from steward.config import Settings, check_installed_scanners, load_project_text
from steward.errors import ConfigError

HEAD = """version: 1
models:
  m: {backend: scripted}
apps:
  a:
    owner: o@example.com
    purpose: p
    route: [{model: m}]
    policy: p1
policies:
  p1:
"""


def _error(body: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_project_text(HEAD + body, "policy.yaml")
    return caught.value.message


def test_the_full_test_policy_loads_and_is_versioned_by_content() -> None:
    project = guard_project()
    policy = project.policies["booking-policy"]
    assert policy.input.pii is not None and policy.input.pii.mode == "pseudonymise"
    assert policy.input.pii.block_entities == ["CREDIT_CARD"]
    assert set(policy.input.rules()) == {"pii", "secrets", "injection", "toxicity", "topic"}
    assert policy.version.startswith("sha256:")
    changed = guard_project(GUARD_PROJECT.replace("threshold: 0.3\n", "threshold: 0.4\n"))
    assert changed.policies["booking-policy"].version != policy.version
    assert changed.policies["advice-policy"].version == project.policies["advice-policy"].version


def test_an_unknown_action_names_the_line_and_the_choices() -> None:
    message = _error("    input:\n      injection: {action: stop}\n")
    assert "policy.yaml:13" in message
    assert "policies.p1.input.injection.action" in message
    assert "'block'" in message


def test_a_misspelt_scanner_is_rejected_at_its_line() -> None:
    message = _error("    input:\n      pi: {mode: mask}\n")
    assert "policy.yaml:13" in message and "unknown key" in message


def test_an_output_only_rule_under_input_says_where_it_belongs() -> None:
    message = _error("    input:\n      tone: {action: warn}\n")
    assert "policy.yaml:12" in message and "move it under `output:`" in message


def test_a_compliance_rule_with_a_broken_regex_fails_validation() -> None:
    body = "    output:\n      compliance:\n        - {name: r1, when: ['(unclosed'], otherwise: warn}\n"
    message = _error(body)
    assert "policy.yaml:14" in message and "not a valid regular expression" in message


def test_append_needs_the_text_to_append() -> None:
    message = _error("    output:\n      compliance:\n        - {name: r1, when: ['x'], otherwise: append}\n")
    assert "needs `append:`" in message


def test_a_threshold_outside_zero_to_one_is_rejected() -> None:
    message = _error("    input:\n      toxicity: {threshold: 1.5}\n")
    assert "policy.yaml:13" in message and "less than or equal to 1" in message


def test_a_hub_backend_needs_a_model_path() -> None:
    for scanner in ("injection", "toxicity"):
        message = _error(f"    input:\n      {scanner}: {{backend: hub}}\n")
        assert "policy.yaml:13" in message and "needs `model_path:`" in message


def test_an_app_naming_an_undeclared_policy_is_rejected() -> None:
    with pytest.raises(ConfigError, match="'p2' is not declared under `policies:`"):
        load_project_text(HEAD.replace("policy: p1", "policy: p2") + "    description: x\n", "policy.yaml")


# ---- scanners named under `plugins:` must be installed ---------------------------------------------------------

UNKNOWN_PLUGIN = "    input:\n      plugins:\n        nosuch: {action: block}\n"  # `nosuch:` is line 14


def _unknown_plugin_error(body: str = UNKNOWN_PLUGIN) -> str:
    project = load_project_text(HEAD + body, "policy.yaml")  # parsing never asks what is installed
    with pytest.raises(ConfigError) as caught:
        check_installed_scanners(project)
    return caught.value.message


def _assert_names_line_installed_and_remedy(message: str) -> None:
    assert "policy.yaml:14: policies.p1.input.plugins.nosuch:" in message
    assert "no installed plugin provides a guardrail scanner named 'nosuch'" in message
    assert "installed scanners: injection, leakage, pii, schema, secrets, tone, topic, toxicity" in message
    assert "Install the plugin package that provides it" in message and "remove the entry" in message


@pytest.fixture
def extra_scanner() -> Iterator[str]:
    """A third-party plugin registering a scanner named `extra` (no scanner is ever built from it here)."""
    plugin = types.SimpleNamespace(register_scanners=plugins.hookimpl(lambda register: register("extra", dict)))
    plugins.manager().register(plugin, "test-extra-scanner")
    yield "extra"
    plugins.manager().unregister(name="test-extra-scanner")


def test_a_plugin_scanner_that_is_not_installed_is_named_at_its_line_with_the_installed_ones() -> None:
    _assert_names_line_installed_and_remedy(_unknown_plugin_error())


def test_every_missing_plugin_scanner_is_reported_and_disabled_entries_are_not_checked() -> None:
    body = (
        "    input:\n      plugins:\n        nosuch: {action: block}\n"  # line 14
        "        dormant: {enabled: false}\n"  # line 15: not run, so not required
        "    output:\n      plugins:\n        other: {options: {k: v}}\n"  # line 18
    )
    message = _unknown_plugin_error(body)
    assert "policy.yaml:14: policies.p1.input.plugins.nosuch:" in message
    assert "policy.yaml:18: policies.p1.output.plugins.other:" in message
    assert "dormant" not in message


def test_a_plugin_scanner_an_installed_plugin_provides_passes(extra_scanner: str) -> None:
    project = load_project_text(HEAD + f"    input:\n      plugins:\n        {extra_scanner}: {{}}\n", "p.yaml")
    check_installed_scanners(project)
    message = _unknown_plugin_error()
    assert "installed scanners: extra, injection," in message  # plugins' scanners are listed with the built-ins


def test_without_plugin_entries_the_plugins_are_not_consulted(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(hook: str) -> dict[str, object]:
        raise AssertionError(f"{hook} was called for a project without `plugins:` entries")

    monkeypatch.setattr(plugins, "collect", refuse)
    check_installed_scanners(guard_project())


def test_checking_plugin_scanners_loads_no_model() -> None:
    """The check reads the registered names only: no spaCy, torch, classifier or embedding model is imported."""
    script = (
        "import sys\n"
        "from steward.config import check_installed_scanners, load_project_text\n"
        f"project = load_project_text({HEAD + UNKNOWN_PLUGIN!r}, 'policy.yaml')\n"
        "try:\n"
        "    check_installed_scanners(project)\n"
        "except Exception as exc:\n"
        "    assert 'policy.yaml:14' in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
        "heavy = ('torch', 'spacy', 'thinc', 'presidio_analyzer', 'sentence_transformers', 'transformers',\n"
        "         'sklearn', 'llama_cpp', 'usearch')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    source_root = str(Path(steward.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_guard_and_runtime_report_a_missing_plugin_scanner_like_config_check(tmp_path: Path) -> None:
    from steward.gateway.assemble import open_runtime
    from steward.guardrails import Guard

    expected = _unknown_plugin_error()
    project = load_project_text(HEAD + UNKNOWN_PLUGIN, "policy.yaml")
    with pytest.raises(ConfigError) as from_guard:
        Guard(project, b"key")
    assert from_guard.value.message == expected
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'home' / 's.db'}")
    with pytest.raises(ConfigError) as from_runtime:
        open_runtime(project, settings)
    assert from_runtime.value.message == expected
    assert not (tmp_path / "home").exists()  # refused before a store was opened


@pytest.mark.parametrize(
    "command", [["config", "check"], ["guard", "check", "a", "--text", "hi"], ["ask", "a", "hello"]]
)
def test_the_commands_fail_on_a_missing_plugin_scanner_with_file_and_line(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from steward.cli import main

    config = tmp_path / "plug.yaml"
    config.write_text(HEAD + UNKNOWN_PLUGIN)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / ".steward"))
    monkeypatch.setenv("COLUMNS", "300")  # one line per message line, whatever the terminal
    monkeypatch.setattr(sys, "argv", ["steward", "-c", str(config), *command])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"{config}:14: policies.p1.input.plugins.nosuch:" in err and "Traceback" not in err
    assert "installed scanners: injection," in err and "remove the entry" in err
