"""The rules a promotion must pass: a passing evaluation of the candidate, and human approval for high risk.

Evaluation evidence is a stored suite run (`steward.store.evals`) that (1) passed all its gates, (2) ran on an
app of the same team, (3) was actually served by the candidate model — its `served_models` include it, and
when the registry pins the artefact's sha256 the run evaluated that very artefact — and (4) used the app's
current prompt version. A suite with a variant app routed to the candidate produces exactly that.

Approvals count for the candidate's deploy row only, from identities that hold the approver capability of the
app's team at promotion time (a revoked approver's approval no longer counts), and never from the deployer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from steward.config import AppSpec, Project
from steward.registry import audit
from steward.registry.errors import RuleViolation
from steward.registry.versions import Version
from steward.store import governance as sql

REQUIRED_APPROVALS = 2
SEARCHED_RUNS = 500


def eval_problem(run: Any, version: Version, team_apps: set[str], prompt_version: str) -> str | None:
    """Why a stored run does not vouch for the candidate, or None when it does."""
    if run.kind != "suite":
        return f"it is a {run.kind} run, not an evaluation suite"
    if run.app not in team_apps:
        return f"it ran on app {run.app!r}, which is not an app of team {version.team!r}"
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
    if run.versions.get("prompt_version") != prompt_version:
        return f"it used prompt version {run.versions.get('prompt_version')}, the app now uses {prompt_version}"
    return None


def passing_eval(
    store: Any, project: Project, app: str, spec: AppSpec, version: Version, run_id: str | None = None
) -> Any:
    """The newest stored run that vouches for the candidate (or the named one); refuse naming the rule."""
    from steward.store.evals import get_run, list_runs

    engine = audit.engine_of(store)
    team_apps = {name for name, a in project.apps.items() if a.team == spec.team}
    runs = (
        [get_run(engine, run_id, with_cases=False)]
        if run_id
        else list_runs(engine, kind="suite", limit=SEARCHED_RUNS)
    )
    for run in runs:
        problem = eval_problem(run, version, team_apps, spec.prompt.version)
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
        f"{spec.prompt.version}, on an app of team {spec.team!r}). Run a suite with a variant app routed to "
        f"{version.name}: `steward eval run SUITE`, then promote again."
    )


def valid_approvers(conn: Connection, team: str, deployment_id: str, deployer: str) -> list[str]:
    """Distinct approvers of a candidate whose approval counts now."""
    out: list[str] = []
    for row in sql.approvals_of(conn, deployment_id):
        if row.approver == deployer or row.approver in out:
            continue
        if sql.active_approver(conn, team, row.approver) is not None:
            out.append(row.approver)
    return out


def require_approvals(conn: Connection, app: str, team: str, tier: str, candidate: Any) -> list[str]:
    """For high-risk apps, two different approvers (not the deployer); returns who approved."""
    approvers = valid_approvers(conn, team, candidate.deployment_id, candidate.by)
    if tier != "high" or len(approvers) >= REQUIRED_APPROVALS:
        return approvers
    have = ", ".join(approvers) if approvers else "none"
    raise RuleViolation(
        f"rule: {app} is a high-risk app, so promotion needs approval by {REQUIRED_APPROVALS} different approvers "
        f"other than the deployer (human oversight, EU AI Act Art. 14); it has {len(approvers)} ({have}). Ask "
        f"approvers to run `steward approve {app} --as NAME`."
    )
