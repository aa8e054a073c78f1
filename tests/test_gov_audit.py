"""The audit chain: every governance action appends an event; editing, removing or reordering is detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from tests.gov_fixtures import Gov, gov_fixture  # noqa: F401
from typer.testing import CliRunner

from steward.cli import app as cli_app
from steward.governance import audit, deployments
from steward.governance.errors import AuditBroken
from steward.governance.identity import Actor
from steward.store import Store

DROP_TRIGGERS = ("DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete")


def _some_history(gov: Gov) -> None:
    deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=10)
    deployments.rollback(gov.store, gov.project, "airport", gov.bob)
    audit.append(gov.store, "key:key_test", "key.create", "key:key_test", None, {"role": "app"}, team="ops")


def _tamper(gov: Gov, *statements: str) -> None:
    """What someone with write access to the database file could do (they can drop triggers too)."""
    with gov.store.engine.begin() as conn:
        for statement in (*DROP_TRIGGERS, *statements):
            conn.execute(text(statement))


def test_every_action_is_an_event_with_who_what_when_and_hashes(gov: Gov) -> None:
    _some_history(gov)
    events = audit.list_events(gov.store, limit=100)
    actions = [e.action for e in reversed(events)]
    assert actions[0] == "registry.register" and "config.apply" in actions
    assert {"deployment.baseline", "deployment.deploy", "deployment.rollback", "key.create"} <= set(actions)
    rollback = next(e for e in events if e.action == "deployment.rollback")
    assert rollback.actor == "user:bob" and rollback.subject.startswith("deployment:dep_")
    assert rollback.before_hash.startswith("sha256:") and rollback.after_hash.startswith("sha256:")
    assert [e.seq for e in reversed(events)] == list(range(1, len(events) + 1))
    result = audit.verify(gov.store)
    assert result.ok and result.events == len(events) and result.rows_checked > 0


def test_the_database_refuses_updates_and_deletes_of_events(gov: Gov) -> None:
    with pytest.raises(DatabaseError, match="append-only"), gov.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1"))
    with pytest.raises(DatabaseError, match="append-only"), gov.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    assert audit.verify(gov.store).ok


def test_an_edited_event_is_named(gov: Gov) -> None:
    _some_history(gov)
    _tamper(gov, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    result = audit.verify(gov.store)
    assert not result.ok and result.broken_seq == 3
    assert "event #3" in result.problem and "was edited" in result.problem


def test_a_removed_event_is_named(gov: Gov) -> None:
    _some_history(gov)
    _tamper(gov, "DELETE FROM audit_events WHERE seq = 4")
    result = audit.verify(gov.store)
    assert result.broken_seq == 4 and "event #4 is missing" in result.problem


def test_reordered_events_are_named(gov: Gov) -> None:
    _some_history(gov)
    _tamper(
        gov,
        "UPDATE audit_events SET seq = -1 WHERE seq = 5",
        "UPDATE audit_events SET seq = 5 WHERE seq = 6",
        "UPDATE audit_events SET seq = 6 WHERE seq = -1",
    )
    result = audit.verify(gov.store)
    assert result.broken_seq == 5 and "does not follow event #4" in result.problem


def test_removed_trailing_events_are_noticed_by_the_head_and_by_an_anchor(gov: Gov) -> None:
    _some_history(gov)
    head = audit.verify(gov.store)
    last = head.head_seq
    _tamper(gov, f"DELETE FROM audit_events WHERE seq = {last}")
    assert "trailing events were removed" in audit.verify(gov.store).problem
    with gov.store.engine.begin() as conn:  # a careful editor rewrites the head too...
        prev = conn.execute(text(f"SELECT hash FROM audit_events WHERE seq = {last - 1}")).scalar_one()
        conn.execute(text(f"UPDATE audit_head SET seq = {last - 1}, hash = '{prev}'"))
    assert audit.verify(gov.store).ok  # ...which only an anchor kept elsewhere reveals
    broken = audit.verify(gov.store, anchor=(last, head.head_hash))
    assert not broken.ok and f"anchored event #{last} is no longer in the log" in broken.problem


@pytest.fixture
def sealed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.KEY_ENV, "the-audit-key-kept-in-a-vault")


def test_a_rewritten_chain_without_the_key_is_detected(
    sealed: None, gov: Gov, monkeypatch: pytest.MonkeyPatch
) -> None:
    _some_history(gov)  # every event is sealed with the key
    assert audit.verify(gov.store).ok and audit.verify(gov.store).unkeyed == 0
    # Mallory edits event 8 and recomputes every later hash and the head with plain sha256 (she lacks the key).
    _tamper(gov, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 8")
    rows = list(gov.store.audit.iter_events())
    prev = next(r.hash for r in rows if r.seq == 7)
    with gov.store.engine.begin() as conn:
        for row in [r for r in rows if r.seq >= 8]:
            content = audit._hashed_content(dict(row._mapping) | {"prev_hash": prev})
            digest = audit._chain_hash(prev, content, None)
            conn.execute(
                text("UPDATE audit_events SET prev_hash = :p, hash = :h, keyed = :k WHERE seq = :s"),
                {"p": prev, "h": digest, "k": False, "s": row.seq},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    result = audit.verify(gov.store)
    assert result.broken_seq == 8 and "not sealed with the audit key" in result.problem
    monkeypatch.delenv(audit.KEY_ENV)
    with Store.open(str(gov.store.engine.url)) as without_key:  # a process started without the key
        assert "set STEWARD_AUDIT_KEY" in audit.verify(without_key).problem


def test_a_governed_row_written_outside_steward_is_named_and_gates_refuse(gov: Gov) -> None:
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    with gov.store.engine.begin() as conn:  # a forged approval, straight into the table
        conn.execute(
            text(
                "INSERT INTO approvals (id, deployment_id, app, team, approver, role, at) "
                "SELECT 'apr_forged', id, app, team, 'user:mallory', 'admin', 0 FROM deployments WHERE seq = 2"
            )
        )
    result = audit.verify(gov.store)
    assert not result.ok and "approval apr_forged matches no audit event" in result.problem
    with pytest.raises(AuditBroken, match="promoting claims refused: the audit log is broken"):
        deployments.promote(gov.store, gov.project, "claims", gov.alice)
    with pytest.raises(AuditBroken):
        deployments.approve(gov.store, gov.project, "claims", gov.bob)
    assert deployments.rollback(gov.store, gov.project, "claims", gov.alice).candidate is None  # always possible


def test_an_edited_deployment_row_is_named(gov: Gov) -> None:
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    with gov.store.engine.begin() as conn:
        conn.execute(text("""UPDATE deployments SET stable = '[["model-c", 100.0]]' WHERE seq = 2"""))
    problem = audit.verify(gov.store).problem
    assert "(app claims, seq 2) matches no audit event" in problem


@pytest.fixture
def cli_env(gov: Gov, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Gov:
    from tests.gov_fixtures import PROJECT

    (tmp_path / "steward.yaml").write_text(PROJECT)
    monkeypatch.setenv("STEWARD_CONFIG", str(tmp_path / "steward.yaml"))
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path))
    monkeypatch.setenv("STEWARD_DATABASE_URL", str(gov.store.engine.url))
    yield gov


def test_cli_verify_exits_non_zero_naming_the_event_and_list_prints_json(cli_env: Gov) -> None:
    runner = CliRunner()
    deployed = runner.invoke(cli_app, ["deploy", "airport", "--model", "model-c", "--canary", "10"])
    assert deployed.exit_code == 0, deployed.output
    listed = runner.invoke(cli_app, ["audit", "list", "--json", "--limit", "3"])
    events = json.loads(listed.stdout)
    assert events[0]["actor"] == Actor.user().id and events[0]["seq"] > events[-1]["seq"]
    ok = runner.invoke(cli_app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.stdout
    _tamper(cli_env, "UPDATE audit_events SET detail = '{}' WHERE seq = 2")
    broken = runner.invoke(cli_app, ["audit", "verify"])
    assert broken.exit_code == 1 and "event #2" in broken.output and "was edited" in broken.output


def test_events_read_in_small_pages_are_every_event_in_seq_order(gov: Gov) -> None:
    _some_history(gov)
    seqs = [r.seq for r in gov.store.audit.iter_events()]
    assert len(seqs) > 3 and seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for chunk in (1, 2, len(seqs)):  # a last page that is full, then an empty one
        assert [r.seq for r in gov.store.audit.iter_events(chunk=chunk)] == seqs
