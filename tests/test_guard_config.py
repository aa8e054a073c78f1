"""Policy files: valid ones load with a content version; bad ones fail with file:line and a hint."""

from __future__ import annotations

import pytest
from tests.guard_fixtures import GUARD_PROJECT, guard_project

from steward.config import load_project_text
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
