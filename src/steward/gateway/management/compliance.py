"""`GET /v1/compliance/{app}` and `GET /v1/compliance/{app}/pack`: an app's EU AI Act controls and its evidence
pack, as `steward compliance check --json` and `steward compliance pack` make them (the same
`steward.governance` calls).

Reading (auditors may) within the caller's team: another team's app answers 404. The pack comes back as a file
to save (`Content-Disposition: attachment`), JSON or the self-contained HTML, named as the CLI names it; it is
built as the caller's key (`generated_by`).
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.gateway.management.common import ERRORS, JSON, NOT_FOUND, Reader, actor, app_of
from steward.governance import compliance, pack
from steward.store import Store
from steward.types import Principal


class ControlOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    title: str
    article: str
    satisfied: bool
    evidence: str = Field(description="what satisfies it, or what was found")
    fix: str = Field(description="what to do when it is missing")


class ComplianceOut(BaseModel):
    """The controls the app's tier requires, satisfied (with evidence) or missing (with what to do)."""

    model_config = ConfigDict(extra="allow")

    app: str
    team: str
    declared_tier: str
    assessed_tier: str | None
    tier: str = Field(description="the more severe of the declared and the assessed tier")
    controls: list[ControlOut]
    generated_at: float


def controls_of(store: Store, project: Project, who: Principal, app: str) -> dict[str, Any]:
    """The app's controls as `who` reads them: `ComplianceOut` (404 for another team's app)."""
    app_of(project, who, app)
    report: Any = compliance.check(store, project, app, actor(who))
    result: dict[str, Any] = report.as_dict()
    return result


def evidence_pack_of(store: Store, project: Project, who: Principal, app: str, kind: str) -> tuple[str, bytes]:
    """The app's evidence pack built as `who`: its file name and bytes (`kind` json or html)."""
    app_of(project, who, app)
    built = pack.build(store, project, app, actor(who))
    name = f"{pack.file_stem(built)}.{kind}"
    if kind == "html":
        return name, pack.render_html(built).encode()
    return name, orjson.dumps(built, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS, default=str) + b"\n"


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The compliance routes over `store`, for the callers `reader` admits."""
    api = APIRouter(prefix="/v1/compliance", tags=["Management: compliance"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    @api.get("/{app}", response_model=ComplianceOut, responses=NOT_FOUND)
    async def check(app: str, who: Who) -> JSON:
        """The app's controls, as `steward compliance check APP --json` prints them."""
        return JSON(await asyncio.to_thread(controls_of, store, project, who, app))

    @api.get(
        "/{app}/pack",
        responses={
            **NOT_FOUND,
            200: {
                "description": "the evidence pack as a file to save",
                "content": {"application/json": {}, "text/html": {}},
            },
        },
    )
    async def evidence_pack(
        app: str,
        who: Who,
        format: Annotated[Literal["json", "html"], Query(description="json (the bundle) or html")] = "json",
    ) -> Response:
        """The evidence pack (model and data cards, evals, red-team, deployments, audit excerpt), as
        `steward compliance pack` writes it, for download."""
        name, body = await asyncio.to_thread(evidence_pack_of, store, project, who, app, format)
        media = "text/html; charset=utf-8" if format == "html" else "application/json"
        return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})

    return api
