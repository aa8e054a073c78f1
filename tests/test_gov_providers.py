"""Provider change detection against a loopback OpenAI-compatible server whose answers and fingerprint change."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from tests.gov_fixtures import load
from tests.model_fixtures import serve_http

from steward.config import Settings
from steward.governance import audit, compliance, providers
from steward.governance.identity import Actor
from steward.store import Store

ANSWERS = {
    "ready": "ready",
    "17 + 25": "42",
    "backwards": "ecnanrevog",
    "France": "Paris",
    "sequence": "32, 64, 128",
}


@dataclass
class Provider:
    """What the fake provider answers: per canary keyword, and the model/fingerprint it reports."""

    answers: dict[str, str] = field(default_factory=lambda: dict(ANSWERS))
    model: str = "gpt-test-2024-05-13"
    fingerprint: str = "fp_44709d6fcb"
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def reply(self, prompt: str) -> str:
        return next((a for k, a in self.answers.items() if k in prompt), "I don't know")


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            provider.received.append(body)
            text = provider.reply(body["messages"][-1]["content"])
            answer = json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "model": provider.model,
                    "system_fingerprint": provider.fingerprint,
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
                }
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()
    with serve_http(_handler(state)) as url:
        state.url = url
        yield state


@dataclass
class Setup:
    project: Any
    store: Store
    settings: Settings
    actor: Actor

    def check(self, **options: Any) -> providers.ProviderCheck:
        return providers.check(self.store, self.project, "remote", self.actor, settings=self.settings, **options)


@pytest.fixture
def setup(provider: Provider, tmp_path: Path) -> Iterator[Setup]:
    project = load(
        f"""
version: 1
models:
  remote: {{backend: openai, base_url: "{provider.url}", remote_model: gpt-test, timeout_s: 5, max_retries: 0}}
apps:
  helpdesk:
    owner: it@example.com
    purpose: Answer IT questions.
    risk_tier: high
    route: [{{model: remote}}]
""",
        tmp_path,
    )
    store = Store.open(f"sqlite:///{tmp_path / 'steward.db'}")
    yield Setup(project, store, Settings(tmp_path, str(store.engine.url)), Actor.user("ops"))
    store.close()


def test_first_check_is_the_baseline_and_an_unchanged_provider_raises_nothing(
    setup: Setup, provider: Provider
) -> None:
    first = setup.check()
    assert (
        first.accepted
        and not first.changed
        and first.answers == tuple(provider.reply(p) for p in providers.CANARY_PROMPTS)
    )
    assert first.reported == ("gpt-test-2024-05-13/fp_44709d6fcb",)
    assert all(body["temperature"] == 0.0 and body["seed"] == 0 for body in provider.received)
    second = setup.check()
    assert not second.changed and not second.accepted
    assert [e.action for e in audit.list_events(setup.store)] == ["provider.baseline"]


def test_a_new_system_fingerprint_is_a_change_with_an_alert_and_an_audit_event(
    setup: Setup, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    setup.check()
    provider.fingerprint = "fp_9b0abffe81"  # same name, new backend configuration
    with caplog.at_level(logging.WARNING, logger="steward.alerts"):
        changed = setup.check()
    assert (
        changed.changed
        and "fp_9b0abffe81" in changed.reason
        and "was gpt-test-2024-05-13/fp_44709d6fcb" in changed.reason
    )
    assert any("provider change detected for model remote" in r.message for r in caplog.records)
    event = audit.list_events(setup.store, action="provider.changed")[0]
    assert event.subject == "model:remote" and event.detail["check"] == changed.id
    assert setup.check().changed  # stays open until accepted
    providers.accept(setup.store, "remote", setup.actor, setup.project)
    assert not setup.check().changed
    assert audit.verify(setup.store).ok


def test_changed_answers_count_only_above_the_threshold(setup: Setup, provider: Provider) -> None:
    setup.check()
    provider.answers["France"] = "Paris."  # punctuation is not a change
    provider.answers["sequence"] = "32, 64 and 128"  # one drifting answer of five is tolerated
    assert not setup.check().changed
    provider.answers.update({"17 + 25": "41", "backwards": "ecnanrevoG x", "ready": "Ready to help!"})
    changed = setup.check()
    assert changed.changed and changed.reason == "4 of 5 canary answers changed"


def test_compliance_requires_recent_unchanged_provider_checks_for_high_risk(
    setup: Setup, provider: Provider
) -> None:
    def status() -> tuple[bool, str]:
        control = next(
            c
            for c in compliance.check(setup.store, setup.project, "helpdesk", setup.actor).controls
            if c.id == "provider_monitoring"
        )
        return control.satisfied, control.evidence

    assert status() == (False, "remote: no provider check in the last 7 days")
    setup.check()
    assert status()[0]
    provider.model = "gpt-test-2024-08-06"
    setup.check()
    satisfied, evidence = status()
    assert not satisfied and "provider change detected" in evidence


def test_an_unreachable_provider_is_an_error_not_a_change(setup: Setup, provider: Provider) -> None:
    from steward.errors import ModelError

    setup.check()
    setup.project.models["remote"].base_url = "http://127.0.0.1:9/v1"
    with pytest.raises(ModelError):
        setup.check()
    assert [c.changed for c in providers.history(setup.store, "remote")] == [False]
