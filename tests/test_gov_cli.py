"""The governance commands end to end, as an operator types them (steward.yaml and database found via the env)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.gov_fixtures import PROJECT, stored_run
from typer.testing import CliRunner

from steward.cli import app as cli_app
from steward.cli import context
from steward.governance.errors import RuleViolation


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    (tmp_path / "steward.yaml").write_text(PROJECT)
    values = {
        "STEWARD_CONFIG": str(tmp_path / "steward.yaml"),
        "STEWARD_HOME": str(tmp_path),
        "STEWARD_DATABASE_URL": f"sqlite:///{tmp_path / 'steward.db'}",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("STEWARD_GOVERNANCE_KEY", raising=False)
    yield values


def run(*args: str) -> object:
    result = CliRunner().invoke(cli_app, list(args))
    return result


def _key(name: str, role: str = "developer", team: str = "claims") -> tuple[str, str]:
    """(secret, key id) of a new key made with `steward keys create`, as an admin would."""
    created = run("keys", "create", "--role", role, "--team", team, "--name", name)
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    outside = context.Session()  # resolved from the same environment as the commands
    try:
        info = outside.open_store().find_key(secret)
    finally:
        outside.close()
    assert info is not None
    return secret, info.id


def test_release_flow_from_the_command_line(env: dict[str, str]) -> None:
    applied = run("registry", "apply", "--json")
    assert applied.exit_code == 0, applied.output
    assert "model:model-a@1" in json.loads(applied.stdout)["registered"]
    listed = json.loads(run("registry", "list", "--kind", "prompt", "--json").stdout)
    assert {v["ref"] for v in listed} == {
        "prompt:claims@1",
        "prompt:claims-b@1",
        "prompt:claims-c@1",
        "prompt:airport@1",
    }

    alice, bob, carol = (_key(name) for name in ("alice", "bob", "carol"))
    deployed = run("deploy", "claims", "--model", "model-b", "--canary", "10", "--key", alice[0])
    assert deployed.exit_code == 0 and "model-a 90.0 %, model-b 10.0 %" in deployed.stdout
    refused = run("promote", "claims", "--key", alice[0])
    assert isinstance(refused.exception, RuleViolation) and "passing eval run" in str(refused.exception)

    outside = context.Session()
    stored_run(outside.open_store(), outside.project(), "claims-b", served=["model-b"])
    outside.close()
    for _, key_id in (alice, bob, carol):
        assert run("approvers", "add", "--key-id", key_id, "--team", "claims").exit_code == 0
    own = run("approve", "claims", "--key", alice[0])
    assert isinstance(own.exception, RuleViolation)
    assert run("approve", "claims", "--key", bob[0]).exit_code == 0
    assert run("approve", "claims", "--key", carol[0]).exit_code == 0
    promoted = run("promote", "claims", "--key", alice[0])
    assert promoted.exit_code == 0 and "model-b 100.0 %" in promoted.stdout

    history = json.loads(run("deployments", "claims", "--json").stdout)
    assert [d["action"] for d in history] == ["promote", "deploy", "baseline"]
    assert {a["approver"] for a in history[1]["approvals"]} == {f"key:{bob[1]}", f"key:{carol[1]}"}
    assert run("rollback", "claims").exit_code == 0
    lineage = run("registry", "lineage", "model:model-b", "--team", "claims")
    assert "evaluated_by" in lineage.stdout and "gated" in lineage.stdout
    verified = run("audit", "verify")
    assert verified.exit_code == 0 and "intact" in verified.stdout


def test_compliance_and_privacy_from_the_command_line(env: dict[str, str], tmp_path: Path) -> None:
    run("registry", "apply")
    answers = [
        "--answer",
        "prohibited_practice=no",
        "--answer",
        "safety_component=no",
        "--answer",
        "annex_iii_use=no",
        "--answer",
        "narrow_task=no",
        "--answer",
        "interacts_with_people=yes",
        "--answer",
        "synthetic_content=no",
    ]
    classified = run("compliance", "classify", "airport", *answers)
    assert classified.exit_code == 0 and "assessed limited" in classified.stdout
    checked = run("compliance", "check", "airport", "--json")
    assert checked.exit_code == 1  # controls are missing: CI can gate on it
    report = json.loads(checked.stdout)
    assert report["tier"] == "limited" and {c["id"] for c in report["controls"] if c["satisfied"]} >= {
        "risk_assessment"
    }
    packed = run("compliance", "pack", "airport", "--out", str(tmp_path / "evidence"))
    assert packed.exit_code == 0 and sorted(p.suffix for p in (tmp_path / "evidence").iterdir()) == [
        ".html",
        ".json",
    ]
    erased = run("privacy", "erase", "--subject", "nobody-1", "--json")
    assert erased.exit_code == 0 and json.loads(erased.stdout)["records"] == 0
    key = run("privacy", "keygen").stdout.strip()
    assert len(key) == 44


def test_an_auditor_key_is_refused_changes_but_may_verify(env: dict[str, str]) -> None:
    run("registry", "apply")
    secret, _ = _key("auditor", role="auditor")
    refused = run("deploy", "claims", "--model", "model-b", "--canary", "5", "--key", secret)
    assert "auditors read everything of their team and change nothing" in str(refused.exception)
    assert run("audit", "verify", "--key", secret).exit_code == 0
    listed = json.loads(run("registry", "list", "--json", "--key", secret).stdout)
    assert {v["team"] for v in listed} == {"claims"}


def test_a_refusal_is_one_line_naming_the_rule_and_exit_status_2(env: dict[str, str]) -> None:
    run("registry", "apply")
    process = subprocess.run(
        [sys.executable, "-m", "steward.cli", "rollback", "claims"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert process.returncode == 2
    assert process.stderr.strip().startswith("error: rule: cannot roll back past the first version")
    assert "Traceback" not in process.stderr


def test_deploying_a_model_that_is_not_fetched_fails_naming_the_fetch_command(
    env: dict[str, str], tmp_path: Path
) -> None:
    from tests.test_management_api_deployments import LOCAL_MODEL, LOCAL_VARIANT

    text = PROJECT.replace("\napps:\n", LOCAL_MODEL + "apps:" + LOCAL_VARIANT, 1)
    (tmp_path / "steward.yaml").write_text(text)
    assert run("registry", "apply").exit_code == 0
    refused = run("deploy", "claims", "--model", "model-local", "--canary", "10")
    assert refused.exit_code != 0
    said = str(refused.exception)  # `steward --config …/steward.yaml models fetch …`: the env names the file
    assert "`steward " in said and "models fetch smollm2-135m-instruct-q4_1`" in said, said
    assert json.loads(run("deployments", "claims", "--json").stdout) == []  # nothing written, not even a baseline
