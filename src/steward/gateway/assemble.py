"""Build a ready `Gateway` from a project: store, model pool, guardrails, retrieval, metrics, tracing.

The capability packages are optional collaborators: guardrails are attached when the project declares
policies, retrieval when it declares collections. Everything heavy (models, classifiers, embedder) loads once
here or lazily on first use, never per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.config import Project, Settings, check_installed_scanners, load_project
from steward.gateway.auth import LEASE_S, Authenticator
from steward.gateway.collaborators import Guard, ReviewQueue
from steward.gateway.metrics import Metrics
from steward.gateway.pipeline import Gateway
from steward.gateway.telemetry import tracer_from

if TYPE_CHECKING:
    from steward.gateway.monitoring import MonitorProcess
    from steward.rag import Retriever
    from steward.store import Store


@dataclass
class Runtime:
    """Everything one process needs to serve a project."""

    project: Project
    settings: Settings
    store: Store
    gateway: Gateway
    authenticator: Authenticator
    monitor: MonitorProcess | None = None

    def start_monitoring(self) -> None:
        """Rollups, alert rules, quality samples and scheduled drift in a child process (`steward serve`)."""
        from steward.gateway.monitoring import MonitorProcess

        if self.monitor is None:
            self.monitor = MonitorProcess.start(self.project, self.settings)

    async def aclose(self) -> None:
        if self.monitor is not None:
            self.monitor.close()
        await self.gateway.models.aclose()
        if self.gateway.tracer is not None:
            self.gateway.tracer.shutdown()
        self.store.close()


def _guard(project: Project, settings: Settings) -> Guard | None:
    if not project.policies or not any(app.policy for app in project.apps.values()):
        return None
    from steward.guardrails import Guard

    return Guard.from_project(project, settings)


def _review_queue(store: Store) -> ReviewQueue[Any]:
    from steward.guardrails.review import ReviewQueue as StoredReviewQueue

    return StoredReviewQueue(store)


def _retriever(project: Project, settings: Settings, store: Store) -> Retriever | None:
    if not project.collections or not any(app.rag for app in project.apps.values()):
        return None
    from steward.rag import Retriever

    return Retriever.from_project(project, settings, store)


def reservation_lease_s(project: Project, floor_s: float = LEASE_S, margin_s: float = 60.0) -> float:
    """How long a token reservation holds if its server dies before settling it: longer than any request may
    take, every model of an app's route and fallback tried with all its retries (a stream's read timeout bounds
    each wait, not the whole answer, so the floor covers long streams too), and no longer: the budget of a
    key whose server was killed is held back until then."""
    worst = 0.0
    for app in project.apps.values():
        names = [r.model for r in app.route] + app.fallback
        specs = [project.models[n] for n in names if n in project.models]
        worst = max(worst, sum(m.timeout_s * (m.max_retries + 1) for m in specs))
    return max(floor_s, worst + margin_s)


def open_runtime(project: Project | Path | str | None = None, settings: Settings | None = None) -> Runtime:
    """Load the project (or the embedded defaults) and wire the governed pipeline."""
    from steward.governance.routing import GovernedPool
    from steward.store import Store

    if not isinstance(project, Project):
        project = load_project(project)
    check_installed_scanners(project)  # before anything is opened; the same message as `steward config check`
    settings = settings or Settings.resolve(project)
    settings.create_home()
    synchronous = project.store.synchronous if settings.database_url.startswith("sqlite") else None
    store = Store.open(settings.database_url, synchronous=synchronous, secrets=settings.secrets)
    guard = _guard(project, settings)
    metrics = Metrics(apps=project.apps)  # a caller's typo is `(unknown)`, never a series of its own
    metrics.watch_store(store.writer_stats)
    authenticator = Authenticator(store, lease_s=reservation_lease_s(project))
    gateway = Gateway(
        project,
        settings,
        store,
        GovernedPool(project, settings, store),  # routes follow deployments: canary, A/B, rollback
        guard=guard,
        retriever=_retriever(project, settings, store),
        metrics=metrics,
        tracer=tracer_from(
            settings.otlp_endpoint or project.telemetry.otlp_endpoint, project.telemetry.service_name
        ),
        budget=authenticator,  # token budgets are reserved before the model call, settled after the record
        review_queue=_review_queue(store) if guard is not None else None,  # where escalated requests wait
    )
    return Runtime(project, settings, store, gateway, authenticator)
