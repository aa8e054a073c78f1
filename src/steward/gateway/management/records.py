"""`GET /v1/records`, `/v1/records/{id}`, `/v1/records/export`: the governed records, as the caller may read them.

Handlers parse and delegate to `steward.governance.tenancy` (team scoping) and the store's keyset listing
(`Store.page_records`: newest first on the indexed `created_at`, never OFFSET). A record reads as
`steward records show --json` prints it; an erased record reads as erased (what was erased, when), never as an
error; another team's record reads exactly as a missing one (404). The export streams JSON Lines, oldest first,
with the same filters, read in short chunks so that neither side holds all of it.

FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
import dataclasses
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.errors import InvalidRequest, NotFound
from steward.explain.service import explain
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
from steward.governance import tenancy
from steward.store import Store
from steward.store.codec import record_to_dict, record_to_json
from steward.types import Principal, Record, Status

STATUSES: tuple[str, ...] = typing.get_args(Status)
OWN_APPS = ("(embeddings)",)  # the app of an embeddings call's record (`steward.gateway.pipeline.EMBEDDINGS`)
MAX_FILTER_CHARS = 200


class Erased(BaseModel):
    """How a record was erased: `deleted` (only this remains) or `anonymised` (its content replaced)."""

    how: typing.Literal["deleted", "anonymised"]
    at: float = Field(description="when, in epoch seconds")
    reason: str = Field(description="`erasure` or `retention` for a deleted record; empty for an anonymised one")


class RecordOut(BaseModel):
    """One governed record as `steward records show --json` prints it (every slot; the main ones are listed)."""

    model_config = ConfigDict(extra="allow")

    id: str
    created_at: float | None = Field(default=None, description="epoch seconds; null only for a deleted record")
    app: str | None = None
    status: str | None = Field(default=None, description=f"one of {', '.join(STATUSES)}")
    team: str | None = None
    key_id: str | None = Field(default=None, description="the API key that sent it; null in-process")
    subject: str | None = None
    model: dict[str, Any] | None = Field(default=None, description="the model version: id, backend, sha256")
    prompt_version: str | None = None
    input: list[dict[str, Any]] = Field(default_factory=list)
    output: str | None = None
    decisions: list[dict[str, Any]] = Field(default_factory=list, description="guardrail decisions and reasons")
    erased: Erased | None = Field(default=None, description="set when the record was erased")


class RecordPageOut(BaseModel):
    """A page of records, newest first. Ask for the next with `after=<next>`; `next` is null at the end. A page
    searched with `q` may hold fewer than `limit` records (each request reads a bounded number of rows) and
    still have a `next`."""

    object: typing.Literal["list"] = "list"
    data: list[RecordOut]
    next: str | None


def _text(value: str | None, param: str) -> str | None:
    if value is not None and not 0 < len(value) <= MAX_FILTER_CHARS:
        raise InvalidRequest(f"`{param}` must be 1 to {MAX_FILTER_CHARS} characters.", param=param)
    return value


def _filters(project: Project, who: Principal, params: dict[str, str | None]) -> dict[str, Any]:
    """The `RecordFilter` fields of the query, checked: a 400 names what is wrong and what to send."""
    apps = readable_apps(project, who) + ([] if who.apps else list(OWN_APPS))
    since, until = parse_time(params["since"], "since"), parse_time(params["until"], "until")
    check_range(since, until)
    return {
        "app": check_choice(params["app"], apps, "app"),
        "apps": tuple(apps) if who.apps and params["app"] is None else None,
        "status": check_choice(params["status"], STATUSES, "status"),
        "reason": _text(params["reason"], "reason"),
        "subject": _text(params["subject"], "subject"),
        "key_id": _text(params["key_id"], "key_id"),
        "model_id": _text(params["model"], "model"),
        "text": _text(params["q"], "q"),
        "since": since,
        "until": until,
    }


def _jsonl(records: Iterator[Record]) -> Iterator[bytes]:
    for record in records:
        yield record_to_json(record) + b"\n"


def read_record(store: Store, who: Principal, record_id: str) -> dict[str, Any]:
    """The record as the caller may read it (`GET /v1/records/{id}`, the console's record page); an erased one as
    erased; NotFound otherwise."""
    try:
        record = tenancy.record_for(store, who, record_id)
        if not who.may_use(record.app):  # a key scoped to other apps of the team: as a missing record
            raise NotFound(f"no record {record_id!r}; list recent ones with `steward records list`.")
    except NotFound:
        erased = tenancy.erasure_of(store, record_id)
        if erased is None or erased[0] != "deleted":
            raise
        return {"id": record_id, "erased": {"how": "deleted", "at": erased[1], "reason": erased[2]}}
    body = record_to_dict(record)
    erased = tenancy.erasure_of(store, record_id)
    body["erased"] = None if erased is None else {"how": erased[0], "at": erased[1], "reason": erased[2]}
    return body


App = Annotated[str | None, Query(description="an app of your team, as GET /v1/models lists them")]
State = Annotated[str | None, Query(description=f"one of {', '.join(STATUSES)}")]
Reason = Annotated[str | None, Query(description="a guardrail reason code, e.g. `pii:email_address`")]
Subject = Annotated[str | None, Query(description="the data subject (`user` of the chat request)")]
Model = Annotated[str | None, Query(description="the model version (its id) that answered")]
KeyId = Annotated[
    str | None, Query(description="the API key that sent it (`key_…`, as `steward keys list` shows)")
]
Since = Annotated[str | None, Query(description="inclusive, e.g. 2026-12-07T13:00:00Z; " + WHEN)]
Until = Annotated[str | None, Query(description="exclusive; " + WHEN)]
Text = Annotated[str | None, Query(description="text in the input, output or error (case-insensitive)")]


@dataclass
class RecordQuery:
    """The filters the listing and the export share, each a query parameter (FastAPI reads the fields)."""

    app: App = None
    status: State = None
    reason: Reason = None
    subject: Subject = None
    key_id: KeyId = None
    model: Model = None
    since: Since = None
    until: Until = None
    q: Text = None

    def filters(self, project: Project, who: Principal) -> dict[str, Any]:
        return _filters(project, who, dataclasses.asdict(self))


def record_page(
    store: Store, project: Project, who: Principal, query: RecordQuery, after: str | None, limit: int
) -> dict[str, Any]:
    """A page of records as `GET /v1/records` answers it (and the console's records explorer shows it): the
    checked filters of `query`, newest first from the cursor `after`, with the cursor of the next page."""
    filters = query.filters(project, who)
    page = tenancy.record_page_for(store, who, time_cursor(after), limit, **filters)
    cursor = encode_cursor(repr(page.next[0]), page.next[1]) if page.next else None
    return {"object": "list", "data": [record_to_dict(r) for r in page.records], "next": cursor}


def router(store: Store, project: Project, reader: Reader) -> APIRouter:
    """The records routes, reading `store` as the callers `reader` admits."""
    api = APIRouter(prefix="/v1/records", tags=["Management: records"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    @api.get("", response_model=RecordPageOut)
    async def list_records(
        who: Who,
        query: Annotated[RecordQuery, Depends()],
        after: Annotated[str | None, Query(description="the `next` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="records per page")] = 50,
    ) -> JSON:
        """Records newest first, filtered, a page at a time (keyset paging: every record once, in order)."""
        return JSON(await asyncio.to_thread(record_page, store, project, who, query, after, limit))

    @api.get(
        "/export",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
    )
    async def export_records(who: Who, query: Annotated[RecordQuery, Depends()]) -> StreamingResponse:
        """Every matching record, oldest first, as JSON Lines (one `GET /v1/records/{id}` body per line)."""
        filters = query.filters(project, who)
        records = tenancy.iter_records_for(store, who, **filters)
        return StreamingResponse(
            _jsonl(records),  # a sync iterator: Starlette reads it in a worker thread, off the event loop
            media_type="application/x-ndjson",
            headers={"content-disposition": 'attachment; filename="records.jsonl"'},
        )

    @api.get("/{record_id}", response_model=RecordOut, responses={404: {"model": ErrorBody}})
    async def get_record(record_id: str, who: Who) -> JSON:
        """One record in full (input, output, guardrail decisions, sources, explanation, attempts, cost, feedback);
        an erased one with `erased` set; another team's answers 404, as a missing one."""
        try:
            return JSON(await asyncio.to_thread(read_record, store, who, record_id))
        except NotFound:  # the store's message names the CLI; an HTTP caller is pointed to the API, alike for all
            raise NotFound(
                f"no record {record_id!r}; `GET /v1/records` lists the ones your key may read."
            ) from None

    @api.get("/{record_id}/explanation", response_model=ExplanationOut, responses={404: {"model": ErrorBody}})
    async def get_explanation(record_id: str, who: Who, audience: AudienceQuery = "operator") -> JSON:
        """Why the record's guardrails decided, why its model served, its sources and (where the app captures it
        and the audience may read it) the model's reasoning, in checked words for one audience; as `steward
        explain` prints it. Another team's record answers 404, as a missing one."""
        check_choice(audience, AUDIENCES, "audience")
        try:
            return JSON(await asyncio.to_thread(explain, store, who, record_id, audience, project))
        except NotFound as exc:  # a deleted record says so; any other is pointed to the API
            if "was deleted" in exc.message:
                raise
            raise NotFound(
                f"no record {record_id!r}; `GET /v1/records` lists the ones your key may read."
            ) from None

    return api


AUDIENCES = ("end_user", "operator", "auditor")
AudienceQuery = Annotated[str, Query(description="who reads it: end_user, operator or auditor")]


class ExplanationOut(BaseModel):
    """A record's explanation for one audience: the text, its claims (each with the attributions it names), the
    readability of the text, and the sections it was composed from (guardrail, routing, sources, reasoning)."""

    model_config = ConfigDict(extra="allow")
    object: str = "explanation"
    record_id: str
    app: str
    audience: str
    text: str
    claims: list[dict[str, Any]]
    readability: dict[str, float] | None
    sections: dict[str, Any]
