"""Review decisions are governance actions: one audit event each, naming the key or OS account that decided,
committed with the decision, and checked by `steward audit verify`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from steward.errors import InvalidRequest
from steward.governance import access, audit
from steward.governance.identity import Actor
from steward.guardrails.review import ReviewQueue
from steward.store import ReviewItem, Store, decision_digest
from steward.store.guardrails import review_items
from steward.types import LOCAL_OPERATOR, Decision, Principal, Record

pytest_plugins = ["tests.store_fixtures"]

ALICE = Principal(key_id="key_alice", role="admin", team="travel", name="alice")
BOB = Principal(key_id="key_bob", role="developer", team="travel", name="bob")
HELD = "Mrs Jane Roe, passport X1234567, is guaranteed a refund."


def _held_item(store: Store, team: str = "travel") -> ReviewItem:
    record = Record.start("booking")
    record.team, record.status, record.output = team, "escalated", HELD
    decision = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"], policy="p")
    record.decisions.append(decision)
    store.write_sync(record)
    return ReviewQueue(store).hold(record, decision, HELD)


def _review_events(store: Store) -> list[audit.Event]:
    return audit.list_events(store, subject="review:", limit=100)


def test_each_decision_is_one_event_naming_the_key_that_made_it(store: Store) -> None:
    queue = ReviewQueue(store)
    first, second = _held_item(store), _held_item(store)
    queue.approve(ALICE, first.id, "disclosure present")
    queue.reject(BOB, second.id, "promises a refund")
    with pytest.raises(InvalidRequest, match="a decision is final"):  # refused: rolled back, no second event
        queue.reject(BOB, first.id, "too late")
    events = {e.subject: e for e in _review_events(store)}
    assert len(_review_events(store)) == 2
    approved, rejected = events[f"review:{first.id}"], events[f"review:{second.id}"]
    assert (approved.action, approved.actor) == ("review.approve", "key:key_alice (alice)")
    assert approved.team == "travel"
    assert (rejected.action, rejected.actor) == ("review.reject", "key:key_bob (bob)")
    assert approved.detail["record_id"] == first.record_id and approved.detail["decision"] == "approved"
    assert rejected.detail["note"] == "promises a refund" and rejected.detail["decision"] == "rejected"
    assert approved.after_hash == decision_digest(queue.get(ALICE, first.id))
    assert all(HELD not in json.dumps(e.as_dict()) for e in _review_events(store))  # never the held text
    result = audit.verify(store)
    assert result.ok, result.problems
    assert result.reviews_checked == 2


def test_the_local_operator_is_named_by_its_os_account(store: Store) -> None:
    item = _held_item(store)
    decided = ReviewQueue(store).approve(LOCAL_OPERATOR, item.id)
    (event,) = _review_events(store)
    assert event.actor == decided.decided_by == Actor.user().label  # `user:<login>`, never "local operator"


def _tampered(store: Store, **values: object) -> list[str]:
    with store.engine.begin() as conn:
        conn.execute(update(review_items).values(**values))
    return audit.verify(store).problems


def test_editing_a_decision_outside_steward_is_reported(store: Store) -> None:
    item = _held_item(store)
    ReviewQueue(store).reject(ALICE, item.id, "no")
    assert audit.verify(store).ok
    problems = _tampered(store, status="approved", decided_by="key:key_bob (bob)")
    assert any(f"review item {item.id}" in p and "edited outside Steward" in p for p in problems), problems


def test_resetting_a_decision_to_pending_is_reported(store: Store) -> None:
    item = _held_item(store)
    ReviewQueue(store).approve(ALICE, item.id)
    problems = _tampered(store, status="pending", decided_by=None, decided_at=None)
    assert any(f"review item {item.id}" in p and "pending again" in p for p in problems), problems


def test_a_decision_without_an_event_is_reported_beyond_the_legacy_ones(store: Store) -> None:
    legacy = _held_item(store)
    store.reviews.decide(legacy.id, "approved", "alice", "")  # decided before decisions were audited: no event
    assert audit.verify(store).ok  # nothing tells it apart while no decision was audited
    ReviewQueue(store).approve(ALICE, _held_item(store).id)  # the first audited decision counts it
    assert audit.verify(store).ok
    forged = _held_item(store)
    store.reviews.decide(forged.id, "approved", "key:key_alice (alice)", "")  # the table, not the queue
    problems = audit.verify(store).problems
    assert any(forged.id in p and "matches no audit event" in p for p in problems), problems


def test_cli_decision_with_a_key_names_that_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from steward.cli import app, context

    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'steward.db'}")
    monkeypatch.delenv("STEWARD_API_KEY", raising=False)
    store = context.Session().open_store()  # the store the commands open, as they resolve it
    root = Actor.user("root")
    secret_a, key_a = access.create_key(store, root, "developer", team="travel", name="anna")
    access.create_key(store, root, "developer", team="travel", name="ben")
    item = _held_item(store)
    runner = CliRunner()
    done = runner.invoke(app, ["review", "approve", item.id, "--note", "fine", "--key", secret_a])
    assert done.exit_code == 0, done.output
    (event,) = _review_events(store)
    assert event.actor == f"key:{key_a.id} (anna)" and event.detail["note"] == "fine"
    listed = runner.invoke(app, ["audit", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert any(e["action"] == "review.approve" and e["actor"] == event.actor for e in json.loads(listed.output))
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "1 review items" in verified.output, verified.output
