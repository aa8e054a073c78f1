"""The registry: the team's versions (models, prompts, policies, datasets, training runs), one version in full,
and its lineage drawn as a graph (an inline SVG laid out on the server by `graph.layout`: no script, no library).

Read through `management.registry.version_list`, `version_of` and `lineage_of` as the signed-in key (what
`GET /v1/registry…` answers); another team's version reads as missing (404). Reading only: a version is made
with `steward registry apply` or by deploying.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import InvalidRequest
from steward.gateway.console.graph import layout
from steward.gateway.console.security import visitor
from steward.gateway.management.registry import lineage_of, version_list, version_of
from steward.governance.versions import KINDS
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console


def _one(console: Console, who: Principal, ref: str) -> dict[str, Any]:
    version = version_of(console.store, who, ref)
    lineage = lineage_of(console.store, console.project, who, ref)
    return {"version": version, "lineage": lineage, "drawing": layout(lineage)}


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/registry")
    async def listing(request: Request) -> Response:
        signed = visitor(console, request)
        kind = request.query_params.get("kind") or None
        name = request.query_params.get("name") or None
        error, found = "", []
        try:
            found = await asyncio.to_thread(version_list, console.store, signed.who, kind, name)
        except InvalidRequest as bad:
            error = bad.message
        params = {"kind": kind or "", "name": name or ""}
        status = 400 if error else 200
        return console.page(
            signed, "registry.html", status=status, versions=found, kinds=KINDS, params=params, error=error
        )

    @api.get("/ui/registry/{ref}")
    async def one(ref: str, request: Request) -> Response:
        signed = visitor(console, request)
        shown = await asyncio.to_thread(_one, console, signed.who, ref)
        return console.page(signed, "version.html", **shown)
