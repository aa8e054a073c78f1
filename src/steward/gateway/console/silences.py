"""Silences: those in force over the team's apps (and, asked, every one ever set), one set over an open alert
with a reason until a time, and one lifted early with a reason.

Read through `management.silences.silences_of` and `monitoring.alerts_of` (the alert each silence covers, which
lifting names); set with `silence_alert`, lifted with `lift_silence`, as the signed-in key, as `POST
/v1/alerts/{id}/silence|unsilence` do (audited `monitor.silence` / `monitor.unsilence`). An auditor lists them,
is offered no form and is refused (403). The alerts page silences an alert from its own row too.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.gateway.console import when_text
from steward.gateway.console.actions import acting, done, parsed
from steward.gateway.console.security import visitor
from steward.gateway.management.common import readable_apps
from steward.gateway.management.monitoring import alerts_of
from steward.gateway.management.silences import LiftIn, SilenceIn, lift_silence, silence_alert, silences_of
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console


def _read(console: Console, who: Principal, everything: bool) -> dict[str, Any]:
    rows = silences_of(console.store, console.project, who, everything)
    alerts = alerts_of(console.store, readable_apps(console.project, who), True)
    covering = {a["silenced"]["id"]: a["id"] for a in alerts if a["silenced"]}
    for row in rows:
        row["alert"] = covering.get(row["id"])  # the open alert it covers, which lifting names
    return {"silences": rows, "alerts": [a for a in alerts if a["state"] != "resolved"]}


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/silences")
    async def listing(request: Request) -> Response:
        signed = visitor(console, request)
        everything = request.query_params.get("all") == "1"
        found = await asyncio.to_thread(_read, console, signed.who, everything)
        return console.page(signed, "silences.html", everything=everything, **found)

    @api.post("/ui/silences")
    async def create(request: Request) -> Response:
        signed, fields = await acting(console, request)
        asked = parsed(SilenceIn, "the silence", why=fields.get("why"), until=fields.get("until"))
        alert_id = fields.get("alert", "")
        row = await asyncio.to_thread(silence_alert, console.store, console.project, signed.who, alert_id, asked)
        return done(
            signed, f"{row['rule']} on {row['app']} silenced until {when_text(row['until'])}.", "/ui/silences"
        )

    @api.post("/ui/silences/lift")
    async def lift(request: Request) -> Response:
        signed, fields = await acting(console, request)
        asked = parsed(LiftIn, "lifting the silence", why=fields.get("why"))
        alert_id = fields.get("alert", "")
        lifted = await asyncio.to_thread(lift_silence, console.store, console.project, signed.who, alert_id, asked)
        return done(
            signed, f"Lifted {len(lifted['lifted'])} silence(s) over alert {lifted['alert']}.", "/ui/silences"
        )
