"""The records explorer and one record's governed view.

The explorer filters as `GET /v1/records` does (app, status, reason code, model version, time range, text) and
pages by its keyset cursor, through `management.records.record_page`; a bad filter is shown on the page with what
to send (a 400), never an error page. One record is read through `read_record` (an erased one reads as erased, with
what was erased and when) with its review item (`reviews.review_item`) and the audit events whose subject is the
record or its review item (`audit.events_page`), all as the signed-in key may read them.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import InvalidRequest, NotFound, StewardError
from steward.explain.service import explain
from steward.explain.words import AUDIENCES
from steward.gateway.console.highlight import messages, unplaced
from steward.gateway.console.security import visitor
from steward.gateway.management.audit import events_page
from steward.gateway.management.common import readable_apps
from steward.gateway.management.records import STATUSES, RecordQuery, read_record, record_page
from steward.gateway.management.reviews import review_item
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console

FILTERS = ("app", "status", "reason", "model", "since", "until", "q")
PAGE = 50


def _query(params: dict[str, str]) -> RecordQuery:
    return RecordQuery(**{name: params.get(name) or None for name in FILTERS})


def _snippet(record: dict[str, Any]) -> str:
    turns = [t for t in record.get("input") or [] if t.get("role") == "user"]
    text = str(turns[-1].get("content", "")) if turns else record.get("error") or ""
    return text if len(text) <= 120 else text[:119] + "…"


def _events(console: Console, who: Principal, record_id: str, item: dict[str, Any] | None) -> list[dict[str, Any]]:
    subjects = [f"record:{record_id}"] + ([f"review:{item['id']}"] if item else [])
    found = []
    for subject in subjects:
        page = events_page(console.store, who, {"subject": subject}, None, 100)
        found += [e for e in page["data"] if e["subject"] == subject]  # the filter is a prefix
    return sorted(found, key=lambda e: e["seq"])


def _why(console: Console, who: Principal, record: dict[str, Any], audience: str) -> dict[str, Any]:
    """The record's explanation for `audience` (`steward.explain`), with each classifier finding's words as a heat
    line (share buckets -3…3 as CSS classes: the console's policy allows no inline style); a refusal as a note."""
    if record.get("erased") and record["erased"]["how"] == "deleted":
        return {}
    try:
        found = explain(console.store, who, record["id"], audience, console.project)
    except StewardError as exc:
        return {"error": exc.message, "audience": audience}
    heat = []
    for entry in found["sections"]["guardrail"]["findings"]:
        models = entry.get("models") or []
        if models and models[0].get("words"):
            words = models[0]["words"]
            top = max(abs(w["share"]) for w in words) or 1.0
            line = [(w["word"], _bucket(w["share"] / top)) for w in words]
            heat.append({"id": entry["id"], "kind": entry["kind"], "model": models[0]["model"], "words": line})
    return {**found, "heat": heat}


def _bucket(relative: float) -> int:
    """-3…3: how strongly a word pushed the score, relative to the strongest word of its finding."""
    return round(max(-1.0, min(1.0, relative)) * 3)


def _governed(console: Console, who: Principal, record_id: str, audience: str = "operator") -> dict[str, Any]:
    record = read_record(console.store, who, record_id)
    try:
        item = (
            review_item(console.store, console.project, who, record_id)
            if record.get("status") == "escalated"
            else None
        )
    except NotFound:
        item = None
    shown = messages(record)
    return {
        "record": record,
        "item": item,
        "events": _events(console, who, record_id, item),
        "shown": shown,
        "unplaced": unplaced(record, shown),
        "explanation": json.dumps(record.get("explanation"), indent=2, ensure_ascii=False)
        if record.get("explanation")
        else "",
        "why": _why(console, who, record, audience),
        "audiences": AUDIENCES,
    }


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/records")
    async def explorer(request: Request) -> Response:
        signed = visitor(console, request)
        params = {name: request.query_params.get(name, "") for name in FILTERS}
        after = request.query_params.get("after") or None
        error = ""
        page: dict[str, Any] = {"data": [], "next": None}  # what a bad filter's error is shown beside
        try:
            page = await asyncio.to_thread(
                record_page, console.store, console.project, signed.who, _query(params), after, PAGE
            )
        except InvalidRequest as bad:
            error = bad.message
        for record in page["data"]:
            record["snippet"] = _snippet(record)
            record["reason_codes"] = list(dict.fromkeys(r for d in record["decisions"] for r in d["reasons"]))
        chosen = {k: v for k, v in params.items() if v}
        more = f"/ui/records?{urlencode({**chosen, 'after': page['next']})}" if page["next"] else None
        return console.page(
            signed,
            "records.html",
            status=400 if error else 200,
            params=params,
            error=error,
            records=page["data"],
            more=more,
            apps=readable_apps(console.project, signed.who),
            statuses=STATUSES,
        )

    @api.get("/ui/records/{record_id}")
    async def governed_view(record_id: str, request: Request) -> Response:
        signed = visitor(console, request)
        audience = request.query_params.get("audience") or "operator"
        if audience not in AUDIENCES:
            audience = "operator"
        try:
            view = await asyncio.to_thread(_governed, console, signed.who, record_id, audience)
        except NotFound:
            raise NotFound(
                f"no record {record_id!r} that your key may read; the records page lists them."
            ) from None
        return console.page(signed, "record.html", **view)
