"""`GET /v1/audit` and `POST /v1/audit/verify`: the hash-chained audit log, as `steward audit list|verify` show it.

A key reads its own team's events (`Actor.scope`), newest first, paged by keyset on `seq`; a key scoped to some
apps of its team (`--apps`) reads only the events about those apps (the store's `about_apps`: their detail's
`app`, or an `app:<name>` subject), never the other apps' or the team-wide events (keys, approvers, registry); a
developer key does not read the first label of two of a review item while its second, blind label is due (unless
it gave it).
Verifying is a read (auditors may), answers what `steward audit verify --json` prints (the integrity key file's
path withheld), and runs off the event loop: a deep verification reads every governed row and every sealed record.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.errors import InvalidRequest
from steward.gateway.management.common import (
    ERRORS,
    JSON,
    MAX_LIMIT,
    ROW_ID,
    WHEN,
    Reader,
    check_range,
    encode_cursor,
    id_cursor,
    parse_time,
)
from steward.governance import audit
from steward.governance.identity import Actor
from steward.store import Store
from steward.types import Principal

# actor, action and subject are matched with LIKE, whose pattern SQLite caps at 50,000 characters (a longer one
# is an error, not an empty page); no actor, action or subject comes near this
MAX_FILTER_CHARS = 1000


class EventOut(BaseModel):
    """One audit event: who did what to which subject, when, with the hashes of the state before and after."""

    seq: int
    id: str
    at: float
    actor: str = Field(description="`key:<key id>`, `user:<login>` or `system:<job>`")
    action: str
    subject: str
    team: str | None
    before_hash: str | None
    after_hash: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str
    keyed: bool


class EventPageOut(BaseModel):
    """A page of events, newest first; ask for the next with `after=<next>` (null at the end)."""

    object: str = "list"
    data: list[EventOut]
    next: str | None


class VerifyIn(BaseModel):
    """What to verify; every field may be left out (a deep verification of everything)."""

    model_config = ConfigDict(extra="forbid")

    anchor: str | None = Field(default=None, description="SEQ:HASH from `steward audit head`, kept elsewhere")
    shallow: bool = Field(default=False, description="check only the chain, not the governed rows")
    unsealed_until: int = Field(default=0, ge=0, description="events up to this one predate STEWARD_AUDIT_KEY")


class VerificationOut(BaseModel):
    """What `steward audit verify --json` prints: `ok`, and every problem found with where it is. The chain and
    the counts span every team (the log is one chain); `integrity_key` says only where the key came from, never
    its file's path."""

    ok: bool = Field(description="true when nothing below reports a problem")
    events: int = Field(description="audit events walked (every team's: the log is one chain)")
    head: list[int | str] = Field(description="[seq, hash] of the newest event; keep it elsewhere as an anchor")
    problem: str | None = Field(description="the first break of the chain, or null")
    broken_seq: int | None = Field(description="the seq of the first broken event, or null")
    rows_checked: int = Field(
        description="registry, deployment, approval and assessment rows matched against their events"
    )
    unkeyed: int = Field(description="events chained with plain sha256, without STEWARD_AUDIT_KEY")
    problems: list[str] = Field(
        description="every problem found in keys, reviews, corrections, silences, records; where the project has "
        "other teams' apps, one line that counts them (their details name other teams' data)"
    )
    keys_checked: int = Field(description="API key rows matched against their newest audit event (0 when shallow)")
    reviews_checked: int = Field(description="review decisions matched against their events")
    corrections_checked: int = Field(description="reviewers' corrections matched against their events")
    labels_checked: int = Field(0, description="reviewers' labels (two-person rule) matched against their events")
    silences_checked: int = Field(description="alert silences matched against their events")
    records_checked: int = Field(description="records whose seal and chain were verified")
    integrity_key: str | None = Field(
        description="where the records' and keys' integrity key came from: `$STEWARD_INTEGRITY_KEY`, `file` "
        "(its path is shown by `steward audit verify` on the server only), or `none (...)`"
    )


def _without_path(result: dict[str, Any]) -> dict[str, Any]:
    """`result` with the integrity key file's path replaced by `file`: the path tells the network where to look."""
    source = result.get("integrity_key")
    if source and not source.startswith(("$", "none")):
        return {**result, "integrity_key": "file"}
    return result


def _for_caller(result: dict[str, Any], project: Project, who: Principal) -> dict[str, Any]:
    """`result` as a team's key may read it. The problems name keys, records and apps of whichever team they
    concern, so where the project has apps of other teams they are counted, not shown: their details are for
    the operator, who runs `steward audit verify` where the database is."""
    if not result["problems"] or all(app.team == who.team for app in project.apps.values()):
        return result
    count = len(result["problems"])
    summary = (
        f"{count} problem{'s' if count != 1 else ''} found; the details may name other teams' keys and records, "
        "so they are shown only where the database is: run `steward audit verify` there."
    )
    return {**result, "problem": summary, "problems": [summary]}


def _anchor(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    seq, sep, digest = text.partition(":")
    if not sep or not ROW_ID.fullmatch(seq) or len(digest) != 64:
        raise InvalidRequest("`anchor` is SEQ:HASH as `steward audit head` prints it.", param="anchor")
    return int(seq), digest


def events_page(
    store: Store, who: Principal, filters: dict[str, str | None], after: str | None, limit: int
) -> dict[str, Any]:
    """A page of the caller's team's events as `GET /v1/audit` answers it (and the console's audit log shows it):
    `filters` are the route's actor, action, subject, since and until as sent."""
    start, end = parse_time(filters.get("since"), "since"), parse_time(filters.get("until"), "until")
    check_range(start, end)
    for name in ("actor", "action", "subject"):
        if len(filters.get(name) or "") > MAX_FILTER_CHARS:
            raise InvalidRequest(f"`{name}` is at most {MAX_FILTER_CHARS} characters.", param=name)
    actor = filters.get("actor")
    if actor is not None and actor.startswith("key_"):  # a record's key_id names the same key
        actor = f"key:{actor}"
    shown: list[Any] = []
    before = id_cursor(after)
    while len(shown) < limit:  # a page is filled with what `who` may read, so that its size tells nothing hidden
        events = audit.list_events(
            store,
            team=Actor.from_principal(who).scope(None),
            apps=who.apps or None,  # a key scoped to some apps reads their events only; a team's key, the team's
            subject=filters.get("subject"),
            action=filters.get("action"),
            since=start,
            until=end,
            actor=actor,
            before_seq=before,
            limit=limit,
        )
        shown += _unblinding_left_out(store, who, events)
        if len(events) < limit:
            break
        before = events[-1].seq
    shown = shown[:limit]
    # the cursor follows the events shown only: one computed over the events read would tell a blind reviewer
    # that a first label it may not read is there (a `next` on an empty page)
    cursor = encode_cursor(shown[-1].seq) if len(shown) == limit else None
    return {"object": "list", "data": [e.as_dict() for e in shown], "next": cursor}


def _unblinding_left_out(store: Store, who: Principal, events: list[Any]) -> list[Any]:
    """`events` less a first label of two that a developer must not read yet (`review.blind_events`)."""
    from steward.guardrails.review import blind_events

    return blind_events(store, Actor.from_principal(who), events)


def verification(store: Store, project: Project, who: Principal, asked: VerifyIn) -> dict[str, Any]:
    """`POST /v1/audit/verify`'s answer (and the console's verify status), as `who` may read it."""
    result = audit.verify(
        store, deep=not asked.shallow, anchor=_anchor(asked.anchor), unsealed_until=asked.unsealed_until
    )
    return _for_caller(_without_path(result.as_json()), project, who)


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The audit routes over `store`, for the callers `reader` admits."""
    api = APIRouter(prefix="/v1/audit", tags=["Management: audit"], responses=ERRORS)

    @api.get("", response_model=EventPageOut)
    async def list_events(
        who: Annotated[Principal, Depends(reader)],
        actor: Annotated[
            str | None,
            Query(
                description="exactly, e.g. `user:alice`; `key:key_…` (or the bare `key_…` records carry as "
                "`key_id`) also finds its `key:key_… (name)` events"
            ),
        ] = None,
        action: Annotated[str | None, Query(description="a prefix, e.g. `deployment.` or `privacy.`")] = None,
        subject: Annotated[str | None, Query(description="a prefix, e.g. `deployment:dep_…`")] = None,
        since: Annotated[str | None, Query(description="inclusive; " + WHEN)] = None,
        until: Annotated[str | None, Query(description="exclusive; " + WHEN)] = None,
        after: Annotated[str | None, Query(description="the `next` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="events per page")] = 50,
    ) -> JSON:
        """Audit events of your team, newest first, filtered, a page at a time (a key scoped to some apps: the
        events about those apps only)."""
        filters = {"actor": actor, "action": action, "subject": subject, "since": since, "until": until}
        return JSON(await asyncio.to_thread(events_page, store, who, filters, after, limit))

    @api.post("/verify", response_model=VerificationOut)
    async def verify(
        who: Annotated[Principal, Depends(reader)],
        body: Annotated[VerifyIn | None, Body()] = None,
    ) -> JSON:
        """Verify the audit chain, every governed row, API keys and records (a read: auditors may)."""
        return JSON(await asyncio.to_thread(verification, store, project, who, body or VerifyIn()))

    return api
