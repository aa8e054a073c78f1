"""The route the gateway serves: an app's newest deployment, else steward.yaml's route, cheaply.

`effective_route` reads the newest `deployments` row of an app (one indexed query) and caches it per process
for `CACHE_SECONDS` (1 s) in the process's `RouteCache` (`ROUTES`); a change made through this process
(`changed()`) drops the cache at once, and a change made by another process (a CLI `steward rollback` while the
server runs) is seen within a second. So a request costs a dictionary lookup, and a rollback is effectively
instant. `GovernedPool` is the model pool
whose `route(app)` answers with it: the gateway needs no change beyond building this pool instead of the
plain one. Candidates are split by weight, and the router already hashes the request's subject to choose,
so canary and A/B arms are sticky per subject.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from steward.config import AppSpec, Project, Settings
from steward.models.router import ModelPool, Route
from steward.store import DatabaseError, Store
from steward.store import governance as sql

log = logging.getLogger(__name__)

CACHE_SECONDS = 1.0
Entries = list[tuple[str, float]]


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
    return sql.digest({"route": entries, "fallback": fallback})


# ---- the route the gateway serves -----------------------------------------------------------------------------


class RouteCache:
    """The routes read from the deployments table, each kept `CACHE_SECONDS` per (store, app).

    There is one per process (`ROUTES`), on purpose: a deployment change made through any `Store` of the process
    (the HTTP API, a governance call in a test or a script) must drop, at once, the routes that every pool of the
    process serves, and those share no object but the process. `changed()` bumps a generation that makes every
    cached route stale; a change made by another process is seen when the entry expires.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[float, int, tuple[Entries, list[str]]]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def changed(self) -> None:
        with self._lock:
            self._generation += 1

    def clear(self) -> None:
        """Forget every entry (as if each had expired)."""
        with self._lock:
            self._entries.clear()

    def fresh(self, key: tuple[int, str], now: float) -> tuple[Entries, list[str]] | None:
        hit = self._entries.get(key)
        if hit is not None and hit[1] == self._generation and now - hit[0] < CACHE_SECONDS:
            return hit[2]
        return None

    def last(self, key: tuple[int, str]) -> tuple[Entries, list[str]] | None:
        hit = self._entries.get(key)
        return hit[2] if hit is not None else None

    def keep(self, key: tuple[int, str], started: float, route: tuple[Entries, list[str]]) -> None:
        self._entries[key] = (started, self._generation, route)


ROUTES = RouteCache()


def changed() -> None:
    """Forget this process's cached routes at once (called after every deployment change)."""
    ROUTES.changed()


def effective_route(
    store: Store, app_name: str, app_spec: AppSpec, declared_models: Any = None
) -> tuple[Entries, list[str]]:
    """(entries, fallback) for the router: the newest deployment of the app, else steward.yaml's route.

    `declared_models` (the project's model ids), when given, drops entries for models steward.yaml no longer
    declares; if none is left the declared route is served. A database error serves the last known route.
    """
    declared = declared_route(app_spec)
    if not isinstance(store, Store):  # no SQL store (a bare test runtime): steward.yaml's route
        return declared
    key, started = (id(store), app_name), time.monotonic()
    hit = ROUTES.fresh(key, started)
    if hit is not None:
        return hit
    try:
        with store.reading() as conn:
            row = sql.latest_deployment(conn, app_name)
    except DatabaseError as exc:
        log.warning("could not read deployments of %s (%s); serving the last known route", app_name, exc)
        return ROUTES.last(key) or declared
    result = declared
    if row is not None:
        dep = deployment_from_row(row)
        entries = [(m, w) for m, w in dep.traffic() if declared_models is None or m in declared_models]
        fallback = [m for m in dep.fallback if declared_models is None or m in declared_models]
        result = (entries, fallback) if entries else declared
    ROUTES.keep(key, started, result)
    return result


def route_for(pool: Any, store: Store, app_name: str, app_spec: AppSpec) -> Route:
    """A router `Route` for the app's current deployment (or its declared route when there is no SQL store)."""
    declared = getattr(getattr(pool, "project", None), "models", None)
    entries, fallback = effective_route(store, app_name, app_spec, declared)
    return Route(pool, entries, fallback)


class GovernedPool(ModelPool):
    """A `ModelPool` whose routes follow the deployments (canary, A/B, blue/green, rollbacks)."""

    def __init__(self, project: Project, settings: Settings, store: Store, factories: Any = None) -> None:
        super().__init__(project, settings, factories)
        self.store = store
        self._names = {id(spec): name for name, spec in project.apps.items()}

    def route(self, app: str | AppSpec) -> Route:
        spec = self.project.app(app) if isinstance(app, str) else app
        name = app if isinstance(app, str) else self._names.get(id(spec))
        if name is None:  # an AppSpec that is not one of the project's apps: nothing is deployed for it
            return super().route(spec)
        return route_for(self, self.store, name, spec)
