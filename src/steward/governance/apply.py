"""`steward registry apply`: register what steward.yaml declares, and log the configuration change.

steward.yaml stays the declarative source (in Git); applying it turns each model, app prompt and guardrail
policy into a registry version — new content becomes a new version, unchanged content is found by its hash,
so applying twice changes nothing. A model is registered in every team whose apps route to it (registry
entries are team-scoped); an unused model goes to `default`. The whole project's digest is compared with the
last applied one and a `config.apply` audit event records the change. Apps whose traffic is already governed
by deployments and whose declared route changed get a `config` release (see `deployments.sync_declared`).
Everything happens in one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.config import Project
from steward.governance import audit, versions
from steward.governance.identity import Actor
from steward.store import Store, digest

CONFIG_SUBJECT = "config:project"


@dataclass
class Applied:
    """What an apply registered and changed."""

    registered: list[versions.Version] = field(default_factory=list)
    unchanged: int = 0
    config_hash: str = ""
    config_changed: bool = False
    releases: list[str] = field(default_factory=list)  # apps that got a `config` release


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_spec(project: Project, model_id: str) -> dict[str, Any]:
    """What identifies a model version: its artefact and provenance, not its knobs (price, timeouts)."""
    spec = project.models[model_id]
    sha256 = spec.sha256
    if sha256 is None and spec.path:
        path = Path(spec.path).expanduser()
        path = path if path.is_absolute() else project.root / path
        if path.is_file():  # a local file without a declared hash: the registry still pins the bytes
            sha256 = file_sha256(path)
    return {
        "backend": spec.backend,
        "artefact": spec.artefact,
        "path": spec.path,
        "sha256": sha256,
        "base_url": spec.base_url,
        "remote_model": spec.remote_model,
        "source": spec.source,
        "licence": spec.licence,
        "base_model": getattr(spec, "base_model", None),
        "adapter": getattr(spec, "adapter", None),
        "replies": list(spec.replies) if spec.replies else None,
    }


def prompt_spec(project: Project, app: str) -> dict[str, Any]:
    prompt = project.apps[app].prompt
    return {"system": prompt.system, "template": prompt.template, "version": prompt.version}


def policy_spec(project: Project, name: str) -> dict[str, Any]:
    policy = project.policies[name]
    return {"version": policy.version, "rules": policy.model_dump(mode="json")}


def project_digest(project: Project) -> str:
    return digest(project.model_dump(mode="json", exclude={"source", "root"}))


def teams_using_model(project: Project, model_id: str) -> list[str]:
    teams = {
        app.team for app in project.apps.values() if model_id in [r.model for r in app.route] + list(app.fallback)
    }
    return sorted(teams) or ["default"]


def _teams_using_policy(project: Project, name: str) -> list[str]:
    return sorted({app.team for app in project.apps.values() if app.policy == name}) or ["default"]


def planned(project: Project) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(team, kind, name, spec) for everything steward.yaml declares."""
    out = []
    for model_id in project.models:
        spec = model_spec(project, model_id)
        out += [(team, "model", model_id, spec) for team in teams_using_model(project, model_id)]
    for app_name, app in project.apps.items():
        out.append((app.team, "prompt", app_name, prompt_spec(project, app_name)))
    for name in project.policies:
        spec = policy_spec(project, name)
        out += [(team, "policy", name, spec) for team in _teams_using_policy(project, name)]
    return out


def apply_project(store: Store, project: Project, actor: Actor) -> Applied:
    """Register steward.yaml's models, prompts and policies; log the config change; sync declared routes."""
    from steward.governance.deployments import sync_declared

    plan = planned(project)
    for team in sorted({team for team, *_ in plan} | {app.team for app in project.apps.values()}):
        actor.require_change(team, "the registry")
    result = Applied(config_hash=project_digest(project))
    with audit.changing(store) as tx:
        for team, kind, name, spec in plan:
            version, created = versions.register(tx, actor, team, kind, name, spec)
            if created:
                result.registered.append(version)
            else:
                result.unchanged += 1
        before = tx.audit.last_event_after_hash("config.apply", CONFIG_SUBJECT)
        if before != result.config_hash:
            result.config_changed = True
            audit.append(
                tx,
                actor,
                "config.apply",
                CONFIG_SUBJECT,
                before,
                result.config_hash,
                detail={
                    "source": str(project.source),
                    "models": len(project.models),
                    "apps": len(project.apps),
                    "registered": [v.ref for v in result.registered],
                },
            )
        result.releases = sync_declared(tx, actor, project)
    return result
