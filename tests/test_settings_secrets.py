"""Keys come into a process once, as `Settings.secrets`, under the environment variables users already set."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT

from steward.config import Secrets, Settings, load_project_text
from steward.guardrails.guard import Guard

NAMES = {
    "STEWARD_GUARD_KEY": "guard_key",
    "STEWARD_RECORD_KEY": "record_keys",
    "STEWARD_INTEGRITY_KEY": "integrity_key",
    "STEWARD_INTEGRITY_KEY_FILE": "integrity_key_file",
    "STEWARD_AUDIT_KEY": "audit_key",
}


def test_each_variable_lands_in_its_field_as_set() -> None:
    environ = {name: f" value of {name} " for name in NAMES}
    secrets = Secrets.from_environment(environ)
    for name, attribute in NAMES.items():
        assert getattr(secrets, attribute) == f" value of {name} "  # a key's bytes are its identity: not stripped
    assert Secrets.from_environment({"STEWARD_AUDIT_KEY": ""}).audit_key is None
    assert "value of STEWARD_AUDIT_KEY" not in repr(secrets)  # keys never reach a log line


def test_settings_read_the_keys_when_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    monkeypatch.setenv("STEWARD_GUARD_KEY", "from-the-environment")
    project = load_project_text(SCRIPTED_PROJECT, "t.yaml")
    settings = Settings.resolve(project)
    monkeypatch.setenv("STEWARD_GUARD_KEY", "changed-later")
    assert settings.secrets.guard_key == "from-the-environment"  # read once, at the edge
    assert Guard.from_project(project, settings).key == b"from-the-environment"


def test_the_guard_takes_its_key_from_the_settings_not_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_GUARD_KEY", "in-the-environment")
    project = load_project_text(SCRIPTED_PROJECT, "t.yaml")
    given = Settings(tmp_path, "sqlite://", secrets=Secrets(guard_key="handed-down"))
    assert Guard.from_project(project, given).key == b"handed-down"
    none = Settings(tmp_path, "sqlite://", secrets=Secrets())
    key = Guard.from_project(project, none).key  # no key given: this installation's key file, made once
    assert key == (tmp_path / "guardrails.key").read_text().strip().encode() and key != b"in-the-environment"


def test_the_trace_endpoint_is_resolved_with_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    project = load_project_text(
        SCRIPTED_PROJECT + "\ntelemetry: {otlp_endpoint: 'http://from-yaml:4318'}\n", "t.yaml"
    )
    monkeypatch.delenv("STEWARD_OTLP_ENDPOINT", raising=False)
    assert Settings.resolve(project).otlp_endpoint == "http://from-yaml:4318"
    monkeypatch.setenv("STEWARD_OTLP_ENDPOINT", "http://from-env:4318")  # the environment wins, as before
    settings = Settings.resolve(project)
    monkeypatch.setenv("STEWARD_OTLP_ENDPOINT", "http://changed-later:4318")
    assert settings.otlp_endpoint == "http://from-env:4318"


def test_an_audit_event_is_sealed_with_the_key_its_store_was_handed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.governance import audit
    from steward.store import Store

    monkeypatch.setenv("STEWARD_AUDIT_KEY", "in-the-environment")
    with Store.open(f"sqlite:///{tmp_path / 's.db'}", secrets=Secrets(audit_key="handed-down")) as store:
        with store.transaction() as unit:
            event = audit.append(unit, "key:k", "key.create", "key:k")
        assert event.keyed and audit.verify(store).ok
    monkeypatch.setenv("STEWARD_AUDIT_KEY", "handed-down")
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:  # read from the environment when not handed
        assert audit.verify(store).ok
    monkeypatch.setenv("STEWARD_AUDIT_KEY", "in-the-environment")
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        assert not audit.verify(store).ok
