"""Deployments: each app's arms (the traffic split), its candidate's canary share, the release it is on and its
history, and promote, approve and rollback through the approval flow.

Read through `management.deployments.deployment_states` and `deployment_history`; an action calls
`promote_candidate`, `approve_candidate` or `rollback_app` as the signed-in key, so the CLI's rules apply: a
passing eval run of the candidate, and for a high-risk app two approvals by two people (their own keys or single
sign-on; two keys of one owner are one person), neither the deployer, each once. The page shows approvals needed
and given; an approver approves from it. A rule's refusal (409) is shown on the page with what to do; an auditor
is offered no form and refused (403).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.errors import NotFound
from steward.gateway.console.actions import acting, done, parsed
from steward.gateway.console.security import Visitor, visitor
from steward.gateway.management.deployments import (
    ApproveIn,
    NoteIn,
    PromoteIn,
    approve_candidate,
    deployment_history,
    deployment_states,
    promote_candidate,
    rollback_app,
)
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor, person_id
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console

HISTORY = 10
ACTIONS = ("approve", "promote", "rollback")


def _read(console: Console, signed: Visitor, app: str | None) -> list[dict[str, Any]]:
    states = deployment_states(console.store, console.project, signed.who, app)
    actor = Actor.from_principal(signed.who)  # a key's id or an SSO subject, as approvals record them
    me = {actor.id, actor.counted_as}  # and the person behind it: two keys of one owner are one approver
    for state in states:
        state["history"] = deployment_history(console.store, console.project, signed.who, state["app"], HISTORY)
        dep = state["deployment"] or {}
        candidate = dep.get("candidate") or {}
        given = {a["approver"] for a in dep.get("approvals", [])}
        given |= {person_id(a["person"]) for a in dep.get("approvals", []) if a.get("person")}
        fresh = not me & ({candidate.get("by"), candidate.get("by_person")} | given)
        needed = state.get("approvals_required", 0) > 0  # a limited-risk promotion asks for none
        state["may_approve"] = needed and actor.proven and bool(candidate) and fresh
    return states


def _act(console: Console, who: Principal, app: str, action: str, fields: dict[str, str]) -> str:
    """Approve, promote or roll back as `who`, through the management API's functions; what was done."""
    store, project, note = console.store, console.project, fields.get("note", "")
    if action == "approve":
        approval = parsed(ApproveIn, "the approval", app=app, note=note)
        approve_candidate(store, project, who, approval)
        return f"You approved the candidate of {app}."
    if action == "promote":
        promotion = parsed(PromoteIn, "the promotion", note=note, eval_run=fields.get("eval_run"))
        dep = promote_candidate(store, project, who, app, promotion)
    else:
        dep = rollback_app(store, project, who, app, parsed(NoteIn, "the rollback", note=note))
    serves = ", ".join(f"{m} {p:g}%" for m, p in dep["traffic"])
    return f"{app}: {dep['action']} done; it now serves {serves}."


def routes(api: APIRouter, console: Console) -> None:
    async def page(request: Request, signed: Visitor, error: str = "", status: int = 200) -> Response:
        app = request.query_params.get("app") or None
        states = await asyncio.to_thread(_read, console, signed, app)
        return console.page(signed, "deployments.html", status=status, states=states, error=error, app=app)

    @api.get("/ui/deployments")
    async def listing(request: Request) -> Response:
        return await page(request, visitor(console, request))

    @api.post("/ui/deployments/{app}/{action}")
    async def act(app: str, action: str, request: Request) -> Response:
        signed, fields = await acting(console, request)
        if action not in ACTIONS:
            raise NotFound(f"no action {action!r} on deployments; the page offers {', '.join(ACTIONS)}.")
        try:
            said = await asyncio.to_thread(_act, console, signed.who, app, action, fields)
        except RuleViolation as refused:  # a rule said no: the page shows which, and what to do
            return await page(request, signed, refused.message, 409)
        return done(signed, said, f"/ui/deployments#app-{quote(app)}")
