"""Fixtures for governance tests: a two-team project on scripted models, a store, actors, stored eval runs.

`gov` (import `gov_fixture` into the test module) gives a loaded project (root in tmp_path), an open SQLite
store already holding the registry versions of steward.yaml (`steward registry apply`), and named actors.
`stored_run` writes an evaluation run the way the evaluation capability stores one, for tests that need a
precise pass/fail verdict on a given model; the real suite runner is exercised in `test_gov_deployments.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from steward.config import Project, load_project_text
from steward.evals.pipeline import policy_hash
from steward.governance import access, apply, approvers
from steward.governance.identity import Actor
from steward.store import Store
from steward.store.evals import StoredRun
from steward.types import new_id, now

PROJECT_TEMPLATE = """
version: 1
models:
  model-a:
    backend: scripted
    replies: ["Paris"]
    sha256: "SHA_A"
    source: scripted test model A
    licence: Apache-2.0
  model-b:
    backend: scripted
    replies: ["Paris"]
    sha256: "SHA_B"
    source: scripted test model B
    licence: Apache-2.0
  model-c:
    backend: scripted
    replies: ["London"]
    sha256: "SHA_C"
    source: scripted test model C
    licence: Apache-2.0
apps:
  claims:
    owner: claims@example.com
    purpose: Help customers with insurance claims.
    team: claims
    risk_tier: high
    route: [{model: model-a}]
    prompt: {system: "Answer in one word."}
  claims-b:
    owner: claims@example.com
    purpose: Evaluation variant of claims routed to model-b.
    team: claims
    variant_of: claims
    route: [{model: model-b}]
    prompt: {system: "Answer in one word."}
  claims-c:
    owner: claims@example.com
    purpose: Evaluation variant of claims routed to model-c.
    team: claims
    variant_of: claims
    route: [{model: model-c}]
    prompt: {system: "Answer in one word."}
  airport:
    owner: ops@example.com
    purpose: Answer travellers' questions.
    team: ops
    risk_tier: limited
    route: [{model: model-a, weight: 3}, {model: model-b, weight: 1}]
    fallback: [model-c]
"""
PROJECT = PROJECT_TEMPLATE.replace("SHA_A", "a" * 64).replace("SHA_B", "b" * 64).replace("SHA_C", "c" * 64)


@dataclass
class Gov:
    project: Project
    store: Store
    home: Path
    alice: Actor
    bob: Actor
    carol: Actor

    def key_actor(self, name: str, team: str = "claims", role: str = "developer") -> Actor:
        """A person's own API key (approvals need one: a typed name proves nothing)."""
        _, info = access.create_key(self.store, self.alice, role, team=team, name=name)
        return Actor.from_key(info)

    def approver(self, name: str, team: str = "claims") -> Actor:
        """A developer key of `team` granted the approver capability by alice."""
        actor = self.key_actor(name, team)
        approvers.grant(self.store, self.alice, team, actor.id)
        return actor

    def reload(self, text: str) -> Project:
        self.project = load_project_text(text, "test-steward.yaml")
        self.project.root = self.home
        return self.project


def load(text: str, home: Path) -> Project:
    project = load_project_text(text, "test-steward.yaml")
    project.root = home
    return project


@pytest.fixture(name="gov")
def gov_fixture(tmp_path: Path) -> Iterator[Gov]:
    project = load(PROJECT, tmp_path)
    store = Store.open(f"sqlite:///{tmp_path / 'steward.db'}")
    alice = Actor.user("alice")
    apply.apply_project(store, project, alice)
    try:
        yield Gov(project, store, tmp_path, alice, Actor.user("bob"), Actor.user("carol"))
    finally:
        store.close()


def stored_run(
    store: Store,
    project: Project,
    app: str,
    *,
    passed: bool = True,
    kind: str = "suite",
    served: list[str] | None = None,
    sha256: dict[str, str] | None = None,
    prompt_version: str | None = None,
) -> StoredRun:
    """Save a finished evaluation run shaped like `steward.evals.run.run_variant` makes them."""
    spec = project.app(app)
    models = [r.model for r in spec.route] + list(spec.fallback)
    versions: dict[str, Any] = {
        "app": app,
        "models": [
            {"id": m, "backend": "scripted", "sha256": (sha256 or {}).get(m, project.models[m].sha256)}
            for m in models
        ],
        "prompt_version": prompt_version or spec.prompt.version,
        "policy": spec.policy,  # as `ClientPipeline.versions` records them
        "policy_hash": policy_hash(project, spec.policy),
        "served_models": served if served is not None else models[:1],
    }
    run = StoredRun(
        id=new_id("evr"),
        kind=kind,
        name=f"{app}-suite",
        app=app,
        created_at=now(),
        finished_at=now(),
        passed=passed,
        versions=versions,
        summary=[{"name": "exact_match", "value": 1.0 if passed else 0.0}],
        gates=[
            {
                "gate": "exact_match >= 1",
                "metric": "exact_match",
                "value": 1.0 if passed else 0.0,
                "passed": passed,
            }
        ],
    )
    store.evals.save_run(run)
    return run
