"""The evals pages at /ui/evals (a module named `suites` as `management.suites` is; evaluation itself lives in
`steward.evals`): the team's stored evaluation and red-team runs, one run's report (gates, scores, every case), and
A/B comparisons of two runs with each metric's paired-bootstrap 95 % interval and verdict.

Read through `management.suites.runs_of`, `pairs_of`, `run_report` and `comparison` as the signed-in key (what
`GET /v1/evals/…` answers); another team's run reads as missing (404). Reading only: runs are made by
`steward eval run`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import InvalidRequest
from steward.gateway.console.security import visitor
from steward.gateway.management.common import readable_apps
from steward.gateway.management.suites import comparison, pairs_of, run_report, runs_of
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console

RUNS = 50
CASES = 200  # a report shows its first cases; the JSON has them all


def _runs(console: Console, who: Principal, app: str | None) -> dict[str, Any]:
    runs = runs_of(console.store, console.project, who, app, None, RUNS)
    return {"runs": runs, "pairs": pairs_of(console.store, console.project, who, app, 4 * RUNS)}


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/evals")
    async def listing(request: Request) -> Response:
        signed = visitor(console, request)
        app = request.query_params.get("app") or None
        error = ""
        found: dict[str, Any] = {"runs": [], "pairs": []}  # what a bad app is shown beside
        try:
            found = await asyncio.to_thread(_runs, console, signed.who, app)
        except InvalidRequest as bad:
            error = bad.message
        apps = readable_apps(console.project, signed.who)
        return console.page(
            signed, "evals.html", status=400 if error else 200, app=app or "", apps=apps, error=error, **found
        )

    @api.get("/ui/evals/runs/{run_id}")
    async def report(run_id: str, request: Request) -> Response:
        signed = visitor(console, request)
        shown = await asyncio.to_thread(run_report, console.store, console.project, signed.who, run_id)
        cases = shown["cases"]
        return console.page(signed, "eval_run.html", run=shown["run"], cases=cases[:CASES], total=len(cases))

    @api.get("/ui/evals/compare")
    async def compare(request: Request) -> Response:
        signed = visitor(console, request)
        run_a, run_b = request.query_params.get("a", ""), request.query_params.get("b", "")
        if not run_a or not run_b or run_a == run_b:
            raise InvalidRequest("compare two different runs: choose run A and run B on the evals page.")
        shown = await asyncio.to_thread(comparison, console.store, console.project, signed.who, run_a, run_b, 0)
        return console.page(signed, "eval_compare.html", **shown)
