"""The review queue, worked from the keyboard: j/k next and previous, a approve, r reject, e edit with a comment.

The queue is `management.reviews.queue_page` (oldest first, the team's items the key may read); a decision is
`reviews.decide_item` as the signed-in key, so the rules are the API's (an auditor reads and is refused with a 403,
a decision is final) and the audit event names that key. Every decision is a POST with the session's CSRF token;
it answers with the queue again (303), a note of what was done, and the next item selected. The keys are bound in
`console.js`; without script the same forms work with the mouse.

Under the two-person rule an item stays open for a second, blind label until it has two: a developer who did not
give the first label reads it as pending with no trace of that label (`blind`, as the API answers it), and a
refused item open for its label takes one that never releases it. Above the queue a panel shows Cohen's κ of the
first against the second label (`reviews.agreement`: overall, per app, per policy, per pair of reviewers), with
links to the items that need a second label and to the disagreements.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from steward.errors import InvalidRequest
from steward.gateway.console.security import HEADERS, check_csrf, form, visitor
from steward.gateway.management.common import readable_apps
from steward.gateway.management.reviews import STATES, DecisionIn, agreement, decide_item, queue_page

if TYPE_CHECKING:
    from steward.gateway.console import Console

PAGE = 50
DONE = {"approve": "approved", "reject": "rejected", "edit": "approved with your edit"}


def _done(action: str, decided: dict[str, Any]) -> str:
    """What a decision did, as the flash says it: a release, a first label of two, or a label only."""
    if decided["labels_given"] == 1 and decided["status"] == "pending":
        return "approved as the first of two labels; a second reviewer's label is due"
    if decided["labels_given"] == 1:
        return "rejected at once; a second reviewer's label is due"
    if decided["labels_given"] == 2 and decided["status"] == "rejected" and action == "approve":
        return "labelled approve; the item stays refused (a second label never releases it)"
    return DONE[action]


def _kappa_rows(kappa: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [("overall", kappa["overall"])]
    rows += [(f"app {row['app']}", row) for row in kappa["by_app"]]
    rows += [(f"policy {row['policy']}", row) for row in kappa["by_policy"]]
    rows += [(" & ".join(row["reviewers"]), row) for row in kappa["by_pair"]]
    return rows


def _decision(fields: dict[str, str]) -> DecisionIn:
    """The form's decision, checked by the API's own model: a bad one is a 400 that says what to send."""
    asked = {"action": fields.get("action", ""), "comment": fields.get("comment", "")}
    if fields.get("action") == "edit":
        asked["text"] = fields.get("text", "")
    try:
        return DecisionIn(**asked)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "decision"
        raise InvalidRequest(f"`{name}`: {first.get('msg', 'invalid')}; use the page's buttons or keys.") from None


def routes(api: APIRouter, console: Console) -> None:
    @api.get("/ui/reviews")
    async def queue(request: Request) -> Response:
        signed = visitor(console, request)
        app = request.query_params.get("app") or None
        state = request.query_params.get("state") or "pending"
        after = request.query_params.get("after") or None
        page = await asyncio.to_thread(
            queue_page, console.store, console.project, signed.who, app, state, after, PAGE
        )
        kappa = await asyncio.to_thread(agreement, console.store, console.project, signed.who, app, None, None)
        chosen = {k: v for k, v in (("app", app), ("state", state)) if v}
        more = f"/ui/reviews?{urlencode({**chosen, 'after': page['next']})}" if page["next"] else None
        return console.page(
            signed,
            "reviews.html",
            items=page["data"],
            more=more,
            app=app or "",
            state=state,
            states=list(STATES),
            apps=readable_apps(console.project, signed.who),
            selected=request.query_params.get("at", ""),
            kappa=kappa,
            kappa_rows=_kappa_rows(kappa),
            back=f"/ui/reviews?{urlencode(chosen)}",
        )

    @api.post("/ui/reviews/{item_id}/decision")
    async def decide(item_id: str, request: Request) -> Response:
        signed = visitor(console, request)
        fields = await form(request)
        check_csrf(request, signed.session, fields)
        asked = _decision(fields)
        decided = await asyncio.to_thread(decide_item, console.store, console.project, signed.who, item_id, asked)
        signed.note(f"{decided['record_id']}: {_done(asked.action, decided)}.")
        chosen = {k: fields[k] for k in ("app", "state") if fields.get(k)}
        if fields.get("next"):
            chosen["at"] = fields["next"]
        return RedirectResponse(f"/ui/reviews?{urlencode(chosen)}", status_code=303, headers=HEADERS)
