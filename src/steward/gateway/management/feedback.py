"""`GET /v1/feedback`: the feedback people gave on answers, newest first, for the apps of the caller's team.

Feedback is what `POST /v1/feedback` (an app's users) wrote; each row names its record and the record's app,
so a reviewer can open the record (`GET /v1/records/{id}`). A key reads its own team's feedback, and a key scoped
to some apps only theirs. Pages by keyset on the feedback's id.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from steward.config import Project
from steward.gateway.management.common import (
    ERRORS,
    JSON,
    MAX_LIMIT,
    WHEN,
    Reader,
    check_choice,
    check_range,
    encode_cursor,
    id_cursor,
    parse_time,
    readable_apps,
)
from steward.store import Store
from steward.types import Principal


class FeedbackOut(BaseModel):
    id: int
    record_id: str
    app: str
    score: int
    comment: str
    by: str | None
    at: float


class FeedbackPageOut(BaseModel):
    """A page of feedback, newest first; ask for the next with `after=<next>` (null at the end)."""

    object: str = "list"
    data: list[FeedbackOut]
    next: str | None


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The feedback route over `store`, for the callers `reader` admits."""
    api = APIRouter(tags=["Management: feedback"], responses=ERRORS)

    @api.get("/v1/feedback", response_model=FeedbackPageOut)
    async def list_feedback(
        who: Annotated[Principal, Depends(reader)],
        app: Annotated[str | None, Query(description="an app of your team")] = None,
        below: Annotated[
            int | None,
            Query(ge=-100, le=100, description="only scores below this, e.g. 0 for thumbs down (scores -10..10)"),
        ] = None,
        since: Annotated[str | None, Query(description="inclusive; " + WHEN)] = None,
        until: Annotated[str | None, Query(description="exclusive; " + WHEN)] = None,
        after: Annotated[str | None, Query(description="the `next` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 50,
    ) -> JSON:
        """Feedback on your team's answers, newest first, a page at a time."""
        mine = readable_apps(project, who)
        chosen = check_choice(app, mine, "app")
        start, end = parse_time(since, "since"), parse_time(until, "until")
        check_range(start, end)
        apps = [chosen] if chosen is not None else mine if who.apps else None
        rows = await asyncio.to_thread(
            store.page_feedback,
            team=who.team,
            apps=apps,
            since=start,
            until=end,
            below=below,
            before_id=id_cursor(after),
            limit=limit,
        )
        cursor = encode_cursor(rows[-1]["id"]) if len(rows) == limit else None
        return JSON({"object": "list", "data": rows, "next": cursor})

    return api
