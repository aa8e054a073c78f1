"""The overview page: the last 24 hours of the team's apps from the monitor's rollups, and the alerts firing now.

Read through `management.monitoring.rollups_of` and `alerts_of` (what `GET /v1/monitor/rollups` and `/v1/alerts`
answer). Hourly buckets of every app, model and arm are added up per hour: requests by status, the worst p95
latency of any of them (quantiles of different buckets cannot be added), and each verdict's rate weighted by the
bucket's requests. The page charts them with uPlot (`console.js`) from a JSON block and lists the same figures in a
table, so they read without script and to a screen reader.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.gateway.console.security import visitor
from steward.gateway.management.common import readable_apps
from steward.gateway.management.monitoring import alerts_of, rollups_of

if TYPE_CHECKING:
    from steward.gateway.console import Console

SPAN_S = 86_400.0
SHOWN_STATUSES = ("served", "blocked", "escalated", "declined", "failed")


def series(buckets: list[dict[str, Any]], since: float, until: float) -> dict[str, Any]:
    """Per-hour totals of rollup buckets (as `rollups_of` gives them), in columns for uPlot: `hours` (the
    buckets' ISO starts), `requests` per status, `p95_ms` (worst of the hour), `verdicts` per rule, and the span
    charted (`since`, `until`, epoch seconds)."""
    hours = sorted({b["bucket"] for b in buckets})
    at = {hour: i for i, hour in enumerate(hours)}
    requests = {s: [0] * len(hours) for s in SHOWN_STATUSES}
    p95: list[float | None] = [None] * len(hours)
    weighted: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(hours))
    counted = [0] * len(hours)
    for bucket in buckets:
        i = at[bucket["bucket"]]
        for status, count in bucket["statuses"].items():
            if status in requests:
                requests[status][i] += count
        worst = bucket["latency_ms"].get("p95")
        if worst is not None:
            p95[i] = max(worst, p95[i] or 0.0)
        counted[i] += bucket["requests"]
        for rule, rate in bucket.get("verdict_rates", {}).items():
            weighted[rule][i] += rate * bucket["requests"]
    verdicts = {
        rule: [round(total / counted[i], 4) if counted[i] else None for i, total in enumerate(totals)]
        for rule, totals in sorted(weighted.items())
    }
    return {
        "hours": hours,
        "requests": requests,
        "p95_ms": p95,
        "verdicts": verdicts,
        "since": since,
        "until": until,
    }


def _read(console: Console, apps: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    now = time.time()
    buckets = rollups_of(console.store, apps, None, "hour", now - SPAN_S, now)
    alerts = [a for a in alerts_of(console.store, apps, False) if a["state"] == "firing"]
    return series(buckets, now - SPAN_S, now), alerts


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui")
    async def overview(request: Request) -> Response:
        signed = visitor(console, request)
        apps = readable_apps(console.project, signed.who)
        data, firing = await asyncio.to_thread(_read, console, apps)
        totals = {status: sum(counts) for status, counts in data["requests"].items()}
        return console.page(signed, "overview.html", data=data, totals=totals, firing=firing, apps=apps)
