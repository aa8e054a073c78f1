"""Model cards and data cards, generated from the registry, lineage, deployments and stored evaluations.

Nothing in a card is typed by hand: provenance comes from the registry version (artefact sha256, source,
licence, base model, adapter), intended use from the apps that route to the model (owner, purpose, risk tier),
performance from the stored suite runs it served (gates and scores) and red-team runs of those apps, training
data from lineage, and erasures from the audit log. A card is a plain dict (JSON) that the compliance pack
renders to HTML.
"""

from __future__ import annotations

from typing import Any

from steward.config import Project
from steward.governance import audit, lineage, versions
from steward.store import Store

MAX_RUNS = 10


def _scores(run: Any) -> dict[str, Any]:
    return {str(s["name"]): s.get("value") for s in run.summary if isinstance(s, dict) and s.get("name")}


def _served_by(run: Any, version: versions.Version) -> bool:
    """Whether the version answered the run's cases (the very artefact, when the registry pins its sha256)."""
    if version.name not in (run.versions.get("served_models") or []):
        return False
    pinned = version.spec.get("sha256")
    evaluated = {m.get("id"): m.get("sha256") for m in run.versions.get("models") or [] if isinstance(m, dict)}
    return not pinned or evaluated.get(version.name) == pinned


def run_summary(run: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "kind": run.kind,
        "name": run.name,
        "app": run.app,
        "created_at": run.created_at,
        "passed": run.passed,
        "cases": run.case_count,
        "dataset_hash": run.dataset_hash,
        "scores": _scores(run),
        "gates": [{k: g.get(k) for k in ("gate", "value", "passed")} for g in run.gates],
        "reports": dict(run.reports or {}),
    }


def model_card(store: Store, project: Project, version: versions.Version) -> dict[str, Any]:
    """Everything known about one model version, for people who must decide whether to trust it."""
    from steward.governance.deployments import current

    spec = version.spec
    apps = {
        name: app
        for name, app in project.apps.items()
        if app.team == version.team and version.name in [r.model for r in app.route] + list(app.fallback)
    }
    team_apps = {n for n, a in project.apps.items() if a.team == version.team}
    evaluations = [
        run_summary(run)
        for run in store.evals.list_runs(kind="suite", limit=500)
        if run.app in team_apps and _served_by(run, version)
    ][:MAX_RUNS]
    red_team = [run_summary(r) for name in apps for r in store.evals.list_runs(app=name, kind="redteam", limit=3)]
    serving = []
    for name in apps:
        dep = current(store, name)
        traffic = dep.traffic() if dep is not None else [(r.model, r.weight) for r in project.apps[name].route]
        share = sum(w for m, w in traffic if m == version.name)
        if share:
            serving.append({"app": name, "share": share, "deployment": dep.id if dep else None})
    upstream = lineage.walk(store, version.node, "up", team=version.team)
    names = lineage.describe(store, sorted({e.parent for e in upstream} | {e.child for e in upstream}))
    failed = [
        f"{r['name']}: {g['gate']} (got {g['value']})" for r in evaluations for g in r["gates"] if not g["passed"]
    ]
    return {
        "model": version.ref,
        "id": version.id,
        "team": version.team,
        "content_hash": version.content_hash,
        "stages": list(version.labels),
        "registered": {"at": version.created_at, "by": version.created_by},
        "artefact": {
            k: spec.get(k) for k in ("backend", "sha256", "artefact", "path", "base_url", "remote_model")
        },
        "provenance": {k: spec.get(k) for k in ("source", "licence", "base_model", "adapter")},
        "intended_use": [
            {"app": n, "owner": a.owner, "purpose": a.purpose, "risk_tier": a.risk_tier} for n, a in apps.items()
        ],
        "serving": serving,
        "evaluations": evaluations,
        "red_team": red_team,
        "lineage": [
            {"from": names.get(e.parent, e.parent), "to": names.get(e.child, e.child), "relation": e.relation}
            for e in upstream
        ],
        "limitations": failed or ([] if evaluations else ["no stored evaluation was served by this version"]),
        **_training(store, version, upstream),
    }


def _training(store: Store, version: versions.Version, upstream: list[lineage.Edge]) -> dict[str, Any]:
    """For a model `steward tune` produced: its base, data (and where its data card is), training, export
    verification, base-vs-tuned evaluation and HTML report, from the training run version that produced it."""
    runs = [e.parent for e in upstream if e.child == version.node and e.relation == "produced"]
    if not runs:
        return {}
    with store.reading() as tx:
        run = versions.by_id(tx, runs[0].partition(":")[2])
    if run is None or run.kind != "training_run":
        return {}
    spec = run.spec
    dataset = (spec.get("dataset") or {}).get("version")
    loss = spec.get("loss") or []
    return {
        "training": {
            "run": run.ref,
            "base": spec.get("base"),
            "data": {
                "dataset": dataset,
                "data_card": f"steward registry card {dataset}" if dataset else None,
                "sha256": (spec.get("dataset") or {}).get("sha256"),
            },
            "hyper_parameters": spec.get("hyper"),
            "seed": spec.get("seed"),
            "code_version": spec.get("code_version"),
            "steps": spec.get("steps"),
            "loss": {
                "first": loss[0].get("loss") if loss else None,
                "last": loss[-1].get("loss") if loss else None,
                "validation": (spec.get("validation") or {}).get("loss"),
            },
            "export": spec.get("export"),
            "verification": spec.get("verification"),
            "evaluation": spec.get("evaluation"),
            "suite": spec.get("suite"),
            "report": spec.get("report"),
        }
    }


def data_card(store: Store, version: versions.Version) -> dict[str, Any]:
    """Provenance, consent, personal data and use of one dataset version."""
    spec = version.spec
    held = store.datasets.count_rows(version.id)
    downstream = lineage.walk(store, version.node, "down", team=version.team)
    names = lineage.describe(store, sorted({e.child for e in downstream}))
    erasures = [
        {"at": e.at, "rows": e.detail.get("datasets", {}).get(version.id)}
        for e in audit.list_events(store, action="privacy.erase", limit=1000)
        if version.id in (e.detail.get("datasets") or {})
    ]
    return {
        "dataset": version.ref,
        "id": version.id,
        "team": version.team,
        "content_hash": version.content_hash,
        "file_hash": spec.get("file_hash"),
        "source": spec.get("source"),
        "rows": spec.get("rows"),
        "rows_held": held,
        "consent": spec.get("consent"),
        "pii": spec.get("pii"),
        "description": spec.get("description"),
        # what `steward tune data` removed and why, and its train/validation split (absent for other datasets)
        **{
            key: spec[key]
            for key in ("rows_in", "removed", "removed_examples", "filters", "languages", "split")
            if key in spec
        },
        "registered": {"at": version.created_at, "by": version.created_by},
        "used_by": [{"node": names.get(e.child, e.child), "relation": e.relation} for e in downstream],
        "erasures": erasures,
    }
