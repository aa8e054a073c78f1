"""The compliance pack: one self-contained HTML page plus the same evidence as JSON, for auditors.

The pack gathers the compliance check, model cards of the serving models, data cards of the datasets in
their lineage, the stored evaluation and red-team runs of the team's apps, the app's deployment history and
an excerpt of the audit log with the chain's verification. The JSON carries a digest of its own content; the
HTML embeds that JSON too (in a `<script type="application/json">` block), uses no external asset, and is
rendered by Jinja2 with autoescaping. Both files are written beside their final name and renamed into place,
so an interrupted export never leaves a half-written pack.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from steward.config import Project
from steward.governance import audit, cards, compliance, deployments, lineage, versions
from steward.governance.identity import Actor
from steward.store import Store, digest

AUDIT_EXCERPT = 200


def _iso(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds") if at else ""


def _serving_versions(context: Any) -> list[versions.Version]:
    found = []
    for model in context.serving_models():
        version = context.declared_version(model)
        if version is not None:
            found.append(version)
    return found


def _dataset_versions(store: Store, models: list[versions.Version]) -> list[versions.Version]:
    upstream = [e for m in models for e in lineage.walk(store, m.node, "up", team=m.team)]
    nodes = sorted({e.parent for e in upstream if e.parent.startswith("dataset:")})
    with store.reading() as tx:
        return [v for n in nodes if (v := versions.by_id(tx, n.split(":", 1)[1])) is not None]


def _runs(store: Store, project: Project, team: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    team_apps = {n for n, a in project.apps.items() if a.team == team}
    runs = store.evals.list_runs
    suite = [cards.run_summary(r) for r in runs(kind="suite", limit=200) if r.app in team_apps][:20]
    red = [cards.run_summary(r) for r in runs(kind="redteam", limit=200) if r.app in team_apps][:20]
    return suite, red


def _verdict(verification: Any, project: Project, actor: Actor) -> str:
    """`intact`, or `BROKEN:` and the first problem. A team's key is told only how many problems there are where
    the project has other teams' apps (a problem names keys, records and apps of whichever team it concerns), as
    `POST /v1/audit/verify` tells it; the operator reads them with `steward audit verify`."""
    if verification.ok:
        return "intact"
    if actor.team is not None and any(spec.team != actor.team for spec in project.apps.values()):
        count = len(verification.problems) or 1
        return (
            f"BROKEN: {count} problem{'s' if count != 1 else ''}; the operator reads them with "
            "`steward audit verify` where the database is"
        )
    return f"BROKEN: {verification.problem}"


def build(store: Store, project: Project, app: str, actor: Actor) -> dict[str, Any]:
    """The pack's content as one JSON-ready dict (with its own digest)."""
    from steward.governance.controls import Context

    report = compliance.check(store, project, app, actor)
    spec = project.app(app)
    context = Context(store, project, app, spec, report.tier, report.assessed_tier)
    models = _serving_versions(context)
    suite, red = _runs(store, project, spec.team)
    history = [
        d.as_dict() | {"created_at_iso": _iso(d.created_at)}
        for d in deployments.history(store, actor, project, app)
    ]
    events = audit.list_events(store, team=spec.team, limit=AUDIT_EXCERPT) + audit.list_events(
        store, subject="config:", limit=20
    )
    events.sort(key=lambda e: e.seq, reverse=True)
    verification = audit.verify(store)
    pack: dict[str, Any] = {
        "steward_compliance_pack": 1,
        "app": app,
        "team": spec.team,
        "owner": spec.owner,
        "purpose": spec.purpose,
        "generated_at": report.generated_at,
        "generated_at_iso": _iso(report.generated_at),
        "generated_by": actor.label,
        "compliance": report.as_dict(),
        "model_cards": [cards.model_card(store, project, v) for v in models],
        "data_cards": [cards.data_card(store, v) for v in _dataset_versions(store, models)],
        "evaluations": suite,
        "red_team": red,
        "deployments": history,
        "audit": {
            "verification": _verdict(verification, project, actor),
            "head": {"seq": verification.head_seq, "hash": verification.head_hash},
            "events": [e.as_dict() | {"at_iso": _iso(e.at)} for e in events[:AUDIT_EXCERPT]],
        },
    }
    pack["digest"] = digest(pack)
    return pack


def file_stem(pack: dict[str, Any]) -> str:
    """`<app>-compliance-<UTC time>`: the name of the pack's files (`.json`, `.html`)."""
    return f"{pack['app']}-compliance-{datetime.fromtimestamp(pack['generated_at'], UTC):%Y%m%dT%H%M%SZ}"


def render_html(pack: dict[str, Any]) -> str:
    template_text = (
        resources.files("steward.defaults").joinpath("compliance", "pack.html.j2").read_text(encoding="utf-8")
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    # Embedded JSON must not close its <script> element early, whatever the evidence contains.
    embedded = json.dumps(pack, sort_keys=True, default=str).replace("<", "\\u003c")
    return env.from_string(template_text).render(pack=pack, pack_json=Markup(embedded))


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)  # mkstemp makes it private; an evidence pack is meant to be shared
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def export(
    store: Store, project: Project, app: str, actor: Actor, out_dir: Path
) -> tuple[Path, Path, dict[str, Any]]:
    """Write `<app>-compliance-<date>.html` and `.json` into `out_dir`; returns both paths and the pack."""
    pack = build(store, project, app, actor)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(pack)
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    _write_atomically(json_path, json.dumps(pack, indent=1, sort_keys=True, default=str) + "\n")
    _write_atomically(html_path, render_html(pack))
    return html_path, json_path, pack
