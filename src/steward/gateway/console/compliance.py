"""Compliance: each app's EU AI Act controls for its risk tier, satisfied with their evidence or missing with what
to do, and its evidence pack to download (JSON, or the self-contained HTML).

Read through `management.compliance.controls_of` and `evidence_pack_of` as the signed-in key (what `GET
/v1/compliance/{app}[/pack]` answers; the pack is built as that key); another team's app reads as missing (404).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import InvalidRequest
from steward.gateway.console.security import HEADERS, visitor
from steward.gateway.management.common import readable_apps
from steward.gateway.management.compliance import controls_of, evidence_pack_of

if TYPE_CHECKING:
    from steward.gateway.console import Console

FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8"}


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/compliance")
    async def check(request: Request) -> Response:
        signed = visitor(console, request)
        apps = readable_apps(console.project, signed.who)
        app = request.query_params.get("app") or (apps[0] if apps else "")
        report = None
        if app:
            report = await asyncio.to_thread(controls_of, console.store, console.project, signed.who, app)
        return console.page(signed, "compliance.html", apps=apps, app=app, report=report)

    @api.get("/ui/compliance/{app}/pack")
    async def pack(app: str, request: Request) -> Response:
        signed = visitor(console, request)
        kind = request.query_params.get("format", "json")
        if kind not in FORMATS:
            raise InvalidRequest(f"format {kind!r}: json or html.")
        name, body = await asyncio.to_thread(
            evidence_pack_of, console.store, console.project, signed.who, app, kind
        )
        headers = {**HEADERS, "content-disposition": f'attachment; filename="{name}"'}
        return Response(body, media_type=FORMATS[kind], headers=headers)
