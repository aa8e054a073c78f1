"""Risk tiers and compliance: the questionnaire, the controls each tier requires, and their evidence.

The questionnaire and the control catalogue are data (`steward/defaults/compliance/*.yaml`), so a compliance
team can review and extend them without touching code; each control names the automated check (in
`steward.governance.controls`) that gathers its evidence from the registry, deployments, evaluations, records
and the audit log. `classify` records an assessment (audited); `check` evaluates every control of the app's
effective tier — the more severe of the declared and the assessed — and says, for each, whether it is
satisfied, with the evidence, or missing, with what to do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from steward.config import Project
from steward.errors import ConfigError, InvalidRequest
from steward.governance import audit
from steward.governance.identity import Actor
from steward.governance.risk import TIERS, assessed_tier, effective_tier, more_severe
from steward.store import Statement, Store, digest
from steward.types import new_id, now


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    article: str
    tier_if_yes: str
    exempts: str | None = None


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    title: str
    article: str
    tiers: tuple[str, ...]
    check: str
    attestable: bool = False


@dataclass(slots=True)
class ControlResult:
    """One control of an app: satisfied or missing, with the evidence or what to do."""

    id: str
    title: str
    article: str
    satisfied: bool
    evidence: str
    fix: str = ""


@dataclass(slots=True)
class ComplianceReport:
    app: str
    team: str
    declared_tier: str
    assessed_tier: str | None
    tier: str
    controls: list[ControlResult] = field(default_factory=list)
    generated_at: float = field(default_factory=now)

    @property
    def missing(self) -> list[ControlResult]:
        return [c for c in self.controls if not c.satisfied]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _load(name: str) -> dict[str, Any]:
    text = resources.files("steward.defaults").joinpath("compliance", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError(f"steward/defaults/compliance/{name} is not a mapping; reinstall Steward.")
    return data


@cache
def questionnaire() -> tuple[Question, ...]:
    return tuple(Question(**q) for q in _load("questionnaire.yaml")["questions"])


@cache
def questionnaire_hash() -> str:
    return digest([asdict(q) for q in questionnaire()])


@cache
def catalogue() -> tuple[Control, ...]:
    controls = []
    for raw in _load("controls.yaml")["controls"]:
        controls.append(Control(**{**raw, "tiers": tuple(raw["tiers"])}))
    unknown = {t for c in controls for t in c.tiers} - set(TIERS)
    if unknown:
        raise ConfigError(f"controls.yaml names unknown tiers {sorted(unknown)}; use {', '.join(TIERS)}.")
    return tuple(controls)


def tier_from_answers(answers: dict[str, bool]) -> str:
    """The most severe tier among the questions answered yes, after exemptions (Art. 6(3))."""
    questions = {q.id: q for q in questionnaire()}
    missing = [q for q in questions if q not in answers]
    unknown = [a for a in answers if a not in questions]
    if unknown:
        raise InvalidRequest(
            f"unknown questions {', '.join(unknown)}; the questionnaire asks: {', '.join(questions)}."
        )
    if missing:
        raise InvalidRequest(f"unanswered questions: {', '.join(missing)}; answer every question (yes or no).")
    counted = {qid for qid, yes in answers.items() if yes}
    for q in questions.values():
        if q.exempts and q.id in counted:
            if q.exempts in counted:
                counted.discard(q.exempts)
            else:  # an exemption from a "no" has nothing to lift
                counted.discard(q.id)
    tier = "minimal"
    for qid in counted:
        tier = more_severe(tier, questions[qid].tier_if_yes)
    return tier


def classify(store: Store, project: Project, app: str, answers: dict[str, bool], actor: Actor) -> dict[str, Any]:
    """Record a risk assessment of `app` from questionnaire answers; returns the stored assessment."""
    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"the risk assessment of {app}")
    tier = tier_from_answers(answers)
    row = {
        "id": new_id("ras"),
        "app": app,
        "team": spec.team,
        "tier": tier,
        "answers": dict(sorted(answers.items())),
        "questionnaire": questionnaire_hash(),
        "at": now(),
        "by": actor.label,
    }
    detail = {"app": app, "tier": tier, "declared": spec.risk_tier}
    return _add(store, actor, "assessment", row, detail)


def attest(store: Store, project: Project, app: str, control: str, evidence: str, actor: Actor) -> dict[str, Any]:
    """A named person's statement that an attestable control is in place (e.g. a notice shown in the UI)."""
    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"attestations of {app}")
    known = {c.id: c for c in catalogue()}
    if control not in known:
        raise InvalidRequest(f"unknown control {control!r}; see `steward compliance check {app}` for the list.")
    if not known[control].attestable:
        raise InvalidRequest(
            f"control {control!r} is proven by machine evidence only; attestations cannot satisfy it."
        )
    if not evidence.strip():
        raise InvalidRequest(
            "give the evidence: where the notice is shown, the document or ticket that proves it."
        )
    row = {
        "id": new_id("att"),
        "app": app,
        "team": spec.team,
        "control": control,
        "evidence": evidence.strip(),
        "at": now(),
        "by": actor.label,
    }
    return _add(store, actor, "attestation", row, {"app": app, "control": control})


def _add(
    store: Store, actor: Actor, kind: Statement, row: dict[str, Any], detail: dict[str, Any]
) -> dict[str, Any]:
    """Store an assessment or an attestation with its audit event (`compliance.classify` / `.attest`)."""
    action = "compliance.classify" if kind == "assessment" else "compliance.attest"
    with audit.changing(store) as tx:
        stored = tx.compliance.add(kind, row)
        audit.append(tx, actor, action, f"{kind}:{row['id']}", None, stored, team=row["team"], detail=detail)
    return row


def check(store: Store, project: Project, app: str, actor: Actor) -> ComplianceReport:
    """Evaluate every control the app's effective tier requires."""
    from steward.governance.controls import Context, run_check

    spec = project.app(app, team=actor.team)
    actor.require_read(spec.team, f"compliance of {app}")
    with store.reading() as tx:
        assessed = assessed_tier(tx.compliance, app)
        tier = effective_tier(tx.compliance, app, spec)
    report = ComplianceReport(
        app=app, team=spec.team, declared_tier=spec.risk_tier, assessed_tier=assessed, tier=tier
    )
    context = Context(store=store, project=project, app=app, spec=spec, tier=tier, assessed=assessed)
    attested: dict[str, Any] = {}
    for row in store.compliance.attestations_of(app):
        attested[row.control] = row
    for control in catalogue():
        if tier not in control.tiers:
            continue
        satisfied, evidence, fix = run_check(control.check, context)
        if not satisfied and control.attestable and control.id in attested:
            row = attested[control.id]
            satisfied, evidence, fix = True, f"attested by {row.by} on {_day(row.at)}: {row.evidence}", ""
        report.controls.append(ControlResult(control.id, control.title, control.article, satisfied, evidence, fix))
    return report


def _day(at: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")
