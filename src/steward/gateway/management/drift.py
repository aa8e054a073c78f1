"""`POST /v1/monitor/drift`: one drift run of an app of the caller's team, answering exactly what `steward monitor
drift APP --json` prints (both call `steward.monitor.drift_run.run`).

A run reads records and computes what it compares; it changes no governed state, so every key that reads the
management API may run one (an auditor too). It runs off the event loop: a window of 10,000 records takes seconds,
and the embedding model loads only for texts whose embeddings are not stored yet (`embeddings: false` skips them).
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.gateway.management.common import ERRORS, JSON, NOT_FOUND, Reader, app_of
from steward.monitor.windows import MAX_RECORDS
from steward.store import Store
from steward.types import Principal

WINDOW = "FROM..TO (ISO 8601, `now`, or a duration back from now: -24h..now, -14d..-7d) or first:N@MODEL"


class DriftIn(BaseModel):
    """What to compare: two windows of the app's traffic."""

    model_config = ConfigDict(extra="forbid")

    app: str = Field(description="an app of your team")
    reference: str = Field(description=WINDOW, examples=["-14d..-7d"])
    current: str = Field(default="-24h..now", description=WINDOW)
    alpha: float = Field(default=0.005, gt=0, lt=1, description="false-alarm rate over all the signals")
    embeddings: bool = Field(default=True, description="compare input and output embeddings too")
    max_records: int = Field(default=MAX_RECORDS, ge=30, le=MAX_RECORDS, description="sample larger windows")


class SignalOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    test: str
    statistic: float | None
    threshold: float | None
    drifted: bool


class DriftOut(BaseModel):
    """The report as `steward monitor drift --json` prints it."""

    model_config = ConfigDict(extra="allow")

    app: str
    reference: str
    current: str
    drifted: bool = Field(description="true when any signal drifted")
    alpha: float
    signals: list[SignalOut]
    skipped: dict[str, str] = Field(description="signals not tested, and why")
    warnings: list[str] = Field(description="e.g. the two windows share records")


def drift_report(store: Store, project: Project, who: Principal, asked: DriftIn) -> dict[str, Any]:
    """One drift run of an app of `who`'s team (`DriftOut`), as the route and the console make it."""
    from steward.models.embeddings import LazyEmbedder

    app_of(project, who, asked.app)
    from steward.monitor import drift_run

    return drift_run.run(
        store,
        asked.app,
        asked.reference,
        asked.current,
        alpha=asked.alpha,
        embedder=LazyEmbedder() if asked.embeddings else None,
        max_records=asked.max_records,
    )


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The drift route over `store`, for the callers `reader` admits."""
    api = APIRouter(tags=["Management: monitoring"], responses=ERRORS)

    @api.post("/v1/monitor/drift", response_model=DriftOut, responses=NOT_FOUND)
    async def drift(who: Annotated[Principal, Depends(reader)], body: Annotated[DriftIn, Body()]) -> JSON:
        """Has the app's traffic drifted between the two windows? Each signal's statistic, threshold and verdict
        (a 400 when a window does not parse or holds fewer than 30 records)."""
        return JSON(await asyncio.to_thread(drift_report, store, project, who, body))

    return api
