"""The registry: immutable versions by content hash, stages, lineage, apply from steward.yaml, migration schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from tests.gov_fixtures import PROJECT, Gov, gov_fixture, load  # noqa: F401

from steward.errors import InvalidRequest, NotFound
from steward.governance import apply, audit, datasets, lineage, versions
from steward.store import governance as sql
from steward.store.schema import metadata

GOVERNANCE_TABLES = {
    "registry_entries",
    "registry_labels",
    "lineage_edges",
    "deployments",
    "approvals",
    "approvers",
    "audit_events",
    "audit_head",
    "risk_assessments",
    "attestations",
    "provider_checks",
    "dataset_rows",
    "privacy_anonymised",
}


def test_migration_creates_exactly_the_declared_tables(gov: Gov) -> None:
    def table_of(diff: object) -> str | None:
        if isinstance(diff, list):
            diff = diff[0]
        assert isinstance(diff, tuple)
        if diff[0].startswith("modify_") or diff[0] in ("add_column", "remove_column"):
            return str(diff[2])
        element = diff[1]
        return str(getattr(getattr(element, "table", None), "name", None) or getattr(element, "name", None))

    with gov.store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diffs if table_of(d) in GOVERNANCE_TABLES] == []
    assert set(sql.metadata.tables) >= GOVERNANCE_TABLES


def test_apply_registers_each_declaration_once_per_team_and_is_idempotent(gov: Gov) -> None:
    refs = {(v.team, v.ref) for v in versions.list_versions(gov.store, gov.alice)}
    assert ("claims", "model:model-a@1") in refs and ("ops", "model:model-a@1") in refs
    assert ("claims", "prompt:claims@1") in refs and ("ops", "prompt:airport@1") in refs
    assert ("ops", "model:model-b@1") in refs and ("ops", "model:model-c@1") in refs  # fallback counts as use
    again = apply.apply_project(gov.store, gov.project, gov.alice)
    assert (
        again.registered == [] and not again.config_changed and again.unchanged == len(apply.planned(gov.project))
    )


def test_changed_content_is_a_new_version_and_old_versions_never_change(gov: Gov) -> None:
    before = versions.resolve(gov.store, gov.alice, "prompt:claims@1", "claims")
    changed = load(
        PROJECT.replace('{system: "Answer in one word."}', '{system: "Answer in two words."}', 1), gov.home
    )
    result = apply.apply_project(gov.store, changed, gov.alice)
    assert [v.ref for v in result.registered] == ["prompt:claims@2"] and result.config_changed
    assert versions.resolve(gov.store, gov.alice, "prompt:claims", "claims").version == 2
    assert versions.resolve(gov.store, gov.alice, "prompt:claims@1", "claims") == before
    back = apply.apply_project(gov.store, gov.project, gov.alice)  # the old text again: found by its hash
    assert back.registered == [] and back.config_changed
    event = audit.list_events(gov.store, action="config.")[0]
    assert event.before_hash == result.config_hash and event.after_hash == back.config_hash


def test_a_local_artefact_without_a_declared_hash_is_pinned_by_its_bytes(tmp_path: Path, gov: Gov) -> None:
    (tmp_path / "m.gguf").write_bytes(b"GGUF weights")
    text_ = PROJECT.replace(
        "  model-c:\n    backend: scripted",
        "  model-d:\n    backend: llama_cpp\n    path: m.gguf\n"
        "    source: local\n    licence: MIT\n  model-c:\n    backend: scripted",
    )
    project = load(text_, tmp_path)
    spec = apply.model_spec(project, "model-d")
    import hashlib

    assert spec["sha256"] == hashlib.sha256(b"GGUF weights").hexdigest()


def test_stages_are_exclusive_per_name_and_archived_clears_them(gov: Gov) -> None:
    changed = load(PROJECT.replace('replies: ["London"]', 'replies: ["Rome"]'), gov.home)
    apply.apply_project(gov.store, changed, gov.alice)
    versions.set_stage(gov.store, gov.alice, "model:model-c@1", "staging", "claims")
    moved = versions.set_stage(gov.store, gov.alice, "model:model-c@2", "staging", "claims")
    assert "staging" in moved.labels
    assert "staging" not in versions.resolve(gov.store, gov.alice, "model:model-c@1", "claims").labels
    archived = versions.set_stage(gov.store, gov.alice, "model:model-c@2", "archived", "claims")
    assert archived.labels == ("archived",)
    tagged = versions.set_stage(gov.store, gov.alice, "model:model-c@1", "reviewed-2025q1", "claims")
    assert "reviewed-2025q1" in tagged.labels
    with pytest.raises(InvalidRequest, match="is not a label"):
        versions.set_stage(gov.store, gov.alice, "model:model-c@1", "Bad Label", "claims")


def test_references_are_parsed_strictly(gov: Gov) -> None:
    assert versions.parse_ref("model:qwen@2") == versions.Ref("model", "qwen", 2)
    assert versions.parse_ref("prompt:app") == versions.Ref("prompt", "app", None)
    assert versions.parse_ref("qwen2.5-coder@latest") == versions.Ref("model", "qwen2.5-coder", None)
    for bad in ("model:@1", "qwen@0", "qwen@two", "a b"):
        with pytest.raises(InvalidRequest):
            versions.parse_ref(bad)
    with pytest.raises(InvalidRequest, match="exists in teams claims, ops; pass --team"):
        versions.resolve(gov.store, gov.alice, "model:model-a")
    with pytest.raises(NotFound, match="steward registry apply"):
        versions.resolve(gov.store, gov.alice, "model:model-a@9", "claims")


def test_lineage_links_dataset_run_model_and_is_walked_both_ways(gov: Gov, tmp_path: Path) -> None:
    data = tmp_path / "faq.jsonl"
    data.write_text('{"q": "a"}\n{"q": "b"}\n')
    dataset, created = datasets.register_file(
        gov.store, gov.alice, "claims", "faq", data, source="intranet FAQ", consent="no personal data"
    )
    assert created and dataset.spec["rows"] == 2 and dataset.spec["file_hash"].startswith("sha256:")
    assert (
        datasets.register_file(
            gov.store, gov.alice, "claims", "faq", data, source="intranet FAQ", consent="no personal data"
        )[1]
        is False
    )
    run = datasets.register_training_run(
        gov.store,
        gov.alice,
        "claims",
        "lora-1",
        datasets=["dataset:faq@1"],
        base_model="model-a",
        produces="model-b",
        params={"rank": 8},
    )
    model_b = versions.resolve(gov.store, gov.alice, "model:model-b", "claims")
    up = lineage.walk(gov.store, model_b.node, "up")
    assert {(e.parent, e.relation) for e in up} == {
        (run.node, "produced"),
        (dataset.node, "trained_on"),
        (versions.resolve(gov.store, gov.alice, "model:model-a", "claims").node, "fine_tuned_from"),
    }
    down = lineage.walk(gov.store, dataset.node, "down")
    assert [e.child for e in down] == [run.node, model_b.node]
    assert lineage.describe(gov.store, [run.node])[run.node] == "training_run:lora-1@1"
    with pytest.raises(InvalidRequest, match="source and its consent"):
        datasets.register_file(gov.store, gov.alice, "claims", "bad", data, source="", consent="")


def test_an_edited_version_no_longer_matches_its_content_hash(gov: Gov) -> None:

    with gov.store.engine.begin() as conn:
        conn.execute(text("UPDATE registry_entries SET spec = replace(spec, 'Apache-2.0', 'proprietary')"))
    assert "matches no audit event" in audit.verify(gov.store).problem
