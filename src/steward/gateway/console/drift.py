"""Drift: one run for an app between a reference and a current window, each signal with its statistic,
threshold and verdict, beside a chart of the app's rollups over both windows.

The run is `management.drift.drift_report` (what `POST /v1/monitor/drift` and `steward monitor drift --json`
answer), as the signed-in key: a read, so an auditor may run one. It runs only when the form is sent (`run=1`);
embeddings are compared only when asked (their model loads on first use). The chart is the app's hourly rollups
(daily past `HOURLY_SPAN_S`) from `management.monitoring.rollups_of`, summed as the overview's (`series`).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import InvalidRequest
from steward.gateway.console.actions import parsed
from steward.gateway.console.overview import series
from steward.gateway.console.security import visitor
from steward.gateway.management.common import app_of, readable_apps
from steward.gateway.management.drift import DriftIn, drift_report
from steward.gateway.management.monitoring import rollups_of
from steward.monitor.windows import parse_window
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console

DEFAULTS = {"reference": "-14d..-7d", "current": "-7d..now"}
HOURLY_SPAN_S = 14 * 86_400.0
CHART_MAX_S = 90 * 86_400.0


def _span(asked: DriftIn) -> tuple[float, float]:
    """From the earlier window's start to the later one's end (the last week for `first:N@MODEL` windows)."""
    now = time.time()
    windows = [parse_window(asked.reference, now), parse_window(asked.current, now)]
    starts = [w.since for w in windows if w.since is not None]
    ends = [w.until for w in windows if w.until is not None]
    since, until = (min(starts), max(ends)) if starts and ends else (now - 7 * 86_400.0, now)
    return max(since, until - CHART_MAX_S), until


def _read(console: Console, who: Principal, asked: DriftIn) -> dict[str, Any]:
    report = drift_report(console.store, console.project, who, asked)
    since, until = _span(asked)
    grain = "hour" if until - since <= HOURLY_SPAN_S else "day"
    buckets = rollups_of(console.store, [asked.app], asked.app, grain, since, until)
    return {"report": report, "data": series(buckets, since, until), "grain": grain}


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/drift")
    async def drift(request: Request) -> Response:
        signed = visitor(console, request)
        apps = readable_apps(console.project, signed.who)
        params = {name: request.query_params.get(name) or DEFAULTS.get(name, "") for name in ("app", *DEFAULTS)}
        params["app"] = params["app"] or (apps[0] if apps else "")
        embeddings = request.query_params.get("embeddings") == "1"
        shown: dict[str, Any] = {}
        error = ""
        if request.query_params.get("run") == "1":
            try:
                app_of(console.project, signed.who, params["app"])
                asked = parsed(DriftIn, "the drift run", embeddings=embeddings, **params)
                shown = await asyncio.to_thread(_read, console, signed.who, asked)
            except InvalidRequest as bad:
                error = bad.message
        return console.page(
            signed,
            "drift.html",
            status=400 if error else 200,
            apps=apps,
            params=params,
            embeddings=embeddings,
            error=error,
            **shown,
        )
