"""The audit log with its chain's verify status, and the alerts of the team's apps with the silences over them.

The log is `management.audit.events_page` (the team's events, newest first, filtered by actor, action and subject
prefix, keyset paging). Its verify status is the team's last verification in this process: a shallow one (the
chain, as `POST /v1/audit/verify {"shallow": true}`) runs when there is none younger than `VERIFY_TTL_S`, since it
walks every event (about 25 µs each on SQLite: 5,000 events take 0.12 s), and the page shows when it ran; "Verify
the chain" and "Verify everything" (the deep one, which reads every governed row and sealed record) run one now
(a read: an auditor may; a POST with the CSRF token like every other). Alerts are
`management.monitoring.alerts_of`; an admin or developer silences one for a while with a reason through
`management.silences.silence_alert`, as `POST /v1/alerts/{id}/silence` does (audited `monitor.silence` as the key).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from steward.errors import InvalidRequest
from steward.gateway.console import when_text
from steward.gateway.console.security import HEADERS, check_csrf, form, visitor
from steward.gateway.management.audit import VerifyIn, events_page, verification
from steward.gateway.management.common import readable_apps
from steward.gateway.management.monitoring import alerts_of
from steward.gateway.management.silences import SilenceIn, silence_alert

if TYPE_CHECKING:
    from steward.gateway.console import Console

FILTERS = ("actor", "action", "subject")
PAGE = 50
VERIFY_TTL_S = 300.0
SILENCE_FOR = ("30m", "2h", "1d", "7d")


def routes(api: APIRouter, console: Console) -> None:
    async def audit_page(request: Request, deep: bool | None) -> Response:
        """The log's page; `deep` None shows the last verification (or a shallow one if it is old), True or False
        verifies now."""
        signed = visitor(console, request)
        params = {name: request.query_params.get(name, "") for name in FILTERS}
        after = request.query_params.get("after") or None
        error = ""
        page: dict[str, Any] = {"data": [], "next": None}  # what a bad filter's error is shown beside
        filters: dict[str, str | None] = {k: v or None for k, v in params.items()}
        try:
            page = await asyncio.to_thread(events_page, console.store, signed.who, filters, after, PAGE)
        except InvalidRequest as bad:
            error = bad.message
        checked = console.verified.get(signed.who.team)
        if deep is not None or checked is None or time.time() - checked["at"] > VERIFY_TTL_S:
            asked = VerifyIn(shallow=not deep)
            result = await asyncio.to_thread(verification, console.store, console.project, signed.who, asked)
            checked = console.verified[signed.who.team] = {"at": time.time(), "deep": bool(deep), "result": result}
        chosen = {k: v for k, v in params.items() if v}
        more = f"/ui/audit?{urlencode({**chosen, 'after': page['next']})}" if page["next"] else None
        return console.page(
            signed,
            "audit.html",
            status=400 if error else 200,
            events=page["data"],
            params=params,
            error=error,
            more=more,
            verified=checked["result"],
            verified_at=checked["at"],
            deep=checked["deep"],
        )

    @api.get("/ui/audit")
    async def audit_log(request: Request) -> Response:
        return await audit_page(request, deep=None)

    @api.post("/ui/audit/verify")
    async def verify_now(request: Request) -> Response:
        signed = visitor(console, request)
        fields = await form(request)
        check_csrf(request, signed.session, fields)
        return await audit_page(request, deep=fields.get("depth") != "chain")

    @api.get("/ui/alerts")
    async def alerts(request: Request) -> Response:
        signed = visitor(console, request)
        everything = request.query_params.get("all") == "1"
        apps = readable_apps(console.project, signed.who)
        found = await asyncio.to_thread(alerts_of, console.store, apps, everything)
        return console.page(signed, "alerts.html", alerts=found, everything=everything, lengths=SILENCE_FOR)

    @api.post("/ui/alerts/{alert_id}/silence")
    async def silence(alert_id: str, request: Request) -> Response:
        signed = visitor(console, request)
        fields = await form(request)
        check_csrf(request, signed.session, fields)
        try:
            asked = SilenceIn(why=fields.get("why", ""), **{"for": fields.get("for", "")})
        except ValidationError as exc:
            raise InvalidRequest(f"the silence: {exc.errors()[0].get('msg', 'invalid')}.") from None
        row = await asyncio.to_thread(silence_alert, console.store, console.project, signed.who, alert_id, asked)
        signed.note(f"{row['rule']} on {row['app']} silenced until {when_text(row['until'])}.")
        return RedirectResponse("/ui/alerts", status_code=303, headers=HEADERS)
