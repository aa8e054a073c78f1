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

Under the two-person rule each decision is a reviewer's label, and an item stays open for a second, blind label
by a different key until it has two (`labels`, `needs_second_label`; a first rejection still refuses the held
answer at once, and a second label on a refused item never releases it). Until then a developer key other than
the first label's author reads the item as pending, without its decision, first approval or labels (`blind`),
in the list, its own answers and the audit log alike; admin and auditor keys see them. `state=needs_second_label`
lists the items waiting for their second label, `state=disagreements` those whose two labels differ.
`GET /v1/reviews/agreement` answers Cohen's κ of the first against the second label
(`steward.guardrails.agreement`), for the same readers and apps as the list.
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
    WHEN,
    ErrorBody,
    Reader,
    check_choice,
    check_range,
    encode_cursor,
    parse_time,
    readable_apps,
    time_cursor,
)
from steward.store import ReviewItem, Store
from steward.types import Principal

# what `state` selects (`steward.guardrails.review.STATES`): the stored statuses (`steward review list --status`),
# `decided` both decisions, the items waiting for their second label or whose two labels differ, `all` any
STATES = ("pending", "approved", "rejected", "decided", "needs_second_label", "disagreements", "all")
MAX_COMMENT_CHARS = 4000
MAX_TEXT_CHARS = 100_000  # as a correction (`steward.guardrails.review.MAX_CORRECTION_CHARS`)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no item of your team"}}


class LabelOut(BaseModel):
    """One reviewer's label of an item under the two-person rule."""

    seq: int = Field(description="1: the first label, 2: the second (blind) one")
    label: str = Field(description="approve or reject")
    by: str
    at: float
    note: str


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
    held_text: str | None = Field(
        description="what was held; erased once rejected (under the two-person rule: once its second label is in)"
    )
    status: str = Field(description="pending, approved or rejected (pending to a `blind` reader)")
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
    labels: list[LabelOut] = Field(
        description="the reviewers' labels under the two-person rule, first then second (none while `blind`)"
    )
    labels_given: int = Field(description="how many labels the item has (0 to 2)")
    needs_second_label: bool = Field(description="one label of two is in: a different reviewer's is due")
    blind: bool = Field(
        description="the first label is hidden from you until the second is in (you did not give it): the item "
        "reads as pending"
    )
    disagreement: bool = Field(description="the item's two labels differ")


class KappaOut(BaseModel):
    """Cohen's κ of one group of items with two labels, with what it rests on."""

    items: int = Field(description="items with two labels")
    agreed: int = Field(description="items whose two labels match")
    observed_agreement: float | None = Field(description="agreed / items (null without items)")
    kappa: float | None = Field(description="Cohen's κ (scikit-learn's `cohen_kappa_score`); null when undefined")
    undefined: str | None = Field(description="why κ is undefined: too few items, or a single class")
    table: dict[str, int] = Field(description="counts of first/second label: approve/approve, approve/reject, …")


class AppKappaOut(KappaOut):
    app: str


class PolicyKappaOut(KappaOut):
    policy: str = Field(description="the policy that asked for two reviewers; `(none)` when there was none")


class PairKappaOut(KappaOut):
    reviewers: list[str] = Field(description="the two reviewers, each one rater (ordered by identity)")


class AgreementOut(BaseModel):
    """Inter-rater agreement of the review queue: the first against the second label of each item that has two."""

    app: str | None
    since: float | None
    until: float | None
    min_items: int = Field(description="κ is undefined below this many items")
    min_pair_items: int = Field(description="a pair of reviewers is listed from this many common items")
    overall: KappaOut
    disagreements: int = Field(description="items whose two labels differ (`state=disagreements` lists them)")
    by_app: list[AppKappaOut]
    by_policy: list[PolicyKappaOut]
    by_pair: list[PairKappaOut]


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


def _out(queue: Any, who: Principal, item: ReviewItem, now: float) -> dict[str, Any]:
    """An item as the API shows it (see `_outs`)."""
    return _outs(queue, who, [item], now)[0]


def _outs(queue: Any, who: Principal, items: list[ReviewItem], now: float) -> list[dict[str, Any]]:
    """Items as the API shows them to `who`: a claim only while it holds, how many approvals each has and needs,
    and its labels as `who` may see them (items the queue gave `who` already read blind where they must)."""
    views = queue.label_views(who, items)
    shown = []
    for item in items:
        holder = item.claimant(now) if item.status == "pending" or views[item.id]["needs_second_label"] else None
        approvals = (item.first_approval_by is not None) + (item.status == "approved")
        shown.append(
            {
                **item.as_dict(),
                "claimed_by": holder,
                "claimed_until": item.claimed_until if holder else None,
                "approvals": approvals,
                "approvals_required": queue.required(item),
                **views[item.id],
            }
        )
    return shown


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
    return _out(queue, who, _visible(queue, who, item_id), time.time())


def _claim(store: Store, project: Project, who: Principal, item_id: str) -> dict[str, Any]:
    from steward.guardrails.review import ReviewQueue, check

    check(who, "decide")
    queue = ReviewQueue(store, project)
    item = _visible(queue, who, item_id)
    return _out(queue, who, queue.claim(who, item.id), time.time())


def _unclaim(store: Store, project: Project, who: Principal, item_id: str) -> dict[str, Any]:
    from steward.guardrails.review import ReviewQueue, check

    check(who, "decide")
    queue = ReviewQueue(store, project)
    item = _visible(queue, who, item_id)
    return _out(queue, who, queue.unclaim(who, item.id), time.time())


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
    return _out(queue, who, decided, time.time())


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
    from steward.guardrails.review import STATES as SELECTS
    from steward.guardrails.review import ReviewQueue

    statuses, labels = SELECTS[check_choice(state, list(STATES), "state") or "pending"]
    queue = ReviewQueue(store, project)
    items = queue.page(who, statuses, _apps(project, who, app), time_cursor(after), limit, labels=labels)
    more = len(items) == limit
    cursor = encode_cursor(repr(items[-1].created_at), items[-1].id) if items and more else None
    return {"object": "list", "data": _outs(queue, who, items, time.time()), "next": cursor}


def _apps(project: Project, who: Principal, app: str | None) -> tuple[str, ...] | None:
    """The apps a listing covers: the one asked for (a 400 unless `who` may read it), else those of `who`'s key
    when it is scoped to some (None: every app of the team)."""
    mine = readable_apps(project, who)
    chosen = check_choice(app, mine, "app")
    return (chosen,) if chosen is not None else tuple(mine) if who.apps else None


def agreement(
    store: Store, project: Project, who: Principal, app: str | None, since: str | None, until: str | None
) -> dict[str, Any]:
    """Cohen's κ of the review labels as `GET /v1/reviews/agreement` answers it (and the console's panel shows
    it): `who`'s team's items with two labels, of `app` (else every app `who` may read), second label given in
    [since, until)."""
    from steward.guardrails.agreement import agreement as kappa

    start, end = parse_time(since, "since"), parse_time(until, "until")
    check_range(start, end)
    return {"app": app, **kappa(store, who, _apps(project, who, app), start, end)}


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

    @api.get("/agreement", response_model=AgreementOut)
    async def review_agreement(
        who: Who,
        app: Annotated[
            str | None, Query(description="an app of your team (default: every app you may read)")
        ] = None,
        since: Annotated[str | None, Query(description=f"second labels given from this time; {WHEN}")] = None,
        until: Annotated[str | None, Query(description=f"second labels given before this time; {WHEN}")] = None,
    ) -> JSON:
        """Inter-rater agreement of your team's review queue: Cohen's κ of the first against the second label of
        the items that got two (the two-person rule), overall, per app, per policy and per pair of reviewers with
        at least 5 items together; with the count of items and the observed agreement, and why κ is undefined
        when it is (too few items, a single class)."""
        return JSON(await asyncio.to_thread(agreement, store, project, who, app, since, until))

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
