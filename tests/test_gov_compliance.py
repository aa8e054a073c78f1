"""Risk tiers, required controls with evidence, model/data cards and the self-contained compliance pack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.gov_fixtures import PROJECT, Gov, gov_fixture, stored_run  # noqa: F401

from steward.errors import InvalidRequest
from steward.governance import cards, compliance, datasets, deployments, pack, versions
from steward.governance.compliance import tier_from_answers
from steward.types import Record, Turn

NO = {q.id: False for q in compliance.questionnaire()}


@pytest.mark.parametrize(
    ("yes", "tier"),
    [
        ((), "minimal"),
        (("interacts_with_people",), "limited"),
        (("synthetic_content",), "limited"),
        (("annex_iii_use", "interacts_with_people"), "high"),
        (("safety_component",), "high"),
        (("annex_iii_use", "narrow_task"), "limited"),  # Art. 6(3): a narrow procedural task is not high-risk
        (("narrow_task",), "minimal"),  # an exemption from nothing lifts nothing
        (("prohibited_practice", "interacts_with_people"), "prohibited"),
    ],
)
def test_the_questionnaire_gives_the_most_severe_tier(yes: tuple[str, ...], tier: str) -> None:
    assert tier_from_answers(NO | {q: True for q in yes}) == tier


def test_unanswered_or_unknown_questions_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="unanswered questions: annex_iii_use"):
        tier_from_answers({k: v for k, v in NO.items() if k != "annex_iii_use"})
    with pytest.raises(InvalidRequest, match="unknown questions shoe_size"):
        tier_from_answers(NO | {"shoe_size": True})


def test_every_tier_has_controls_and_every_control_a_check() -> None:
    from steward.governance.controls import CHECKS

    controls = compliance.catalogue()
    assert {c.check for c in controls} <= set(CHECKS)
    for tier in ("minimal", "limited", "high", "prohibited"):
        assert any(tier in c.tiers for c in controls)
    high = {c.id for c in controls if "high" in c.tiers}
    assert {
        "human_oversight",
        "record_keeping",
        "accuracy_evaluation",
        "data_governance",
        "transparency_notice",
    } <= high


def _status(report: compliance.ComplianceReport) -> dict[str, bool]:
    return {c.id: c.satisfied for c in report.controls}


def test_check_lists_missing_controls_then_their_evidence(gov: Gov) -> None:
    report = compliance.check(gov.store, gov.project, "claims", gov.alice)
    status = _status(report)
    assert report.tier == "high" and report.assessed_tier is None
    assert not status["risk_assessment"] and not status["human_oversight"] and not status["record_keeping"]
    assert status["model_documentation"] and status["audit_integrity"]  # sha256, source, licence declared
    missing = {c.id: c for c in report.controls if not c.satisfied}
    assert "steward compliance classify claims" in missing["risk_assessment"].fix

    compliance.classify(gov.store, gov.project, "claims", NO | {"annex_iii_use": True}, gov.alice)
    bob = gov.approver("bob")
    gov.approver("carol")
    record = Record.start("claims")
    record.team = "claims"
    gov.store.write_sync(record)
    stored_run(gov.store, gov.project, "claims", served=["model-a"])
    compliance.attest(
        gov.store, gov.project, "claims", "transparency_notice", "banner 'You are chatting with an AI'", gov.bob
    )
    after = compliance.check(gov.store, gov.project, "claims", gov.alice)
    status = _status(after)
    assert status["risk_assessment"] and status["tier_declared"] and status["human_oversight"]
    assert status["record_keeping"] and status["accuracy_evaluation"] and status["transparency_notice"]
    evidence = {c.id: c.evidence for c in after.controls}
    assert bob.id in evidence["human_oversight"] and "1 governed records" in evidence["record_keeping"]
    assert "attested by user:bob" in evidence["transparency_notice"]
    assert not status["robustness_testing"] and not status["guardrails"] and not status["retention"]


def test_a_mismatched_declaration_is_flagged_and_the_severer_tier_gates(gov: Gov) -> None:
    compliance.classify(gov.store, gov.project, "airport", NO | {"annex_iii_use": True}, gov.alice)
    report = compliance.check(gov.store, gov.project, "airport", gov.alice)
    assert report.declared_tier == "limited" and report.tier == "high"
    declared = next(c for c in report.controls if c.id == "tier_declared")
    assert not declared.satisfied and "set `risk_tier: high`" in declared.fix
    deployments.deploy(gov.store, gov.project, "airport", "model-c", gov.alice, canary=10)
    gov.project.apps["claims-c"].team = "ops"
    gov.project.apps["claims-c"].variant_of = "airport"
    stored_run(
        gov.store,
        gov.project,
        "claims-c",
        served=["model-c"],
        prompt_version=gov.project.app("airport").prompt.version,
    )
    with pytest.raises(Exception, match="high-risk app, so promotion needs approval"):
        deployments.promote(gov.store, gov.project, "airport", gov.alice)


def test_attestations_only_for_attestable_controls(gov: Gov) -> None:
    with pytest.raises(InvalidRequest, match="machine evidence only"):
        compliance.attest(gov.store, gov.project, "claims", "human_oversight", "trust me", gov.alice)


def test_model_card_comes_from_registry_evals_and_lineage(gov: Gov, tmp_path: Path) -> None:
    record = Record.start("claims")
    record.team, record.input, record.output = "claims", [Turn("user", "hi")], "hello"
    gov.store.write_sync(record)
    built = datasets.build_from_records(
        gov.store, gov.project, "claims", "claims-sft", gov.alice, tmp_path / "d.jsonl"
    )
    datasets.register_training_run(
        gov.store,
        gov.alice,
        "claims",
        "sft-1",
        datasets=["dataset:claims-sft"],
        base_model="model:model-a",
        produces="model:model-b",
        params={"epochs": 2},
    )
    run = stored_run(gov.store, gov.project, "claims-b", served=["model-b"])
    version = versions.resolve(gov.store, gov.alice, "model:model-b", "claims")
    card = cards.model_card(gov.store, gov.project, version)
    assert card["artefact"]["sha256"] == "b" * 64 and card["provenance"]["licence"] == "Apache-2.0"
    assert [e["id"] for e in card["evaluations"]] == [run.id]
    assert {u["app"] for u in card["intended_use"]} == {"claims-b"}
    relations = {(e["from"], e["relation"], e["to"]) for e in card["lineage"]}
    assert ("dataset:claims-sft@1", "trained_on", "training_run:sft-1@1") in relations
    assert ("training_run:sft-1@1", "produced", "model:model-b@1") in relations
    data = cards.data_card(gov.store, built.version)
    assert data["rows"] == 1 and data["rows_held"] == 1 and data["source"] == "records:claims"
    assert "training_run:sft-1@1" in data["used_by"][0]["node"]


def test_pack_is_self_contained_html_plus_json_with_a_digest(gov: Gov, tmp_path: Path) -> None:
    from steward.store import governance as sql

    hostile = PROJECT.replace(
        "purpose: Help customers with insurance claims.",
        'purpose: "Claims </script><script>alert(1)</script> <b>bold</b>"',
    )
    gov.reload(hostile)
    deployments.deploy(gov.store, gov.project, "claims", "model-b", gov.alice, canary=10)
    stored_run(gov.store, gov.project, "claims", served=["model-a"])
    html_path, json_path, _ = pack.export(gov.store, gov.project, "claims", gov.alice, tmp_path / "out")
    data = json.loads(json_path.read_text())
    digest = data.pop("digest")
    assert digest == sql.digest(json.loads(json.dumps(data, default=str)))
    assert data["compliance"]["tier"] == "high" and data["model_cards"][0]["model"] == "model:model-a@1"
    assert [d["action"] for d in data["deployments"]] == ["deploy", "baseline"]
    assert data["audit"]["verification"] == "intact" and data["audit"]["events"]
    html = html_path.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing loaded from elsewhere
    assert "<script>alert(1)" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    embedded = re.search(r'<script type="application/json" id="steward-pack">(.*?)</script>', html, re.S).group(1)
    assert json.loads(embedded)["digest"] == digest
    assert "Controls" in html and "human_oversight" in html and "model:model-a@1" in html
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".json"]  # no temp files left
