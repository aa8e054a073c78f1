"""The automated evidence checks behind compliance controls; each returns (satisfied, evidence, what to do).

Checks read only: the registry (model provenance), deployments (what serves now), stored evaluation and
red-team runs, records, approvers, provider checks and the audit log. Each names the rows it relied on, so the
evidence can be followed up, and a missing control always says which command produces the evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from steward.config import AppSpec, Project
from steward.governance import audit, lineage, versions
from steward.governance.apply import model_spec
from steward.store import Store, digest

Outcome = tuple[bool, str, str]
PROVIDER_CHECK_MAX_AGE_S = 7 * 24 * 3600


@dataclass
class Context:
    store: Store
    project: Project
    app: str
    spec: AppSpec
    tier: str
    assessed: str | None

    def serving_models(self) -> list[str]:
        """The models of the app's current stable route (its deployment, else steward.yaml's)."""
        from steward.governance.deployments import current

        dep = current(self.store, self.app)
        return [m for m, _ in dep.stable] if dep is not None else [r.model for r in self.spec.route]

    def declared_version(self, model: str) -> versions.Version | None:
        """The registry version identical to what steward.yaml declares for `model`, if registered."""
        if model not in self.project.models:
            return None
        with self.store.reading() as tx:
            row = tx.registry.find_entry(self.spec.team, "model", model, digest(model_spec(self.project, model)))
            return versions.by_id(tx, row.id) if row is not None else None


def _day(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC") if at else "never"


def _outcome(problems: list[str], evidence: list[str], hint: str) -> Outcome:
    """Met, with its evidence, when nothing is wrong; else not met, with every problem and what to do."""
    if problems:
        return False, "; ".join(problems), hint
    return True, "; ".join(evidence), ""


def risk_assessment(c: Context) -> Outcome:
    row = c.store.compliance.latest_assessment(c.app)
    if row is None:
        return False, "no assessment recorded", f"answer the questionnaire: `steward compliance classify {c.app}`"
    return True, f"assessed {row.tier} on {_day(row.at)} by {row.by} (assessment {row.id})", ""


def tier_consistent(c: Context) -> Outcome:
    if c.assessed is None:
        return False, "nothing to compare: no assessment yet", f"`steward compliance classify {c.app}`"
    if c.assessed == c.spec.risk_tier:
        return True, f"steward.yaml declares {c.spec.risk_tier}, as assessed", ""
    return (
        False,
        f"steward.yaml declares {c.spec.risk_tier}, the assessment says {c.assessed} (gates use {c.tier})",
        f"set `risk_tier: {c.assessed}` under apps.{c.app} in steward.yaml",
    )


def not_prohibited(c: Context) -> Outcome:
    return (
        False,
        f"{c.app} is assessed as a prohibited practice (EU AI Act Art. 5)",
        "withdraw the app; it must not be placed on the market or used",
    )


def model_documentation(c: Context) -> Outcome:
    problems, evidence = [], []
    for model in c.serving_models():
        version = c.declared_version(model)
        if version is None:
            problems.append(f"{model} is not registered")
            continue
        spec = version.spec
        pinned = spec.get("sha256") or (spec.get("base_url") and spec.get("remote_model"))
        absent = [
            f
            for f, ok in (
                ("artefact sha256", pinned),
                ("source", spec.get("source")),
                ("licence", spec.get("licence")),
            )
            if not ok
        ]
        if absent:
            problems.append(f"{version.ref} lacks {', '.join(absent)}")
        else:
            evidence.append(
                f"{version.ref} (sha256 {str(spec.get('sha256') or '-')[:12]}…, {spec.get('licence')})"
            )
    return _outcome(
        problems, evidence, "declare sha256, source and licence in steward.yaml, then `steward registry apply`"
    )


def record_keeping(c: Context) -> Outcome:
    count, newest = c.store.compliance.count_app_records(c.app)
    if count == 0:
        return (
            False,
            "no records of this app yet",
            "serve requests through Steward; each becomes a governed record",
        )
    return True, f"{count} governed records, newest {_day(newest)}", ""


def audit_integrity(c: Context) -> Outcome:
    result = audit.verify(c.store)
    if not result.ok:
        return False, str(result.problem), "investigate with `steward audit verify`; restore from a backup"
    return True, f"{result.events} events, chain intact up to #{result.head_seq} ({result.head_hash[:16]}…)", ""


def transparency_notice(c: Context) -> Outcome:
    notice = getattr(c.spec, "notice", None)
    if notice:
        return True, f"steward.yaml notice: {str(notice)[:120]}", ""
    return (
        False,
        "no notice declared",
        f"declare `notice:` for {c.app}, or attest where it is shown: "
        f"`steward compliance attest {c.app} transparency_notice --evidence ...`",
    )


def human_oversight(c: Context) -> Outcome:
    active = [r.principal for r in c.store.deployments.list_approvers(c.spec.team) if r.revoked_at is None]
    if len(active) < 2:
        return (
            False,
            f"team {c.spec.team!r} has {len(active)} approver(s); high-risk promotions need two",
            f"grant two people: `steward approvers add NAME --team {c.spec.team}`",
        )
    evidence = f"approvers {', '.join(active)}; promotions of {c.app} are refused without two approvals"
    from steward.governance.deployments import current

    dep = current(c.store, c.app)
    if dep is not None and dep.action == "promote" and dep.note:
        evidence += f"; current release #{dep.seq}: {dep.note}"
    return True, evidence, ""


def accuracy_evaluation(c: Context) -> Outcome:
    from steward.governance.gates import eval_problem

    runs = c.store.evals.list_runs(kind="suite", limit=500)
    found, problems = [], []
    for model in c.serving_models():
        version = c.declared_version(model)
        run = next((r for r in runs if version and eval_problem(r, version, c.project, c.app) is None), None)
        if run is None:
            problems.append(f"no passing suite run served by {model} under prompt {c.spec.prompt.version}")
        else:
            found.append(f"{model}: run {run.id} ({run.name}, {_day(run.created_at)}, gates passed)")
    return _outcome(problems, found, "run an evaluation suite on the app: `steward eval run SUITE`")


def robustness_testing(c: Context) -> Outcome:
    runs = c.store.evals.list_runs(app=c.app, kind="redteam", limit=1)
    if not runs:
        return False, "no red-team run of this app", f"scan it: `steward redteam {c.app}`"
    run = runs[0]
    verdict = "passed its gates" if run.passed else "failed its gates"
    return (
        run.passed,
        f"red-team run {run.id} on {_day(run.created_at)} {verdict}",
        "" if run.passed else "fix the findings and scan again",
    )


def guardrails(c: Context) -> Outcome:
    if not c.spec.policy:
        return False, "no guardrail policy attached", f"declare a policy and set `policy:` under apps.{c.app}"
    policy = c.project.policies.get(c.spec.policy)
    return True, f"policy {c.spec.policy} version {getattr(policy, 'version', '?')}", ""


def data_governance(c: Context) -> Outcome:
    problems: list[str] = []
    cards: list[str] = []
    for model in c.serving_models():
        version = c.declared_version(model)
        if version is None:
            problems.append(f"{model} is not registered")
            continue
        upstream = lineage.walk(c.store, version.node, "up", team=version.team)
        dataset_nodes = {e.parent for e in upstream if e.parent.startswith("dataset:")}
        with c.store.reading() as tx:
            for node in sorted(dataset_nodes):
                dataset = versions.by_id(tx, node.split(":", 1)[1])
                if dataset is None:
                    continue
                absent = [f for f in ("source", "consent", "pii") if not dataset.spec.get(f)]
                (problems if absent else cards).append(
                    f"{dataset.ref} lacks {', '.join(absent)}" if absent else f"data card {dataset.ref}"
                )
        if not dataset_nodes:
            cards.append(f"{model}: no training data of ours in its lineage (base model; see its model card)")
    return _outcome(problems, cards, "register datasets with source, consent and PII summary")


def retention(c: Context) -> Outcome:
    policy = getattr(c.spec, "retention", None)
    if policy:
        days = getattr(policy, "days", None) or (policy.get("days") if isinstance(policy, dict) else None)
        action = getattr(policy, "action", None) or (
            policy.get("action") if isinstance(policy, dict) else "delete"
        )
        return True, f"records {action} after {days} days (`steward privacy enforce`)", ""
    return (
        False,
        "no retention declared",
        f"declare `retention: {{days: N, action: delete}}` for {c.app}, or "
        f"attest it: `steward compliance attest {c.app} retention --evidence ...`",
    )


def provider_monitoring(c: Context) -> Outcome:
    remote = [m for m in c.serving_models() if m in c.project.models and c.project.models[m].backend == "openai"]
    if not remote:
        return True, "only local artefacts, pinned by sha256: a change needs a new registry version", ""
    problems, evidence = [], []
    for model in remote:
        history = c.store.providers.check_history(model, limit=1)
        if not history or time.time() - history[0].at > PROVIDER_CHECK_MAX_AGE_S:
            problems.append(f"{model}: no provider check in the last 7 days")
        elif history[0].changed and not history[0].accepted:
            problems.append(f"{model}: provider change detected {_day(history[0].at)} ({history[0].reason})")
        else:
            evidence.append(f"{model}: checked {_day(history[0].at)}, unchanged")
    return _outcome(problems, evidence, "run `steward providers check` on a schedule; review and accept changes")


CHECKS: dict[str, Callable[[Context], Outcome]] = {
    "risk_assessment": risk_assessment,
    "tier_consistent": tier_consistent,
    "not_prohibited": not_prohibited,
    "model_documentation": model_documentation,
    "record_keeping": record_keeping,
    "audit_integrity": audit_integrity,
    "transparency_notice": transparency_notice,
    "human_oversight": human_oversight,
    "accuracy_evaluation": accuracy_evaluation,
    "robustness_testing": robustness_testing,
    "guardrails": guardrails,
    "data_governance": data_governance,
    "retention": retention,
    "provider_monitoring": provider_monitoring,
}


def run_check(name: str, context: Context) -> Outcome:
    check = CHECKS.get(name)
    if check is None:
        return False, f"no check named {name!r} is implemented", "fix controls.yaml"
    return check(context)
