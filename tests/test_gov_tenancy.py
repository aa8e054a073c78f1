"""Tenancy and roles: a key never reads another team's data; an auditor reads its team's and changes nothing."""

from __future__ import annotations

import pytest
from tests.gov_fixtures import Gov, gov_fixture  # noqa: F401

from steward.errors import NotFound, PermissionDenied
from steward.governance import audit, compliance, lineage, privacy, tenancy, versions
from steward.governance.identity import Actor
from steward.types import Record


def _key(gov: Gov, role: str, team: str) -> Actor:
    _, info = gov.store.create_key(role, name=f"{team}-{role}", team=team)
    return Actor.from_key(info)


def _write(gov: Gov, app: str, team: str, key_id: str | None = None) -> Record:
    record = Record.start(app)
    record.team, record.key_id, record.subject, record.output = team, key_id, "sam", f"answer of {team}"
    gov.store.write_sync(record)
    return record


def test_no_key_reads_another_teams_records(gov: Gov) -> None:
    claims_dev, ops_dev = _key(gov, "developer", "claims"), _key(gov, "developer", "ops")
    theirs, ours = _write(gov, "claims", "claims"), _write(gov, "airport", "ops")
    assert [r.id for r in tenancy.records_for(gov.store, ops_dev)] == [ours.id]
    assert [r.id for r in tenancy.records_for(gov.store, claims_dev)] == [theirs.id]
    with pytest.raises(NotFound):  # exactly as for an id that does not exist
        tenancy.record_for(gov.store, ops_dev, theirs.id)
    with pytest.raises(PermissionDenied, match="may not read data of team 'claims'"):
        tenancy.records_for(gov.store, ops_dev, team="claims")
    assert tenancy.record_for(gov.store, ops_dev, ours.id).id == ours.id
    assert {r.id for r in tenancy.records_for(gov.store, gov.alice)} == {theirs.id, ours.id}  # the local operator


def test_app_keys_read_only_what_they_sent(gov: Gov) -> None:
    kiosk, other = _key(gov, "app", "ops"), _key(gov, "app", "ops")
    mine = _write(gov, "airport", "ops", key_id=kiosk.id.split(":", 1)[1])
    _write(gov, "airport", "ops", key_id=other.id.split(":", 1)[1])
    assert [r.id for r in tenancy.records_for(gov.store, kiosk)] == [mine.id]


def test_registry_and_audit_are_scoped_to_the_team(gov: Gov) -> None:
    ops_dev, claims_auditor = _key(gov, "developer", "ops"), _key(gov, "auditor", "claims")
    assert {v.team for v in versions.list_versions(gov.store, ops_dev)} == {"ops"}
    assert {v.team for v in versions.list_versions(gov.store, claims_auditor)} == {"claims"}
    with pytest.raises(NotFound):
        versions.resolve(gov.store, ops_dev, "prompt:claims")
    with pytest.raises(PermissionDenied):
        versions.list_versions(gov.store, ops_dev, team="claims")
    assert {e.team for e in audit.list_events(gov.store, team=claims_auditor.scope(None))} == {"claims"}
    assert tenancy.apps_for(gov.project, ops_dev) == ["airport"]


def test_an_auditor_reads_everything_of_its_team_and_changes_nothing(gov: Gov) -> None:
    auditor = _key(gov, "auditor", "claims")
    record = _write(gov, "claims", "claims")
    assert tenancy.record_for(gov.store, auditor, record.id).id == record.id
    assert compliance.check(gov.store, gov.project, "claims", auditor).controls
    refusals = [
        lambda: versions.register(gov.store, auditor, "claims", "dataset", "x", {"source": "s"}),
        lambda: versions.set_stage(gov.store, auditor, "model:model-a", "staging", "claims"),
        lambda: lineage.link(gov.store, auditor, "model:model-a", "model:model-b", "derived", "claims"),
        lambda: compliance.classify(gov.store, gov.project, "claims", {}, auditor),
        lambda: privacy.erase_subject(gov.store, "sam", auditor),
    ]
    before = audit.verify(gov.store).events
    for refused in refusals:
        with pytest.raises(PermissionDenied, match="auditors read everything of their team and change nothing"):
            refused()
    assert audit.verify(gov.store).events == before
    assert gov.store.count_records() == 1


def test_erasure_by_a_key_reaches_only_its_own_team(gov: Gov) -> None:
    ops_admin = _key(gov, "admin", "ops")
    claims_record, ops_record = _write(gov, "claims", "claims"), _write(gov, "airport", "ops")
    assert privacy.erase_subject(gov.store, "sam", ops_admin).records == 1
    remaining = {r.id for r in gov.store.list_records()}
    assert remaining == {claims_record.id} and ops_record.id not in remaining


def test_collections_are_readable_by_their_teams_only(gov: Gov) -> None:
    from steward.config.rag import CollectionSpec

    gov.project.collections["claims-kb"] = CollectionSpec(readers=["team:claims"])
    gov.project.collections["ops-kb"] = CollectionSpec(readers=["team:ops"])
    ops_dev = _key(gov, "developer", "ops")
    assert tenancy.collections_for(gov.project, ops_dev) == ["ops-kb"]
    with pytest.raises(PermissionDenied):
        tenancy.require_collection(gov.project, ops_dev, "claims-kb")
