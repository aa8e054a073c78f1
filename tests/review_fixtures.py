"""Shared set-up of the two-person review tests (`test_review_agreement`, `test_review_insider`,
`test_nul_characters`): a project whose two policies ask for two reviewers, the keys of the people in it, an item
held for review, and the calls a reviewer makes over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.gateway_fixtures import InProcessServer, make_runtime
from tests.guard_fixtures import GUARD_PROJECT

from steward.gateway.assemble import Runtime
from steward.governance import access
from steward.governance.identity import Actor
from steward.guardrails.review import ReviewQueue
from steward.store import ReviewItem
from steward.types import Decision, Record

# both policies ask for two reviewers: `advice` counts under advice-policy, `tips` under append-only
TWO_PERSON = GUARD_PROJECT.replace(
    "  advice-policy:\n    output:", "  advice-policy:\n    reviewers: 2\n    output:"
).replace("  append-only:\n    output:", "  append-only:\n    reviewers: 2\n    output:")
assert TWO_PERSON.count("reviewers: 2") == 2
HELD = "Guaranteed returns of 12% a year with our fund."

KEYS = [  # name, role, team, apps
    ("admin", "admin", "default", ()),
    ("ana", "developer", "default", ()),
    ("ben", "developer", "default", ()),
    ("auditor", "auditor", "default", ()),
    ("app", "app", "default", ()),
    ("other", "admin", "other-team", ()),
    ("tips-only", "developer", "default", ("tips",)),
]


def two_person_runtime(tmp: Path) -> Runtime:
    return make_runtime(tmp, TWO_PERSON)


def make_review_keys(runtime: Runtime) -> dict[str, str]:
    """One key per person of `KEYS`, made by alice: {name: secret}."""
    alice = Actor.user("alice")
    return {
        name: access.create_key(runtime.store, alice, role, name=name, team=team, apps=apps)[0]
        for name, role, team, apps in KEYS
    }


@pytest.fixture(scope="module", name="keys")
def review_keys(runtime: Runtime) -> dict[str, str]:
    return make_review_keys(runtime)


def held(runtime: Runtime, app: str = "advice") -> ReviewItem:
    """A record of `app` whose answer an output policy escalated, and its review item."""
    policy = {"advice": "advice-policy", "tips": "append-only"}[app]
    record = Record.start(app)
    record.status, record.output = "escalated", HELD
    decision = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"], policy=policy)
    record.decisions.append(decision)
    runtime.store.write_sync(record)
    return ReviewQueue(runtime.store).hold(record, decision, HELD)


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def decide(server: InProcessServer, key: str, item: str, action: str, comment: str = "") -> Any:
    return server.http.post(
        f"/v1/reviews/{item}/decision", headers=auth(key), json={"action": action, "comment": comment}
    )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
