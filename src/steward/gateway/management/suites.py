"""`/v1/evals/runs` and `/v1/evals/comparisons`: stored evaluation and red-team runs, their reports, and A/B
comparisons of two runs with the significance `steward eval compare` reports (paired-bootstrap 95 % intervals and
a verdict per metric: better, worse, no significant difference, not testable).

A run belongs to the team of its app: a key lists and reads its team's runs only, another team's run answers 404
as a missing one. A run's report is what `steward eval show RUN --json` prints. The comparisons listed are the
pairs an A/B suite (`variants: {a: …, b: …}`) stored: two runs of one suite and dataset, variant A then B; any two
runs of the team can be compared.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.errors import NotFound
from steward.gateway.management.common import (
    ERRORS,
    JSON,
    MAX_LIMIT,
    NOT_FOUND,
    Reader,
    check_choice,
    readable_apps,
)
from steward.store import Store, StoredRun
from steward.types import Principal

KINDS = ("suite", "redteam")


class RunOut(BaseModel):
    """A stored run without its cases, as `steward eval runs` lists it."""

    model_config = ConfigDict(extra="allow")

    id: str
    kind: str
    name: str
    app: str
    variant: str | None
    created_at: float
    passed: bool
    case_count: int
    summary: list[dict[str, Any]] = Field(description="each metric's value")
    gates: list[dict[str, Any]] = Field(description="each gate, its value and whether it passed")


class RunListOut(BaseModel):
    object: str = "list"
    data: list[RunOut]


class ReportOut(BaseModel):
    """The run's JSON report (`steward eval show RUN --json`): the run, and each case with its scores."""

    run: dict[str, Any]
    cases: list[dict[str, Any]]


class PairOut(BaseModel):
    name: str = Field(description="the suite")
    a: RunOut
    b: RunOut


class PairListOut(BaseModel):
    object: str = "list"
    data: list[PairOut]


class DeltaOut(BaseModel):
    """How one metric moved from run A to run B."""

    model_config = ConfigDict(extra="allow")

    name: str
    a: float | None
    b: float | None
    delta: float | None
    low: float | None = Field(description="the 95 % interval's low end (paired bootstrap)")
    high: float | None
    pairs: int = Field(description="cases both runs scored")
    verdict: str = Field(description="better, worse, no significant difference, or not testable")


class ComparisonOut(BaseModel):
    """`steward eval compare A B --json`'s deltas, with both runs and the one-line verdict it prints."""

    a: RunOut
    b: RunOut
    data: list[DeltaOut]
    overall: str


def _brief(run: StoredRun) -> dict[str, Any]:
    keys = ("id", "kind", "name", "app", "variant", "created_at", "finished_at", "passed", "case_count")
    return {**{k: getattr(run, k) for k in keys}, "summary": run.summary, "gates": run.gates}


def _runs(store: Store, apps: list[str], kind: str | None, limit: int) -> list[StoredRun]:
    found = [run for app in apps for run in store.evals.list_runs(app, kind, limit)]
    return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]


def _pairs(runs: list[StoredRun]) -> list[dict[str, Any]]:
    """Variant A then B of one A/B suite run: consecutive runs of one suite and dataset with two variants."""
    found, ordered = [], sorted((r for r in runs if r.variant), key=lambda r: r.created_at)
    i = 0
    while i + 1 < len(ordered):
        a, b = ordered[i], ordered[i + 1]
        if (a.name, a.dataset_hash) == (b.name, b.dataset_hash) and a.variant != b.variant:
            found.append({"name": a.name, "a": _brief(a), "b": _brief(b)})
            i += 2
        else:
            i += 1
    return sorted(found, key=lambda p: p["b"]["created_at"], reverse=True)


def _run(store: Store, apps: list[str], run_id: str, with_cases: bool = True) -> StoredRun:
    try:  # among the team's runs only: a prefix another team's run shares is neither ambiguous nor probed
        run = store.evals.get_run(run_id, with_cases=with_cases, apps=apps)
    except NotFound:
        run = None
    if run is None or run.app not in apps:
        raise NotFound(f"no run {run_id!r} of your team; `GET /v1/evals/runs` lists them.")
    return run


def _compare(store: Store, apps: list[str], run_a: str, run_b: str, seed: int) -> dict[str, Any]:
    from steward.evals.compare import compare_runs, overall

    a, b = _run(store, apps, run_a), _run(store, apps, run_b)
    deltas = compare_runs(a, b, seed=seed)
    return {"a": _brief(a), "b": _brief(b), "data": [d.to_dict() for d in deltas], "overall": overall(deltas)}


def _apps(project: Project, who: Principal, app: str | None) -> list[str]:
    mine = readable_apps(project, who)
    chosen = check_choice(app, mine, "app")
    return [chosen] if chosen is not None else mine


# What the routes and the console call, as the caller's key.


def runs_of(
    store: Store, project: Project, who: Principal, app: str | None, kind: str | None, limit: int
) -> list[dict[str, Any]]:
    """`RunOut` of the stored runs of `who`'s team (or of `app`), newest first."""
    check_choice(kind, KINDS, "kind")
    return [_brief(r) for r in _runs(store, _apps(project, who, app), kind, limit)]


def run_report(store: Store, project: Project, who: Principal, run_id: str) -> dict[str, Any]:
    """A run's JSON report (`ReportOut`); another team's run is a 404."""
    from steward.evals.report import run_payload

    report: dict[str, Any] = run_payload(_run(store, _apps(project, who, None), run_id))
    return report


def pairs_of(store: Store, project: Project, who: Principal, app: str | None, limit: int) -> list[dict[str, Any]]:
    """The A/B pairs (`PairOut`) A/B suites stored for `who`'s team, newest first."""
    return _pairs(_runs(store, _apps(project, who, app), "suite", limit))


def comparison(
    store: Store, project: Project, who: Principal, run_a: str, run_b: str, seed: int
) -> dict[str, Any]:
    """Run B against run A, metric by metric: `ComparisonOut`."""
    return _compare(store, _apps(project, who, None), run_a, run_b, seed)


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The evaluation routes over `store`, for the callers `reader` admits."""
    api = APIRouter(prefix="/v1/evals", tags=["Management: evals"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]
    App = Annotated[str | None, Query(description="an app of your team (default: all)")]

    @api.get("/runs", response_model=RunListOut)
    async def list_runs(
        who: Who,
        app: App = None,
        kind: Annotated[str | None, Query(description="suite or redteam")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="runs, newest first")] = 20,
    ) -> JSON:
        """Stored evaluation and red-team runs of your team, newest first (`steward eval runs`)."""
        return JSON(
            {"object": "list", "data": await asyncio.to_thread(runs_of, store, project, who, app, kind, limit)}
        )

    @api.get("/runs/{run_id}", response_model=ReportOut, responses=NOT_FOUND)
    async def report(run_id: str, who: Who) -> JSON:
        """A run's JSON report: versions, scores, gates and every case (`steward eval show RUN --json`)."""
        return JSON(await asyncio.to_thread(run_report, store, project, who, run_id))

    @api.get("/comparisons", response_model=PairListOut)
    async def comparisons(
        who: Who,
        app: App = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="runs read, newest first")] = 200,
    ) -> JSON:
        """The A/B pairs A/B suites stored (variant A and B of one suite run), newest first."""
        return JSON({"object": "list", "data": await asyncio.to_thread(pairs_of, store, project, who, app, limit)})

    @api.get("/comparisons/{run_a}/{run_b}", response_model=ComparisonOut, responses=NOT_FOUND)
    async def compare(
        run_a: str, run_b: str, who: Who, seed: Annotated[int, Query(ge=0, description="bootstrap seed")] = 0
    ) -> JSON:
        """Per-metric deltas of run B against run A with paired-bootstrap 95 % intervals and a verdict, as
        `steward eval compare A B --json` reports them."""
        return JSON(await asyncio.to_thread(comparison, store, project, who, run_a, run_b, seed))

    return api
