"""The review queue: its migration on SQLite and PostgreSQL, who may decide, decisions are final, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

import steward.store.guardrails  # noqa: F401  (declares review_items on the shared metadata)
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.guardrails.review import ReviewQueue
from steward.store import Store
from steward.store.schema import metadata
from steward.types import LOCAL_OPERATOR, Decision, Principal, Record

pytest_plugins = ["tests.store_fixtures"]

ADMIN = Principal(key_id="key_admin", role="admin", team="travel", name="alice")
OTHER_ADMIN = Principal(key_id="key_admin2", role="admin", team="ops", name="olga")
DEVELOPER = Principal(key_id="key_dev", role="developer", team="travel", name="dev")
OTHER_DEVELOPER = Principal(key_id="key_dev2", role="developer", team="claims")
AUDITOR = Principal(key_id="key_aud", role="auditor", team="travel")
APP_KEY = Principal(key_id="key_app", role="app", team="travel")


def _escalated(store: Store, team: str = "travel") -> tuple[Record, Decision]:
    record = Record.start("booking")
    record.team, record.status, record.output = team, "escalated", "held answer"
    decision = Decision(
        stage="output",
        action="escalate",
        reasons=["compliance:guarantee"],
        policy="p",
        policy_version="sha256:abc",
    )
    record.decisions.append(decision)
    store.write_sync(record)
    return record, decision


def test_migration_matches_the_declared_table(store: Store) -> None:
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diffs if "review_items" in repr(d) or "review_labels" in repr(d)] == []


def test_hold_list_approve_and_decisions_are_final(store: Store) -> None:
    queue = ReviewQueue(store)
    record, decision = _escalated(store)
    item = queue.hold(record, decision, "The fund has guaranteed returns.")
    assert [i.id for i in queue.list(DEVELOPER)] == [item.id]
    assert queue.get(AUDITOR, record.id).held_text == "The fund has guaranteed returns."
    approved = queue.approve(DEVELOPER, item.id, "checked with compliance")
    decided = ("approved", "key:key_dev (dev)", "checked with compliance")  # named as in the audit log
    assert (approved.status, approved.decided_by, approved.note) == decided
    assert approved.held_text == "The fund has guaranteed returns."  # released to the client
    with pytest.raises(InvalidRequest, match=r"already approved by key:key_dev \(dev\)"):
        queue.reject(ADMIN, item.id)
    assert queue.list(ADMIN) == [] and len(queue.list(ADMIN, status=None)) == 1


def test_rejecting_erases_the_held_text(store: Store) -> None:
    queue = ReviewQueue(store)
    record, decision = _escalated(store)
    item = queue.hold(record, decision, "something risky")
    rejected = queue.reject(ADMIN, item.id, "not acceptable")
    assert rejected.status == "rejected" and rejected.held_text is None


def test_roles_and_teams_decide_who_may_review(store: Store) -> None:
    queue = ReviewQueue(store)
    record, decision = _escalated(store, team="travel")
    item = queue.hold(record, decision, "held")
    with pytest.raises(PermissionDenied, match="auditor key may not decide"):
        queue.approve(AUDITOR, item.id)
    with pytest.raises(PermissionDenied, match="app key may not read"):
        queue.list(APP_KEY)
    for stranger in (OTHER_DEVELOPER, OTHER_ADMIN):  # an admin key is no exception: its own team only
        with pytest.raises(NotFound, match=f"no review item '{item.id}'"):  # as for a missing item: no probing
            queue.approve(stranger, item.id)
        with pytest.raises(NotFound, match=f"no review item '{record.id}'"):
            queue.get(stranger, record.id)
        assert queue.list(stranger) == []  # other teams' items are not even listed
    assert queue.list(LOCAL_OPERATOR) != []  # the local operator (no key) sees every team
    assert queue.approve(ADMIN, item.id).decided_by == "key:key_admin (alice)"


def test_an_unknown_item_or_status_is_a_clear_error(store: Store) -> None:
    queue = ReviewQueue(store)
    with pytest.raises(NotFound, match="steward review list"):
        queue.approve(LOCAL_OPERATOR, "rev_missing")
    with pytest.raises(InvalidRequest, match="pending, approved, rejected"):
        queue.list(LOCAL_OPERATOR, status="done")


def test_review_cli_lists_and_approves_as_the_local_operator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.cli import app, context

    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'steward.db'}")
    monkeypatch.delenv("STEWARD_API_KEY", raising=False)
    store = context.Session().open_store()  # the store the commands open, as they resolve it
    record, decision = _escalated(store)
    item = ReviewQueue(store).hold(record, decision, "held answer")
    runner = CliRunner()
    listed = runner.invoke(app, ["review", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [i["id"] for i in json.loads(listed.output)] == [item.id]
    approved = runner.invoke(app, ["review", "approve", record.id, "--note", "fine"])
    assert approved.exit_code == 0 and f"approved {item.id}" in approved.output
    shown = json.loads(runner.invoke(app, ["review", "show", item.id]).output)
    assert shown["status"] == "approved" and shown["note"] == "fine"


def test_review_cli_refuses_an_unknown_app_naming_the_apps_and_says_when_none_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from steward.cli import app

    monkeypatch.chdir(tmp_path)  # no steward.yaml here: the embedded demo (airport-assistant)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'steward.db'}")
    monkeypatch.delenv("STEWARD_API_KEY", raising=False)
    runner = CliRunner()
    unknown = runner.invoke(app, ["review", "list", "--app", "claims-bot"])
    assert isinstance(unknown.exception, NotFound)
    assert "unknown app 'claims-bot'; your apps are: airport-assistant" in unknown.exception.message
    empty = runner.invoke(app, ["review", "list", "--app", "airport-assistant"])
    assert empty.exit_code == 0 and "no review items of airport-assistant with status pending" in empty.output
