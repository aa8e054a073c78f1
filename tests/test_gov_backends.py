"""Governance on both backends: the migration, the append-only triggers, a release cycle and the chain check."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from tests.gov_fixtures import PROJECT, load, stored_run

from steward.governance import access, apply, approvers, audit, deployments
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor
from steward.store import Store
from steward.types import Record

pytest_plugins = ["tests.store_fixtures"]


def test_a_release_cycle_and_tamper_detection(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    project = load(PROJECT, tmp_path)
    root = Actor.user("root")
    apply.apply_project(store, project, root)
    alice, bob, carol = (
        Actor.from_key(access.create_key(store, root, "developer", team="claims", name=name)[1])
        for name in ("alice", "bob", "carol")
    )
    deployments.deploy(store, project, "claims", "model-b", alice, canary=25)
    stored_run(store, project, "claims-b", served=["model-b"])
    for approver in (alice, bob, carol):
        approvers.grant(store, root, "claims", approver.id)
    records = [Record.start("claims") for _ in range(3)]
    for record in records:
        store.write_sync(record)
    with pytest.raises(RuleViolation, match="approving one's own change"):
        deployments.approve(store, project, "claims", alice)
    deployments.approve(store, project, "claims", bob)
    deployments.approve(store, project, "claims", carol)
    deployments.promote(store, project, "claims", alice)
    assert deployments.effective_route(store, "claims", project.app("claims"))[0] == [("model-b", 100.0)]
    deployments.rollback(store, project, "claims", bob)
    result = audit.verify(store)
    assert result.ok, result.problem
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    drop = (
        ["DROP TRIGGER audit_events_append_only ON audit_events"]
        if store.engine.dialect.name == "postgresql"
        else ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"]
    )
    with store.engine.begin() as conn:
        for statement in drop:
            conn.execute(text(statement))
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    broken = audit.verify(store)
    assert broken.broken_seq == 2 and "was edited" in broken.problem
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE records SET status = 'ok' WHERE id = :id"), {"id": records[0].id})
        conn.execute(text("DELETE FROM records WHERE id = :id"), {"id": records[1].id})
    problems = "\n".join(audit.verify(store).problems)
    assert f"record {records[0].id}" in problems and "record #2 of the chain of records is missing" in problems
