"""Deployments: which model versions serve an app, how traffic is split, and how a release is gated and undone.

Each app has an append-only history (`deployments` rows, `seq` 1, 2, …); the newest row is its traffic. Until
the first `steward deploy`, an app serves steward.yaml's route; the first deploy records that route as the
`baseline` release. A row holds the stable route and at most one candidate in flight:

- `canary`     the candidate takes N % of requests (sticky per subject: the router hashes the subject id);
- `ab`         the same split, meant as an experiment (default 50 %), sticky per subject;
- `blue_green` the candidate is staged with no traffic; `promote` switches everything to it at once.

`promote` makes the candidate the whole stable route (a new release). It requires a passing suite run that
the candidate served under the app's current prompt and policy, of this app or a declared evaluation variant of
it (`gates`), and for high-risk apps approvals by two different people, neither of them the deployer (`approve`):
each approves with their own key or single sign-on, and two keys of one owner (or a key and an SSO session with
its owner's e-mail) are one person. `rollback` is instant and always available: it drops a
candidate in flight, or else returns to the release before the current one; it refuses to go past the first.
Every step is one transaction with its audit event; concurrent changes to one app collide on (app, seq).

What the gateway serves is computed in `steward.governance.routing` (`effective_route`, `GovernedPool`), which
this module re-exports.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from steward.config import AppSpec, Project, Settings
from steward.errors import InvalidRequest, NotFound
from steward.governance import approvers, audit, lineage, versions
from steward.governance.apply import model_spec
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor
from steward.governance.risk import effective_tier
from steward.governance.routing import (  # noqa: F401  (re-exported: the gateway's entry points)
    Deployment,
    Entries,
    GovernedPool,
    changed,
    declared_digest,
    declared_route,
    deployment_from_row,
    effective_route,
    route_for,
)
from steward.store import Database, Store, Tx, digest
from steward.types import new_id, now

STRATEGIES: tuple[str, ...] = ("canary", "ab", "blue_green")


# ---- reading ------------------------------------------------------------------------------------------------


def current(store: Store, app_name: str) -> Deployment | None:
    row = store.deployments.latest_deployment(app_name)
    return deployment_from_row(row) if row is not None else None


def history(store: Store, actor: Actor, project: Project, app_name: str, limit: int = 50) -> list[Deployment]:
    spec = project.app(app_name, team=actor.team)
    actor.require_read(spec.team, f"deployments of {app_name}")
    return [deployment_from_row(r) for r in store.deployments.deployment_history(app_name, limit)]


def approvals(store: Store, deployment_id: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in store.deployments.approvals_of(deployment_id)]


# ---- writing ------------------------------------------------------------------------------------------------


def _insert(
    tx: Tx,
    actor: Actor,
    spec: AppSpec,
    app: str,
    prev: Any,
    *,
    action: str,
    stable: Entries,
    candidate: dict[str, Any] | None = None,
    fallback: list[str],
    release_of: str | None = None,
    previous_release: str | None = None,
    eval_run: str | None = None,
    note: str | None = None,
    dep_id: str | None = None,
    declared: str | None = None,
) -> Deployment:
    dep_id = dep_id or new_id("dep")
    row = {
        "id": dep_id,
        "app": app,
        "team": spec.team,
        "seq": (int(prev.seq) + 1) if prev is not None else 1,
        "action": action,
        "strategy": candidate["strategy"] if candidate else None,
        "stable": [[m, float(w)] for m, w in stable],
        "candidate": candidate,
        "fallback": list(fallback),
        "declared": declared or (prev.declared if prev is not None else declared_digest(spec)),
        "release_of": release_of or dep_id,
        "previous_release": previous_release,
        "eval_run": eval_run,
        "created_at": now(),
        "created_by": actor.label,
        "note": note,
    }
    after = tx.deployments.add_deployment(row)
    before = tx.deployments.deployment_digest(prev) if prev is not None else None
    detail = {
        "app": app,
        "seq": row["seq"],
        "action": action,
        "stable": row["stable"],
        "candidate": {k: candidate[k] for k in ("model", "version", "share", "strategy")} if candidate else None,
    }
    audit.append(
        tx,
        actor,
        f"deployment.{action}",
        f"deployment:{dep_id}",
        before,
        after,
        team=spec.team,
        detail=detail,
    )
    changed(tx)
    return deployment_from_row(row)


def _baseline(tx: Tx, actor: Actor, project: Project, app: str, spec: AppSpec) -> Any:
    """The app's newest row; at the first deployment, steward.yaml's route recorded as release #1."""
    latest = tx.deployments.latest_deployment(app)
    if latest is not None:
        return latest
    entries, fallback = declared_route(spec)
    _sync_stages(tx, actor, project, spec.team, [], entries)
    _insert(
        tx,
        actor,
        spec,
        app,
        None,
        action="baseline",
        stable=entries,
        fallback=fallback,
        note="steward.yaml's route, recorded at the first deployment",
        declared=declared_digest(spec),
    )
    return tx.deployments.latest_deployment(app)


def _refuse_prohibited(tx: Tx, app: str, spec: AppSpec) -> str:
    tier = effective_tier(tx.compliance, app, spec)
    if tier == "prohibited":
        raise RuleViolation(
            f"rule: app {app!r} is classified as a prohibited practice (EU AI Act Art. 5) and may not be deployed "
            "or promoted; only rollbacks are allowed. Re-assess it with `steward compliance classify` if wrong."
        )
    return tier


def _deployable(tx: Tx, project: Project, spec: AppSpec, ref_text: str) -> versions.Version:
    """The registry version to deploy: registered in the app's team and identical to what steward.yaml declares."""
    ref = versions.parse_ref(ref_text, "model")
    if ref.kind != "model":
        raise InvalidRequest(f"{ref_text!r} is a {ref.kind}; `steward deploy --model` takes a model version.")
    if ref.name not in project.models:
        known = ", ".join(sorted(project.models)) or "none"
        raise NotFound(
            f"model {ref.name!r} is not declared in steward.yaml (declared: {known}); declare it under "
            "`models:` and run `steward registry apply`."
        )
    version = versions.resolve(tx, None, ref, spec.team)
    declared_hash = digest(model_spec(project, ref.name))
    if version.content_hash != declared_hash:
        current_row = tx.registry.find_entry(spec.team, "model", ref.name, declared_hash)
        now_is = f"{version.kind}:{ref.name}@{current_row.version}" if current_row else "not registered yet"
        raise RuleViolation(
            f"rule: only the version steward.yaml declares can serve; {version.ref} is not what it declares "
            f"for {ref.name} now ({now_is}). Deploy that version, or run `steward registry apply` first."
        )
    return version


def _refuse_unfetched(project: Project, ref_text: str, models_dir: Path | None, config: Path | None) -> None:
    """Refuse a local model whose file is not there (never fetched, or a wrong `path:`), naming the command that
    fetches it, before anything is written: a deployment would send traffic to a model that cannot load."""
    from steward.models.health import missing_file

    name = versions.parse_ref(ref_text, "model").name
    if name not in project.models:
        return  # `_deployable` says it is not declared
    where = models_dir if models_dir is not None else Settings.resolve(project).models_dir
    problem = missing_file(project, name, where, config)
    if problem is not None:
        raise RuleViolation(
            f"rule: only a model whose file is present can be deployed; {problem} Then deploy again."
        )


def _strategy(canary: float | None, ab: float | None, blue_green: bool) -> tuple[str, float]:
    chosen = [
        name
        for name, on in (("canary", canary is not None), ("ab", ab is not None), ("blue_green", blue_green))
        if on
    ]
    if len(chosen) > 1:
        raise InvalidRequest("choose one of --canary PERCENT, --ab PERCENT or --blue-green.")
    if not chosen or chosen == ["blue_green"]:
        return "blue_green", 0.0
    share = float(canary if canary is not None else ab)  # type: ignore[arg-type]
    if not 0 < share < 100:
        raise InvalidRequest(
            f"the candidate's share must be between 0 and 100 percent (exclusive), not {share:g}."
        )
    return chosen[0], share


def deploy(
    store: Store,
    project: Project,
    app: str,
    model: str,
    actor: Actor,
    *,
    canary: float | None = None,
    ab: float | None = None,
    blue_green: bool = False,
    note: str | None = None,
    models_dir: Path | None = None,
    config: Path | None = None,
) -> Deployment:
    """Put a model version in flight for `app` as a canary, an A/B arm or a staged blue/green candidate.

    A local model must be fetched first: its file is looked for under `models_dir` (default: the project's
    settings'), and the refusal names the command that fetches it (`config`: the steward.yaml it names)."""
    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"deployments of {app}")
    strategy, share = _strategy(canary, ab, blue_green)
    _refuse_unfetched(project, model, models_dir, config)
    with audit.changing(store) as tx:
        _refuse_prohibited(tx, app, spec)
        version = _deployable(tx, project, spec, model)
        latest = _baseline(tx, actor, project, app, spec)
        cur = deployment_from_row(latest)
        if cur.candidate is not None:
            raise RuleViolation(
                f"rule: one candidate at a time; {app} already has {cur.candidate.model} in flight "
                f"({cur.candidate.strategy}). Promote it (`steward promote {app}`) or roll it back "
                f"(`steward rollback {app}`) first."
            )
        if [m for m, _ in cur.stable] == [version.name]:
            raise RuleViolation(
                f"{app} already serves {version.name} as its whole stable route; nothing to deploy."
            )
        dep_id = new_id("dep")
        candidate = {
            "model": version.name,
            "entry_id": version.id,
            "version": version.version,
            "share": share,
            "strategy": strategy,
            "deployment_id": dep_id,
            "by": actor.id,
            "by_person": actor.counted_as if actor.person else None,
        }
        new = _insert(
            tx,
            actor,
            spec,
            app,
            latest,
            action="deploy",
            stable=list(cur.stable),
            candidate=candidate,
            fallback=list(cur.fallback),
            release_of=cur.release_of,
            note=note,
            dep_id=dep_id,
        )
        lineage.add_edge(tx, actor, version.node, f"deployment:{dep_id}", "deployed_in", spec.team)
        versions.apply_label(tx, actor, version, "candidate")
    return new


def _sync_stages(tx: Tx, actor: Actor, project: Project, team: str, old: Entries, new: Entries) -> None:
    """Label the models of a new stable route `production` and those it replaced `archived`."""
    new_names = {m for m, _ in new}
    for name in new_names & set(project.models):
        row = tx.registry.find_entry(team, "model", name, digest(model_spec(project, name)))
        version = versions.by_id(tx, row.id) if row is not None else None
        if version is not None:
            versions.apply_label(tx, actor, version, "production")
    for name in {m for m, _ in old} - new_names:
        for entry_id in tx.registry.labelled(team, "model", name, "production"):
            version = versions.by_id(tx, entry_id)
            if version is not None:
                versions.apply_label(tx, actor, version, "archived")


def promote(
    store: Store, project: Project, app: str, actor: Actor, *, eval_run: str | None = None, note: str | None = None
) -> Deployment:
    """Make the candidate the app's whole stable route, once its evaluation (and approvals) allow it."""
    from steward.governance import gates

    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"deployments of {app}")
    audit.require_intact(store, f"promoting {app}")
    with audit.changing(store) as tx:
        tier = _refuse_prohibited(tx, app, spec)
        latest = tx.deployments.latest_deployment(app)
        cur = deployment_from_row(latest) if latest is not None else None
        if cur is None or cur.candidate is None:
            raise RuleViolation(
                f"nothing to promote: {app} has no candidate in flight; deploy one with "
                f"`steward deploy {app} --model MODEL --canary 10`."
            )
        version = versions.by_id(tx, cur.candidate.entry_id)
        if version is None:
            raise NotFound(f"the candidate's registry version {cur.candidate.entry_id} is gone; roll back.")
        run = gates.passing_eval(store, project, app, spec, version, eval_run)
        approved_by = gates.require_approvals(tx.deployments, app, spec.team, tier, cur.candidate)
        new = _insert(
            tx,
            actor,
            spec,
            app,
            latest,
            action="promote",
            stable=[(version.name, 100.0)],
            fallback=list(cur.fallback),
            previous_release=cur.release_of,
            eval_run=run.id,
            note=note or (f"approved by {', '.join(approved_by)}" if approved_by else None),
        )
        lineage.add_edge(tx, actor, version.node, f"eval_run:{run.id}", "evaluated_by", spec.team)
        lineage.add_edge(tx, actor, f"eval_run:{run.id}", f"deployment:{new.id}", "gated", spec.team)
        _sync_stages(tx, actor, project, spec.team, list(cur.stable), list(new.stable))
    return new


def approve(store: Store, project: Project, app: str, actor: Actor, note: str | None = None) -> dict[str, Any]:
    """Record `actor`'s approval of the app's candidate (approvers only; never one's own deployment)."""
    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"approvals of {app}")
    audit.require_intact(store, f"approving {app}")
    with audit.changing(store) as tx:
        latest = tx.deployments.latest_deployment(app)
        cur = deployment_from_row(latest) if latest is not None else None
        if cur is None or cur.candidate is None:
            raise RuleViolation(f"nothing to approve: {app} has no candidate in flight.")
        if not actor.proven:
            raise RuleViolation(
                f"rule: an approval must be made with the approver's own API key or single sign-on (two-person "
                f"rule); {actor.label} is authenticated by neither. Approve with `steward approve {app} --key "
                "sk-stw-…`, or in the console."
            )
        if not approvers.holds(tx.deployments, spec.team, actor):
            raise RuleViolation(
                f"rule: only approvers may approve; {actor.label} is no approver of team {spec.team!r}. An admin "
                f"grants it with `steward approvers add {approvers.grant_option(actor)} --team {spec.team}`."
            )
        if actor.counted_as in (cur.candidate.by, cur.candidate.by_person) or actor.id == cur.candidate.by:
            who = (
                f"{actor.label} deployed"
                if actor.id == cur.candidate.by
                else f"{actor.person} deployed (with {cur.candidate.by}; {actor.label} is the same person)"
            )
            raise RuleViolation(
                f"rule: approving one's own change is not allowed (four-eyes principle); {who} "
                f"{cur.candidate.model} to {app}, so another approver must approve it."
            )
        for given in tx.deployments.approvals_of(cur.candidate.deployment_id):
            if given.approver == actor.id:
                raise RuleViolation(f"{actor.label} already approved {cur.candidate.model} for {app}.")
            if actor.person and given.person == actor.person:
                raise RuleViolation(
                    f"rule: {actor.person} already approved {cur.candidate.model} for {app} "
                    f"(with {given.approver}); "
                    "approvals count people, not keys, so a second approval by the same person with another key "
                    "or single sign-on does not count. Another approver must approve it (two-person rule)."
                )
        row = {
            "id": new_id("apr"),
            "deployment_id": cur.candidate.deployment_id,
            "app": app,
            "team": spec.team,
            "approver": actor.id,
            "role": actor.role,
            "at": now(),
            "note": note,
            "person": actor.person,
        }
        approved = tx.deployments.add_approval(row)
        audit.append(
            tx,
            actor,
            "deployment.approve",
            f"approval:{row['id']}",
            None,
            approved,
            team=spec.team,
            detail={"app": app, "model": cur.candidate.model, "deployment": cur.candidate.deployment_id},
        )
    return row


def _rollback_to(
    tx: Tx, actor: Actor, spec: AppSpec, app: str, latest: Any, serve: Deployment, release_of: str, note: str
) -> Deployment:
    """A `rollback` row that serves `serve`'s stable route and fallback again, as part of release `release_of`."""
    return _insert(
        tx,
        actor,
        spec,
        app,
        latest,
        action="rollback",
        stable=list(serve.stable),
        fallback=list(serve.fallback),
        release_of=release_of,
        note=note,
    )


def rollback(store: Store, project: Project, app: str, actor: Actor, note: str | None = None) -> Deployment:
    """Drop the candidate in flight, or return to the previous release; refuse past the first one."""
    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"deployments of {app}")
    with audit.changing(store) as tx:  # no chain check here: rolling back must work even mid-investigation
        latest = tx.deployments.latest_deployment(app)
        if latest is None:
            raise RuleViolation(
                f"rule: cannot roll back past the first version; {app} has no deployment history "
                "and serves steward.yaml's route."
            )
        cur = deployment_from_row(latest)
        if cur.candidate is not None:
            dropped = note or f"dropped candidate {cur.candidate.model}"
            new = _rollback_to(tx, actor, spec, app, latest, cur, cur.release_of, dropped)
            version = versions.by_id(tx, cur.candidate.entry_id)
            if version is not None:
                versions.apply_label(tx, actor, version, "candidate", remove=True)
            return new
        release = tx.deployments.get_deployment(cur.release_of)
        if release is None or release.previous_release is None:
            first = f"{release.id}, #{release.seq}" if release is not None else cur.release_of
            raise RuleViolation(
                f"rule: cannot roll back past the first version; {app} is on its first release ({first})."
            )
        target_row = tx.deployments.get_deployment(release.previous_release)
        if target_row is None:
            raise RuleViolation(
                f"release {release.previous_release} of {app} is missing; run `steward audit verify`."
            )
        target = deployment_from_row(target_row)
        missing = [m for m, _ in target.stable if m not in project.models]
        if missing:
            raise RuleViolation(
                f"cannot roll back {app} to release #{target.seq}: steward.yaml no longer declares "
                f"{', '.join(missing)}; declare it again first."
            )
        back = note or f"back to release #{target.seq}"
        new = _rollback_to(tx, actor, spec, app, latest, target, target.id, back)
        _sync_stages(tx, actor, project, spec.team, list(cur.stable), list(target.stable))
    return new


def sync_declared(db: Database, actor: Actor, project: Project) -> list[str]:
    """Apps under deployment whose steward.yaml route changed get a `config` release with the new route (in
    its own transaction given the store, else in the caller's unit of work, as `apply` does)."""
    if isinstance(db, Store):
        with audit.changing(db) as tx:
            return _sync_declared(tx, actor, project)
    return _sync_declared(db, actor, project)  # the caller's unit of work


def _sync_declared(tx: Tx, actor: Actor, project: Project) -> list[str]:
    changed = []
    for app, spec in project.apps.items():
        latest = tx.deployments.latest_deployment(app)
        if latest is None or latest.declared == declared_digest(spec):
            continue
        cur = deployment_from_row(latest)
        entries, fallback = declared_route(spec)
        keep = cur.candidate if cur.candidate and cur.candidate.model in project.models else None
        _insert(
            tx,
            actor,
            spec,
            app,
            latest,
            action="config",
            stable=entries,
            candidate=asdict(keep) if keep else None,
            fallback=fallback,
            previous_release=cur.release_of,
            note="route changed in steward.yaml",
            declared=declared_digest(spec),
        )
        _sync_stages(tx, actor, project, spec.team, list(cur.stable), entries)
        changed.append(app)
    return changed
