"""`GET /v1/silences` and `POST /v1/alerts/{id}/silence|unsilence`: silences of alerts, as `steward alerts
silence|unsilence` set and lift them (both call `steward.governance.silences`).

A silence is made as the caller's key (who), with the reason it gives (why) and until when (`until`, a time, or
`for`, a duration); it is audited as the CLI's `monitor.silence` / `monitor.unsilence`. Admin and developer keys
silence their team's alerts; auditor keys list silences and are refused a change (403); another team's alert, or
one of an app the key is not for, answers 404 as a missing one.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.config.monitor import seconds
from steward.errors import InvalidRequest
from steward.gateway.management.common import (
    CHANGES,
    ERRORS,
    JSON,
    WHEN,
    Reader,
    actor,
    parse_time,
    readable_apps,
)
from steward.governance import silences
from steward.store import Store
from steward.types import Principal


class SilenceOut(BaseModel):
    id: str
    rule: str
    app: str
    until: float = Field(description="when it ends (or ended, once lifted)")
    by: str = Field(description="who set it: `key:<key id>` or `user:<login>`")
    why: str
    created_at: float


class SilenceListOut(BaseModel):
    object: str = "list"
    data: list[SilenceOut]


class SilenceIn(BaseModel):
    """How long to silence the alert's rule for its app, and why; give `for` or `until`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    why: str = Field(max_length=2000, description="the reason, kept with the silence and in the audit log")
    for_: str | None = Field(default=None, alias="for", description="a duration: 30m, 2h, 1d … (at most 90d)")
    until: str | None = Field(default=None, description="when it ends; " + WHEN)


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    why: str = Field(max_length=2000, description="the reason, kept in the audit log")


class LiftOut(BaseModel):
    alert: str
    lifted: list[SilenceOut]
    by: str
    why: str


def _length(asked: SilenceIn) -> float:
    if (asked.for_ is None) == (asked.until is None):
        raise InvalidRequest('send how long as `for` (e.g. "2h") or `until` (a time), one of them.', param="for")
    if asked.for_ is not None:
        try:
            return seconds(asked.for_)
        except ValueError as exc:
            raise InvalidRequest(f"`for`: {exc}.", param="for") from None
    end = parse_time(asked.until, "until")
    assert end is not None
    return end - time.time()


def _for_key(store: Store, project: Project, alert_id: str, who: Principal) -> str:
    """`alert_id`, unless its app is one the key is not for: then the 404 of a missing alert, as in the listing,
    which shows a key scoped to some apps only their alerts."""
    alert = silences.alert_of(store, project, alert_id, actor(who))
    if not who.may_use(alert.app):
        raise silences.missing(alert_id)
    return alert_id


def silence_alert(
    store: Store, project: Project, who: Principal, alert_id: str, asked: SilenceIn
) -> dict[str, Any]:
    """Silence the alert as `who` (the route's key, or the console's signed-in identity): `SilenceOut`."""
    row: Any = silences.silence(
        store, project, actor(who), _for_key(store, project, alert_id, who), _length(asked), asked.why
    )
    return dict(row.__dict__)


def silences_of(store: Store, project: Project, who: Principal, everything: bool = False) -> list[dict[str, Any]]:
    """Silences over `who`'s team's apps, newest first: `SilenceOut` (with `everything`, ended ones too)."""
    return silences.listing(store, readable_apps(project, who), everything)


def lift_silence(store: Store, project: Project, who: Principal, alert_id: str, asked: LiftIn) -> dict[str, Any]:
    """Lift the silences in force over the alert's rule and app as `who`: `LiftOut`."""
    return silences.unsilence(store, project, actor(who), _for_key(store, project, alert_id, who), asked.why)


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The silences' routes over `store`, for the callers `reader` admits."""
    api = APIRouter(tags=["Management: monitoring"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    @api.get("/v1/silences", response_model=SilenceListOut)
    async def list_silences(
        who: Who, all: Annotated[bool, Query(description="ended and lifted silences too")] = False
    ) -> JSON:
        """Silences over your team's apps, newest first: those in force (with `all`, every one ever set)."""
        data = await asyncio.to_thread(silences_of, store, project, who, all)
        return JSON({"object": "list", "data": data})

    @api.post("/v1/alerts/{alert_id}/silence", response_model=SilenceOut, responses=CHANGES)
    async def silence(alert_id: str, who: Who, body: Annotated[SilenceIn, Body()]) -> JSON:
        """Stop the alert's rule from notifying for its app until the silence ends, as your key (it still fires
        and is listed), as `steward alerts silence` does."""
        return JSON(await asyncio.to_thread(silence_alert, store, project, who, alert_id, body))

    @api.post("/v1/alerts/{alert_id}/unsilence", response_model=LiftOut, responses=CHANGES)
    async def unsilence(alert_id: str, who: Who, body: Annotated[LiftIn, Body()]) -> JSON:
        """Lift the silences in force over the alert's rule and app before they end, as your key (its channels
        are notified again), as `steward alerts unsilence` does."""
        return JSON(await asyncio.to_thread(lift_silence, store, project, who, alert_id, body))

    return api
