"""Sign-in and sign-out: an API key, typed once into a form (never a URL), becomes a server-side session.

The sign-in form is itself protected from cross-site posts by a double-submit token (a cookie and a hidden field
that must match), so no other site can sign a browser in with its own key. A successful sign-in ends any session
the browser brought, starts a new one (new id, new CSRF token), sets the cookie (HttpOnly, SameSite=Strict,
Secure over TLS, path /ui) and goes to `next` if it is a console path. Sign-in and sign-out are audit events of
the key (`console.sign_in`, `console.sign_out`), so an auditor can see who used the console and when. Sign-in
attempts are limited per client address (`throttle`): past the limit the form answers 429 with the wait. With
`console.oidc` in steward.yaml the form also offers single sign-on with OpenID Connect (`signin_sso`).
"""

from __future__ import annotations

import asyncio
import math
import secrets
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.errors import AuthenticationError, PermissionDenied, RateLimited
from steward.gateway.console import signin_sso
from steward.gateway.console.security import (
    HEADERS,
    check_csrf,
    check_origin,
    form,
    local_path,
    secure,
    sign_in_principal,
    visitor,
)
from steward.gateway.console.sessions import COOKIE, SIGN_IN_COOKIE, same_token
from steward.gateway.console.throttle import client_of
from steward.governance import audit
from steward.governance.identity import Actor
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console

MAX_KEY_CHARS = 256


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/ui", httponly=True, samesite="strict", secure=secure(request)
    )


def form_page(console: Console, request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    """The sign-in form (with `error` said above it), offering single sign-on when steward.yaml configures it."""
    token = secrets.token_urlsafe(32)
    sso = console.project.console.oidc
    response = console.page(
        None, "sign_in.html", status=status, next=next_path, csrf=token, error=error,
        sso=sso.label if sso is not None else None,
    )  # fmt: skip
    _cookie(response, request, SIGN_IN_COOKIE, token, 600)
    return response


def too_many(console: Console, request: Request, next_path: str) -> Response | None:
    """The 429 sign-in form when this client has tried to sign in too often (`throttle`); None: go ahead."""
    client = request.client.host if request.client is not None else "unknown"
    wait = console.throttle.take(client_of(client))
    if not wait:
        return None
    seconds = max(1, math.ceil(wait))
    message = f"too many sign-in attempts from your address; wait {seconds} s and try again."
    response = form_page(console, request, next_path, message, status=429)
    response.headers["retry-after"] = str(seconds)
    return response


def _audit(console: Console, who: Principal, action: str) -> None:
    actor = Actor.from_principal(who)  # `key:…`, or `oidc:…` for a single sign-on
    audit.append(console.store, actor, action, actor.id, team=who.team, detail={"via": "console"})


def routes(api: APIRouter, console: Console) -> None:
    signin_sso.routes(api, console, form_page, too_many)

    @api.get("/ui/sign-in")
    async def sign_in_form(request: Request) -> Response:
        return form_page(console, request, local_path(request.query_params.get("next")))

    @api.post("/ui/sign-in")
    async def sign_in(request: Request) -> Response:
        check_origin(request)
        fields = await form(request)
        next_path = local_path(fields.get("next"))
        if (refused_now := too_many(console, request, next_path)) is not None:
            return refused_now
        if not same_token(fields.get("csrf"), request.cookies.get(SIGN_IN_COOKIE) or ""):
            message = "the sign-in form expired or came from another site; sign in again on this page."
            return form_page(console, request, next_path, message, status=403)
        secret = fields.get("key", "")
        if not secret.strip() or len(secret) > MAX_KEY_CHARS:
            return form_page(console, request, next_path, "paste your API key (sk-stw-…).", status=400)
        try:
            who = sign_in_principal(console, secret)
        except (AuthenticationError, PermissionDenied, RateLimited) as refused:
            status = (
                403 if isinstance(refused, PermissionDenied) else 429 if isinstance(refused, RateLimited) else 401
            )
            return form_page(console, request, next_path, refused.message, status=status)
        assert who.key_id is not None  # a key signed in
        session_id, _ = await asyncio.to_thread(
            console.sessions.start, who.key_id, replacing=request.cookies.get(COOKIE)
        )
        await asyncio.to_thread(_audit, console, who, "console.sign_in")
        response = RedirectResponse(next_path, status_code=303, headers=HEADERS)
        _cookie(response, request, COOKIE, session_id, int(console.sessions.max_age_s))
        response.delete_cookie(
            SIGN_IN_COOKIE, path="/ui", httponly=True, samesite="strict", secure=secure(request)
        )
        return response

    @api.post("/ui/sign-out")
    async def sign_out(request: Request) -> Response:
        signed = visitor(console, request)
        check_csrf(request, signed.session, await form(request))
        await asyncio.to_thread(console.sessions.end, signed.session_id)
        await asyncio.to_thread(_audit, console, signed.who, "console.sign_out")
        response = RedirectResponse("/ui/sign-in", status_code=303, headers=HEADERS)
        response.delete_cookie(COOKIE, path="/ui", httponly=True, samesite="strict", secure=secure(request))
        return response
