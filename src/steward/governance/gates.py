"""The rules a promotion must pass: a passing evaluation of the candidate, and human approval for high risk.

Evaluation evidence is a stored suite run (`steward.store.evals`) that (1) passed all its gates, (2) ran on
this app or on an app that declares itself its evaluation variant (`variant_of: APP`, reviewed in steward.yaml
like any change) — another app that merely shares the model and prompt vouches for nothing, (3) was actually
served by the candidate model — its `served_models` include it, and when the registry pins the artefact's
sha256 the run evaluated that very artefact — and (4) used the app's current prompt version and its policy,
by name and by the digest of its declaration (`policy_hash`), so a variant with weaker guardrails cannot vouch.

Approvals count for the candidate's deploy row only, from keys or single sign-on identities that hold the approver
capability of the app's team at promotion time (a revoked approver's approval no longer counts), never from the
deployer, and once per person: approvals made as the same person (`approvals.person`: a key's owner, an SSO
user's verified e-mail) count once, whichever keys they used.
"""

from __future__ import annotations

from typing import Any

from steward.config import AppSpec, Project
from steward.governance.errors import RuleViolation
from steward.governance.identity import SSO, person_id
from steward.governance.versions import Version
from steward.store import Deployments, Store

REQUIRED_APPROVALS = 2
SEARCHED_RUNS = 500


def vouching_apps(project: Project, app: str) -> set[str]:
    """The apps whose runs may vouch for `app`'s candidate: itself and its declared evaluation variants."""
    return {app} | {name for name, spec in project.apps.items() if spec.variant_of == app}


def eval_problem(run: Any, version: Version, project: Project, app: str) -> str | None:
    """Why a stored run does not vouch for `app`'s candidate, or None when it does."""
    spec = project.app(app)
    if run.kind != "suite":
        return f"it is a {run.kind} run, not an evaluation suite"
    if run.app not in vouching_apps(project, app):
        return (
            f"it evaluated app {run.app!r}, not {app!r} or an evaluation variant of it (a variant declares "
            f"`variant_of: {app}` in steward.yaml)"
        )
    if not getattr(run, "gates", None):
        return "it declares no gates, so it cannot vouch for a release; add gates such as `faithfulness >= 0.8`"
    if not run.passed:
        return "it did not pass its gates"
    served = list(run.versions.get("served_models") or [])
    if version.name not in served:
        return f"{version.name} did not serve it (served: {', '.join(served) or 'none'})"
    pinned = version.spec.get("sha256")
    evaluated = {m.get("id"): m.get("sha256") for m in run.versions.get("models") or [] if isinstance(m, dict)}
    if pinned and evaluated.get(version.name) != pinned:
        return f"it evaluated another artefact of {version.name} (sha256 {str(evaluated.get(version.name))[:12]}…)"
    if run.versions.get("prompt_version") != spec.prompt.version:
        return (
            f"it used prompt version {run.versions.get('prompt_version')}, the app now uses {spec.prompt.version}"
        )
    return _policy_problem(run, project, app)


def _policy_problem(run: Any, project: Project, app: str) -> str | None:
    """The run must have been guarded by the app's own policy, as declared now (name and content)."""
    from steward.evals.pipeline import policy_hash

    wanted = project.app(app).policy
    used = run.versions.get("policy")
    if used != wanted:
        return f"it ran under policy {used!r}, the app uses policy {wanted!r}"
    if wanted is not None and run.versions.get("policy_hash") != policy_hash(project, wanted):
        return f"it ran under another declaration of policy {wanted!r} (its content changed since); run it again"
    return None


def passing_eval(
    store: Store, project: Project, app: str, spec: AppSpec, version: Version, run_id: str | None = None
) -> Any:
    """The newest stored run that vouches for the candidate (or the named one); refuse naming the rule."""
    runs = (
        [store.evals.get_run(run_id, with_cases=False)]
        if run_id
        else store.evals.list_runs(kind="suite", limit=SEARCHED_RUNS)
    )
    for run in runs:
        problem = eval_problem(run, version, project, app)
        if problem is None:
            return run
        if run_id:
            raise RuleViolation(
                f"rule: promotion requires a passing eval run for the candidate; run {run.id} does not qualify: "
                f"{problem}."
            )
    raise RuleViolation(
        f"rule: promotion requires a passing eval run for the candidate {version.ref}; none of the {len(runs)} "
        f"stored suite runs qualifies (it must pass its gates, be served by {version.name} under {app}'s prompt "
        f"{spec.prompt.version} and policy {spec.policy!r}, on {app} itself or an app declaring `variant_of: "
        f"{app}`). Run a suite with such a variant routed to {version.name}: `steward eval run SUITE`, then "
        "promote again."
    )


def valid_approvers(
    releases: Deployments, team: str, deployment_id: str, deployer: str, deployer_person: str | None = None
) -> list[str]:
    """Distinct people (`person:<e-mail>`, or the key or SSO subject of an approver without one) whose approval
    of a candidate counts now."""
    from steward.governance.approvers import counted

    out: list[str] = []
    for row in releases.approvals_of(deployment_id):
        if not row.approver.startswith(("key:", SSO)):
            continue  # approvals by typed names (before keys were required) prove no one: they never count
        who = person_id(row.person) if row.person else row.approver
        if deployer in (row.approver, who) or who == deployer_person or who in out:
            continue
        if counted(releases, team, row.approver, row.person):
            out.append(who)
    return out


def require_approvals(releases: Deployments, app: str, team: str, tier: str, candidate: Any) -> list[str]:
    """For high-risk apps, two different people (not the deployer); returns who approved."""
    approvers = valid_approvers(releases, team, candidate.deployment_id, candidate.by, candidate.by_person)
    if tier != "high" or len(approvers) >= REQUIRED_APPROVALS:
        return approvers
    have = ", ".join(approvers) if approvers else "none"
    raise RuleViolation(
        f"rule: {app} is a high-risk app, so promotion needs approval by {REQUIRED_APPROVALS} different approvers "
        f"(people, not keys) other than the deployer (human oversight, EU AI Act Art. 14); it has "
        f"{len(approvers)} ({have}). Ask "
        f"approvers to run `steward approve {app} --key THEIR_KEY` or `POST /v1/approvals` (each with their own "
        "approver key, or in the console signed in with single sign-on)."
    )
