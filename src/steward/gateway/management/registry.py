"""`GET /v1/registry`, `/v1/registry/{ref}` and `/v1/registry/{ref}/lineage`: the registry's versions and their
lineage, as `steward registry list | show | lineage --json` print them (the same `steward.governance` calls).

A key reads its own team's versions; a reference of another team answers 404 as a missing one. A reference is
`[kind:]NAME[@VERSION]`, e.g. `model:qwen@2` or `prompt:airport-assistant`.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.gateway.management.common import ERRORS, JSON, NOT_FOUND, Reader, actor
from steward.governance import lineage, tenancy, versions
from steward.store import Store
from steward.types import Principal

REF = "a version: [kind:]NAME[@VERSION], e.g. model:qwen@2 or prompt:airport-assistant"


class VersionOut(BaseModel):
    """One immutable registry version, as `steward registry show` prints it."""

    model_config = ConfigDict(extra="allow")

    ref: str = Field(description="kind:name@version")
    kind: str
    name: str
    version: int
    team: str
    labels: list[str] = Field(description="its stages and tags")
    content_hash: str
    created_at: float
    created_by: str


class VersionListOut(BaseModel):
    object: str = "list"
    data: list[VersionOut]


class EdgeOut(BaseModel):
    parent: str
    child: str
    relation: str


class LineageOut(BaseModel):
    """Where a version came from and what it fed: dataset → training run → model → eval run → deployment."""

    node: str
    upstream: list[EdgeOut]
    downstream: list[EdgeOut]


def version_list(store: Store, who: Principal, kind: str | None, name: str | None) -> list[dict[str, Any]]:
    """`VersionOut` of `who`'s team's registry versions (of a kind, of a name)."""
    return [v.as_dict() for v in versions.list_versions(store, actor(who), kind=kind, name=name)]


def version_of(store: Store, who: Principal, ref: str) -> dict[str, Any]:
    """One version of `who`'s team in full: `VersionOut` (404 for another team's)."""
    return versions.resolve(store, actor(who), ref).as_dict()


def lineage_of(store: Store, project: Project, who: Principal, ref: str) -> dict[str, Any]:
    """Where a version came from and what it fed (`LineageOut`), within the version's team: another team's edges
    are not walked, nor its nodes described."""
    version = versions.resolve(store, actor(who), ref)
    return lineage.graph(store, version.node, team=version.team, apps=tenancy.apps_for(project, who))


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The registry's routes over `store`, for the callers `reader` admits."""
    api = APIRouter(prefix="/v1/registry", tags=["Management: registry"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    @api.get("", response_model=VersionListOut)
    async def list_versions(
        who: Who,
        kind: Annotated[str | None, Query(description=f"one of {', '.join(versions.KINDS)}")] = None,
        name: Annotated[str | None, Query(description="exactly")] = None,
    ) -> JSON:
        """Registry versions of your team (`steward registry list --json`)."""
        return JSON({"object": "list", "data": await asyncio.to_thread(version_list, store, who, kind, name)})

    @api.get("/{ref}", response_model=VersionOut, responses=NOT_FOUND)
    async def show(ref: Annotated[str, Path(description=REF)], who: Who) -> JSON:
        """One version in full (`steward registry show REF --json`)."""
        return JSON(await asyncio.to_thread(version_of, store, who, ref))

    @api.get("/{ref}/lineage", response_model=LineageOut, responses=NOT_FOUND)
    async def version_lineage(ref: Annotated[str, Path(description=REF)], who: Who) -> JSON:
        """Where a version came from and what it fed (`steward registry lineage REF --json`)."""
        return JSON(await asyncio.to_thread(lineage_of, store, project, who, ref))

    return api
