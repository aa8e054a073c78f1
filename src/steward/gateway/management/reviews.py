"""`GET /v1/reviews`, `POST /v1/reviews/{id}/claim` and `POST /v1/reviews/{id}/decision`: the human review queue,
as `steward review` works it.

Handlers parse and delegate to the guardrails' `ReviewQueue` (imported when a request comes: the gateway never
imports a capability at module level), which holds the rules of who may do what, for the CLI and the API alike:
admin and developer keys claim and decide their team's items, auditor keys read them and are refused (403, naming
the keys that may). Another team's item, or one of an app the key is not for, answers 404 exactly as a missing
one. A claim holds an item for its reviewer for 15 minutes (others see `claimed_by` and may neither claim nor
decide it meanwhile); it is audited as `review.claim`. A decision is made as the key's identity and audited as
the CLI's: `review.approve` or `review.reject` on `review:<item id>`, with the comment as its note; `edit`
approves and releases the reviewer's text instead of the held answer, kept as the record's correction
(`review_correction.add`, the comment as its why). Where the item's policy asks for two reviewers
(`reviewers: 2`), the first approval leaves it pending (`approvals` 1 of `approvals_required` 2) until a second,
different key approves it; the same key approving twice is a 400 that says so. A final decision is final: a
second one is a 400 that names who decided. The queue pages oldest first by keyset on `(created_at, id)`.
`GET /v1/reviews/{record_id}` (a held request's outcome) and its `/corrections` stay in `steward.gateway.http`.

FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
import contextlib
import time
import typing
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.errors import InvalidRequest, NotFound
from steward.gateway.management.common import (
    ERRORS,
    JSON,
    MAX_LIMIT,
    ErrorBody,
    Reader,
    check_choice,
    encode_cursor,
    readable_apps,
    time_cursor,
)
from steward.store import ReviewItem, Store
from steward.types import Principal

# what `state` selects: the stored statuses (`steward review list --status`), `decided` both decisions, `all` any
STATES: dict[str, tuple[str, ...] | None] = {
    "pending": ("pending",),
    "approved": ("approved",),
    "rejected": ("rejected",),
    "decided": ("approved", "rejected"),
    "all": None,
}
MAX_COMMENT_CHARS = 4000
MAX_TEXT_CHARS = 100_000  # as a correction (`steward.guardrails.review.MAX_CORRECTION_CHARS`)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no item of your team"}}


class ReviewItemOut(BaseModel):
    """One review item as `steward review show` prints it: what was held, why, and once decided who, when, why."""

    id: str
    record_id: str
    app: str
    team: str
    stage: str = Field(description="`input` (a held question) or `output` (a held answer)")
    reasons: list[str] = Field(description="the policy's public reason codes")
    policy: str | None
    policy_version: str | None
    held_text: str | None = Field(description="what was held; erased once rejected")
    status: str = Field(description="pending, approved or rejected")
    created_at: float
    decided_at: float | None
    decided_by: str | None = Field(description="`key:<key id> (name)` of the reviewer")
    note: str = Field(description="the reviewer's comment")
    released_text: str | None = Field(description="what the client was given once approved (the edited text)")
    released_record_id: str | None
    released_at: float | None
    claimed_by: str | None = Field(description="the reviewer working the item, while their claim holds")
    claimed_until: float | None = Field(description="when the claim expires (null when unclaimed or expired)")
    approvals: int = Field(description="approvals so far (2 once released under the two-person rule)")
    approvals_required: int = Field(description="approvals its policy asks for: 2 is the two-person rule")
    first_approval_by: str | None = Field(description="the first of two reviewers, once they approved")
    first_approval_at: float | None
    first_approval_note: str | None


class ReviewPageOut(BaseModel):
    """A page of the queue, oldest first; ask for the next with `after=<next>` (null at the end)."""

    object: typing.Literal["list"] = "list"
    data: list[ReviewItemOut]
    next: str | None


class DecisionIn(BaseModel):
    """A reviewer's decision on a held request."""

    model_config = ConfigDict(extra="forbid")

    action: typing.Literal["approve", "reject", "edit"] = Field(
        description="approve (release what was held), reject (refuse it; the held text is erased) or edit "
        "(release `text` instead of the held answer)"
    )
    comment: str = Field(
        default="",
        max_length=MAX_COMMENT_CHARS,
        description="why; kept in the audit log, which is never changed or erased: write no personal data. "
        "Required for edit.",
    )
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS, description="the edited answer (edit only)")


def _out(queue: Any, item: ReviewItem, now: float) -> dict[str, Any]:
    """An item as the API shows it: a claim only while it holds, and how many approvals it has and needs."""
    holder = item.claimant(now) if item.status == "pending" else None
    approvals = (item.first_approval_by is not None) + (item.status == "approved")
    return {
        **item.as_dict(),
        "claimed_by": holder,
        "claimed_until": item.claimed_until if holder else None,
        "approvals": approvals,
        "approvals_required": queue.required(item),
    }


def _visible(queue: Any, who: Principal, item_id: str) -> ReviewItem:
    """The item as `ReviewQueue.get` gives it, and as missing when the key is not for its app."""
    item: ReviewItem = queue.get(who, item_id)
    if not who.may_use(item.app):
        raise queue.store.reviews.missing(item_id)
    return item


def review_item(store: Store, project: Project, who: Principal, item_id: str) -> dict[str, Any]:
    """One item (by its id or its record's) as `ReviewItemOut`, if `who` may read it; NotFound otherwise."""
    from steward.guardrails.review import ReviewQueue

    queue = ReviewQueue(store, project)
    return _out(queue, _visible(queue, who, item_id), time.time())


def _claim(store: Store, project: Project, who: Principal, item_id: str) -> dict[str, Any]:
    from steward.guardrails.review import ReviewQueue, check

    check(who, "decide")
    queue = ReviewQueue(store, project)
    item = _visible(queue, who, item_id)
    return _out(queue, queue.claim(who, item.id), time.time())


def _unclaim(store: Store, project: Project, who: Principal, item_id: str) -> dict[str, Any]:
    from steward.guardrails.review import ReviewQueue, check

    check(who, "decide")
    queue = ReviewQueue(store, project)
    item = _visible(queue, who, item_id)
    return _out(queue, queue.unclaim(who, item.id), time.time())


def decide_item(store: Store, project: Project, who: Principal, item_id: str, asked: DecisionIn) -> dict[str, Any]:
    """A decision on a held request as `who` (the route's key, or the console's signed-in identity), audited as
    it; the decided item as `ReviewItemOut`."""
    from steward.guardrails.review import ReviewQueue, check

    check(who, "decide")  # an auditor is told it may not decide before it learns whether the item exists
    if (asked.action == "edit") != (asked.text is not None):
        wants = "send the edited answer as `text`" if asked.action == "edit" else "send `text` only with edit"
        raise InvalidRequest(f"`text` is the edited answer of an edit decision; {wants}.", param="text")
    queue = ReviewQueue(store, project)
    item = _visible(queue, who, item_id)
    if asked.action == "approve":
        decided = queue.approve(who, item.id, asked.comment)
    elif asked.action == "reject":
        decided = queue.reject(who, item.id, asked.comment)
    else:
        decided = queue.edit(who, item.id, asked.text or "", asked.comment)
    return _out(queue, decided, time.time())


@contextlib.contextmanager
def _pointing_to_api(record_id: str) -> Iterator[None]:
    """The store's NotFound names the CLI; an HTTP caller is pointed to the API, alike for every team."""
    try:
        yield
    except NotFound:
        message = f"no review item {record_id!r}; `GET /v1/reviews` lists the pending ones your key may read."
        raise NotFound(message) from None


def queue_page(
    store: Store, project: Project, who: Principal, app: str | None, state: str, after: str | None, limit: int
) -> dict[str, Any]:
    """A page of the review queue as `GET /v1/reviews` answers it (and the console's queue shows it), oldest
    first from the cursor `after`, with the cursor of the next page."""
    from steward.guardrails.review import ReviewQueue

    statuses = STATES[check_choice(state, list(STATES), "state") or "pending"]
    mine = readable_apps(project, who)
    chosen = check_choice(app, mine, "app")
    apps = (chosen,) if chosen is not None else tuple(mine) if who.apps else None
    queue = ReviewQueue(store, project)
    items = queue.page(who, statuses, apps, time_cursor(after), limit)
    more = len(items) == limit
    cursor = encode_cursor(repr(items[-1].created_at), items[-1].id) if items and more else None
    now = time.time()
    return {"object": "list", "data": [_out(queue, i, now) for i in items], "next": cursor}


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The review queue's routes over `store`, for the callers `reader` admits."""
    api = APIRouter(prefix="/v1/reviews", tags=["Management: reviews"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    @api.get("", response_model=ReviewPageOut)
    async def list_reviews(
        who: Who,
        app: Annotated[str | None, Query(description="an app of your team")] = None,
        state: Annotated[str, Query(description=f"one of {', '.join(STATES)}")] = "pending",
        after: Annotated[str | None, Query(description="the `next` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
    ) -> JSON:
        """The review queue of your team, oldest first (what waits longest comes first), a page at a time."""
        return JSON(await asyncio.to_thread(queue_page, store, project, who, app, state, after, limit))

    @api.post("/{record_id}/claim", response_model=ReviewItemOut, responses=NOT_FOUND)
    async def claim(record_id: str, who: Who) -> JSON:
        """Claim a pending item (by its record id or review item id) for 15 minutes as your key, so that other
        reviewers see it taken and may not decide it; claim again to renew. Refused while another's claim holds."""
        with _pointing_to_api(record_id):
            return JSON(await asyncio.to_thread(_claim, store, project, who, record_id))

    @api.delete("/{record_id}/claim", response_model=ReviewItemOut, responses=NOT_FOUND)
    async def unclaim(record_id: str, who: Who) -> JSON:
        """Let go of your claim on an item before it expires, so that another reviewer may take it."""
        with _pointing_to_api(record_id):
            return JSON(await asyncio.to_thread(_unclaim, store, project, who, record_id))

    @api.post("/{record_id}/decision", response_model=ReviewItemOut, responses=NOT_FOUND)
    async def decide(record_id: str, who: Who, body: Annotated[DecisionIn, Body()]) -> JSON:
        """Approve, reject or edit a held request (by its record id or review item id) as your key: an admin or
        developer key of its team. Where its policy asks for two reviewers, the first approval leaves it pending
        and a second, different key's releases it. Final: a second decision is refused with who made the first."""
        with _pointing_to_api(record_id):
            return JSON(await asyncio.to_thread(decide_item, store, project, who, record_id, body))

    return api
