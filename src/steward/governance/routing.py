"""The route the gateway serves: an app's newest deployment, else steward.yaml's route, cheaply.

`effective_route` reads the newest `deployments` row of an app (one indexed query) and caches it for
`CACHE_SECONDS` (1 s) in the `RouteCache` it is given (the `GovernedPool`'s own); a change made through the same
store (which counts its deployment changes, `store.changes`) drops the cache at once, and a change made by
another process (a CLI `steward rollback` while the server runs), or through another store, is seen within a
second. So a request costs a dictionary lookup, and a rollback is effectively
instant. `GovernedPool` is the model pool
whose `route(app)` answers with it: the gateway needs no change beyond building this pool instead of the
plain one. Candidates are split by weight, and the router already hashes the request's subject to choose,
so canary and A/B arms are sticky per subject.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from steward.config import AppSpec, Project, Settings
from steward.models.router import ModelPool, Route
from steward.store import DatabaseError, Store, Tx, digest

log = logging.getLogger(__name__)

CACHE_SECONDS = 1.0
Entries = list[tuple[str, float]]
Origin = dict[
    str, Any
]  # where a route came from, as the record says (`Route.facts`): steward.yaml or a deployment
RouteAnswer = tuple[Entries, list[str], Origin]  # (entries, fallback, origin)
DECLARED: Origin = {"source": "steward.yaml"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A model version in flight: its traffic share and who deployed it."""

    model: str
    entry_id: str
    version: int
    share: float
    strategy: str
    deployment_id: str
    by: str
    by_person: str | None = None  # the deployer's person (`person:<e-mail>`), who may not approve it either


@dataclass(frozen=True, slots=True)
class Deployment:
    """One row of an app's deployment history."""

    id: str
    app: str
    team: str
    seq: int
    action: str
    stable: tuple[tuple[str, float], ...]
    candidate: Candidate | None
    fallback: tuple[str, ...]
    release_of: str
    previous_release: str | None
    eval_run: str | None
    created_at: float
    created_by: str
    note: str | None

    def traffic(self) -> Entries:
        """(model, percent of requests) as the router should split them."""
        share = self.candidate.share if self.candidate else 0.0
        total = sum(w for _, w in self.stable) or 1.0
        entries = [(m, w * (100.0 - share) / total) for m, w in self.stable]
        if self.candidate and share > 0:
            entries.append((self.candidate.model, share))
        return entries

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["traffic"] = self.traffic()
        return out


def deployment_from_row(row: Any) -> Deployment:
    m = row if isinstance(row, dict) else row._mapping
    cand = m["candidate"]
    return Deployment(
        id=m["id"],
        app=m["app"],
        team=m["team"],
        seq=int(m["seq"]),
        action=m["action"],
        stable=tuple((str(a), float(b)) for a, b in m["stable"]),
        candidate=Candidate(**cand) if cand else None,
        fallback=tuple(m["fallback"]),
        release_of=m["release_of"],
        previous_release=m["previous_release"],
        eval_run=m["eval_run"],
        created_at=float(m["created_at"]),
        created_by=m["created_by"],
        note=m["note"],
    )


def declared_route(spec: AppSpec) -> tuple[Entries, list[str]]:
    return [(r.model, float(r.weight)) for r in spec.route], list(spec.fallback)


def declared_digest(spec: AppSpec) -> str:
    entries, fallback = declared_route(spec)
    return digest({"route": entries, "fallback": fallback})


# ---- the route the gateway serves -----------------------------------------------------------------------------


DEPLOYMENTS = "deployments"  # the kind of change `changed` counts on the store


class RouteCache:
    """The routes read from the deployments table, each kept `CACHE_SECONDS` per (store, app).

    A `GovernedPool` owns one (the runtime's pool: one per serving process). An entry is stale once it is older
    than `CACHE_SECONDS` or once a deployment change was made through its store since it was read (`changed`
    bumps the store's count), so a change made through the store the pool serves from drops it at once.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[float, int, RouteAnswer]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every entry (as if each had expired)."""
        with self._lock:
            self._entries.clear()

    def fresh(self, key: tuple[int, str], now: float, generation: int) -> RouteAnswer | None:
        hit = self._entries.get(key)
        if hit is not None and hit[1] == generation and now - hit[0] < CACHE_SECONDS:
            return hit[2]
        return None

    def last(self, key: tuple[int, str]) -> RouteAnswer | None:
        hit = self._entries.get(key)
        return hit[2] if hit is not None else None

    def keep(self, key: tuple[int, str], started: float, generation: int, route: RouteAnswer) -> None:
        self._entries[key] = (started, generation, route)


def changed(tx: Tx) -> None:
    """Make every route cached from this unit's store stale at once (called with every deployment change)."""
    tx.changes.bump(DEPLOYMENTS)


def effective_route(
    store: Store,
    app_name: str,
    app_spec: AppSpec,
    declared_models: Collection[str] | None = None,
    routes: RouteCache | None = None,
) -> tuple[Entries, list[str]]:
    """(entries, fallback) for the router: the newest deployment of the app, else steward.yaml's route.

    `declared_models` (the project's model ids), when given, drops entries for models steward.yaml no longer
    declares; if none is left the declared route is served. `routes` caches the answer (without it every call
    reads the table). A database error serves the last known route.
    """
    entries, fallback, _ = resolved_route(store, app_name, app_spec, declared_models, routes)
    return entries, fallback


def resolved_route(
    store: Store,
    app_name: str,
    app_spec: AppSpec,
    declared_models: Collection[str] | None = None,
    routes: RouteCache | None = None,
) -> RouteAnswer:
    """`effective_route` and where it came from (`Origin`: steward.yaml, or the deployment, its candidate and
    share), which the record keeps so that it can say why a request went where it went."""
    declared = (*declared_route(app_spec), DECLARED)
    if not isinstance(store, Store):  # no SQL store (a bare test runtime): steward.yaml's route
        return declared
    key, started = (id(store), app_name), time.monotonic()
    generation = store.changes.generation(DEPLOYMENTS)
    hit = routes.fresh(key, started, generation) if routes is not None else None
    if hit is not None:
        return hit
    try:
        row = store.deployments.latest_deployment(app_name)
    except DatabaseError as exc:
        log.warning("could not read deployments of %s (%s); serving the last known route", app_name, exc)
        return (routes.last(key) if routes is not None else None) or declared
    result = declared
    if row is not None:
        dep = deployment_from_row(row)
        entries = [(m, w) for m, w in dep.traffic() if declared_models is None or m in declared_models]
        fallback = [m for m in dep.fallback if declared_models is None or m in declared_models]
        result = (entries, fallback, _origin(dep)) if entries else declared
    if routes is not None:
        routes.keep(key, started, generation, result)
    return result


def _origin(dep: Deployment) -> Origin:
    """The deployment a route came from, as the record names it (made once per cached route, not per request)."""
    candidate = dep.candidate
    return {
        "source": "deployment",
        "deployment": dep.id,
        "seq": dep.seq,
        "action": dep.action,
        "candidate": candidate.model if candidate is not None and candidate.share > 0 else None,
        "share": candidate.share if candidate is not None else 0.0,
        "strategy": candidate.strategy if candidate is not None else None,
    }


def route_for(
    pool: ModelPool, store: Store, app_name: str, app_spec: AppSpec, routes: RouteCache | None = None
) -> Route:
    """A router `Route` for the app's current deployment (or its declared route when there is no SQL store)."""
    entries, fallback, origin = resolved_route(store, app_name, app_spec, pool.project.models, routes)
    return Route(pool, entries, fallback, origin)


class GovernedPool(ModelPool):
    """A `ModelPool` whose routes follow the deployments (canary, A/B, blue/green, rollbacks); it owns the cache
    of the routes it serves (`routes`)."""

    def __init__(
        self,
        project: Project,
        settings: Settings,
        store: Store,
        factories: Any = None,
        routes: RouteCache | None = None,
    ) -> None:
        super().__init__(project, settings, factories)
        self.store = store
        self.routes = routes if routes is not None else RouteCache()
        self._names = {id(spec): name for name, spec in project.apps.items()}

    def route(self, app: str | AppSpec) -> Route:
        spec = self.project.app(app) if isinstance(app, str) else app
        name = app if isinstance(app, str) else self._names.get(id(spec))
        if name is None:  # an AppSpec that is not one of the project's apps: nothing is deployed for it
            return super().route(spec)
        return route_for(self, self.store, name, spec, self.routes)
