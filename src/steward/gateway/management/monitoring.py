"""`GET /v1/monitor/rollups` and `GET /v1/alerts`: what `steward monitor rollups --json` and `steward alerts list
--json` print, for the apps of the caller's team.

Rollups are read as the server's monitoring process folded them (a GET never folds); a key sees the buckets of
its team's apps only, so the buckets of Steward's own (`(unknown)`, `(embeddings)`), which span teams, are left
out. An alert belongs to the team of its app (as in the config); another team's alerts are absent.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.errors import InvalidRequest
from steward.gateway.management.common import (
    ERRORS,
    JSON,
    WHEN,
    Reader,
    check_choice,
    check_range,
    parse_time,
    readable_apps,
)
from steward.monitor.alerts import silences_over
from steward.monitor.rollups import GRAINS
from steward.store import Store
from steward.types import Principal

DEFAULT_SPAN_S = 86_400.0  # the CLI's default window, -24h..now
MAX_BUCKETS = 10_000  # per app, model and arm: a minute grain over a week is 10,080


class RollupOut(BaseModel):
    """One bucket of one app, model and arm: requests by status, latency quantiles, tokens, cost, verdict rates,
    feedback and quality."""

    model_config = ConfigDict(extra="allow")

    app: str
    model: str
    arm: str
    grain: str
    bucket: str = Field(description="the bucket's start, ISO 8601 UTC")
    requests: int
    statuses: dict[str, int]
    latency_ms: dict[str, float | None]
    cost: float


class RollupListOut(BaseModel):
    object: str = "list"
    data: list[RollupOut]


class AlertOut(BaseModel):
    """An alert (a rule breached for an app), and the silence over it, if any."""

    id: str
    rule: str
    app: str
    state: str = Field(description="pending, firing or resolved")
    severity: str
    metric: str
    condition: str
    value: float | None
    started_at: float
    fired_at: float | None
    resolved_at: float | None
    notifications: list[dict[str, Any]]
    silenced: dict[str, Any] | None = Field(description="id, until, by and why of the silence in force")


class AlertListOut(BaseModel):
    object: str = "list"
    data: list[AlertOut]


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="minutes").replace("+00:00", "Z")


def rollups_of(
    store: Store, apps: list[str], app: str | None, grain: str, since: float, until: float
) -> list[dict[str, Any]]:
    """The buckets of `apps` (or of `app`) as `GET /v1/monitor/rollups` answers them, and the console charts."""
    found = store.monitoring.rollups(app, grain, since, until)
    return [
        {"app": k.app, "model": k.model, "arm": k.arm, "grain": k.grain, "bucket": _iso(k.bucket), **r.summary()}
        for k, r in found
        if k.app in apps
    ]


def alerts_of(store: Store, apps: list[str], everything: bool) -> list[dict[str, Any]]:
    """The alerts of `apps` with the silence over each, as `GET /v1/alerts` answers them (and the console)."""
    mine = [a for a in store.monitoring.alerts(everything=everything) if a.app in apps]
    silenced = silences_over(store, mine, time.time())
    return [{**alert.as_dict(), "silenced": silenced.get(alert.id)} for alert in mine]


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The monitoring routes over `store`, for the callers `reader` admits."""
    api = APIRouter(tags=["Management: monitoring"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    @api.get("/v1/monitor/rollups", response_model=RollupListOut)
    async def rollups(
        who: Who,
        app: Annotated[str | None, Query(description="an app of your team (default: all of them)")] = None,
        grain: Annotated[str, Query(description=f"one of {', '.join(GRAINS)}")] = "hour",
        since: Annotated[str | None, Query(description="inclusive (default: 24 hours ago); " + WHEN)] = None,
        until: Annotated[str | None, Query(description="exclusive (default: now); " + WHEN)] = None,
    ) -> JSON:
        """Rollups per bucket, oldest first, as `steward monitor rollups --json` prints them."""
        apps = readable_apps(project, who)
        check_choice(app, apps, "app")
        check_choice(grain, tuple(GRAINS), "grain")
        end, start = parse_time(until, "until"), parse_time(since, "since")
        end = time.time() if end is None else end
        start = end - DEFAULT_SPAN_S if start is None else start
        check_range(start, end)
        if (end - start) / GRAINS[grain] > MAX_BUCKETS:
            raise InvalidRequest(
                f"{grain} buckets from `since` to `until` are over {MAX_BUCKETS}; narrow the range or use a "
                "coarser `grain`.",
                param="grain",
            )
        data = await asyncio.to_thread(rollups_of, store, apps, app, grain, start, end)
        return JSON({"object": "list", "data": data})

    @api.get("/v1/alerts", response_model=AlertListOut)
    async def alerts(
        who: Who,
        all: Annotated[bool, Query(description="resolved alerts too, newest first")] = False,
    ) -> JSON:
        """Pending and firing alerts of your team's apps (with `all`, resolved ones too), as `steward alerts list
        --json` prints them."""
        data = await asyncio.to_thread(alerts_of, store, readable_apps(project, who), all)
        return JSON({"object": "list", "data": data})

    return api
