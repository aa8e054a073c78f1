"""The audit log with its chain's verify status, and the alerts of the team's apps with the silences over them.

The log is `management.audit.events_page` (the team's events, newest first, filtered by actor, action and subject
prefix, keyset paging); every visit verifies the chain (a shallow `audit.verification`, as
`POST /v1/audit/verify {"shallow": true}`), and "Verify everything" runs the deep one, which reads every governed
row and sealed record (a read: an auditor may; a POST with the CSRF token like every other). Alerts are
`management.monitoring.alerts_of`. Silencing an alert from the console waits for the management API's silence
route (its service function goes where `SILENCE_HOOK` is named); until then the page says how to silence one with
the CLI.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import InvalidRequest
from steward.gateway.console.security import check_csrf, form, visitor
from steward.gateway.management.audit import VerifyIn, events_page, verification
from steward.gateway.management.common import readable_apps
from steward.gateway.management.monitoring import alerts_of

if TYPE_CHECKING:
    from steward.gateway.console import Console

FILTERS = ("actor", "action", "subject")
PAGE = 50
SILENCE_HOOK = None  # the management API's silence service function, once it has one (issue 18, `mgmt`)


def routes(api: APIRouter, console: Console) -> None:
    async def audit_page(request: Request, deep: bool) -> Response:
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
        checked = await asyncio.to_thread(
            verification, console.store, console.project, signed.who, VerifyIn(shallow=not deep)
        )
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
            verified=checked,
            deep=deep,
        )

    @api.get("/ui/audit")
    async def audit_log(request: Request) -> Response:
        return await audit_page(request, deep=False)

    @api.post("/ui/audit/verify")
    async def verify_everything(request: Request) -> Response:
        signed = visitor(console, request)
        check_csrf(request, signed.session, await form(request))
        return await audit_page(request, deep=True)

    @api.get("/ui/alerts")
    async def alerts(request: Request) -> Response:
        signed = visitor(console, request)
        everything = request.query_params.get("all") == "1"
        apps = readable_apps(console.project, signed.who)
        found = await asyncio.to_thread(alerts_of, console.store, apps, everything)
        return console.page(signed, "alerts.html", alerts=found, everything=everything, can_silence=False)
