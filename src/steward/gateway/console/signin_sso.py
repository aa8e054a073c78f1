"""Single sign-on to the console with OpenID Connect (`console.oidc` in steward.yaml; the protocol is in `oidc`).

`GET /ui/sign-in/sso?next=…` starts a flow: a random state, nonce and PKCE verifier kept on the server for
`FLOW_S` (bounded, each used once), bound to this browser by a cookie that holds only a random value (SameSite=Lax,
so that the provider's redirect back carries it; path /ui/sign-in/sso), and sends the browser to the provider.
`GET /ui/sign-in/sso/callback` takes the flow of `state` off the list (a second use, another browser's state or
an expired one is refused), redeems the code with the verifier, verifies the ID token and maps its groups to a role
and team. Only then does a session start, as at a key's sign-in (new id, the browser's old session ended), carrying
that identity: every page and action is made, and audited, as `oidc:<subject> (e-mail)`. The callback answers a
page that moves on to `next` (a console path only) from this site, so that the SameSite=Strict session cookie is
sent with it (a redirect would continue the provider's cross-site navigation, which leaves that cookie out).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.gateway.console.oidc import Provider, SignInRefused
from steward.gateway.console.security import HEADERS, local_path, secure
from steward.gateway.console.sessions import COOKIE
from steward.governance import audit
from steward.governance.identity import Actor

if TYPE_CHECKING:
    from steward.gateway.console import Console

log = logging.getLogger(__name__)
FLOW_S = 600.0  # a sign-in at the provider must come back within this
MAX_FLOWS = 1000  # flows started and not finished: the oldest go first past this
FLOW_COOKIE = "steward_sso"
FLOW_PATH = "/ui/sign-in/sso"  # the flow cookie goes to the start and the callback only
CALLBACK = "/ui/sign-in/sso/callback"
MAX_PARAM = 2048
FormPage = Callable[..., Response]  # signin.form_page: the sign-in form with a message


@dataclass(frozen=True, slots=True)
class Flow:
    binding: bytes  # sha256 of the browser's flow cookie
    nonce: str
    verifier: str
    next_path: str
    redirect_uri: str
    started: float


class Flows:
    """Sign-ins sent to the provider and not yet back, by state; each is taken once."""

    def __init__(self) -> None:
        self._by_state: OrderedDict[str, Flow] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, state: str, flow: Flow) -> None:
        with self._lock:
            self._by_state[state] = flow
            while len(self._by_state) > MAX_FLOWS:
                self._by_state.popitem(last=False)

    def take(self, state: str, at: float) -> Flow | None:
        with self._lock:
            flow = self._by_state.pop(state, None)
        return flow if flow is not None and at - flow.started <= FLOW_S else None


def _drop_flow_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, httponly=True, samesite="lax", secure=secure(request))


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def routes(api: APIRouter, console: Console, form_page: FormPage) -> None:
    """The single sign-on routes, when steward.yaml has `console.oidc` (otherwise /ui/sign-in/sso is no page)."""
    spec = console.project.console.oidc
    if spec is None:
        return
    provider = Provider(spec)
    flows = Flows()

    def redirect_uri(request: Request) -> str:
        return spec.redirect_uri or str(request.base_url).rstrip("/") + CALLBACK

    def refused(request: Request, message: str, status: int) -> Response:
        log.warning("console single sign-on refused (%s): %s", status, message)  # no code, token or cookie in it
        response = form_page(console, request, "/ui", message, status=status)
        _drop_flow_cookie(response, request)
        return response

    @api.get("/ui/sign-in/sso")
    async def start(request: Request) -> Response:
        binding = secrets.token_urlsafe(32)
        state, nonce, verifier = (secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))
        where = redirect_uri(request)
        try:
            url = await provider.authorization_url(where, state, nonce, verifier)
        except SignInRefused as exc:
            return refused(request, exc.message, exc.status)
        next_path = local_path(request.query_params.get("next"))
        flows.add(state, Flow(_digest(binding), nonce, verifier, next_path, where, console.sessions.clock()))
        response = RedirectResponse(url, status_code=303, headers=HEADERS)
        response.set_cookie(
            FLOW_COOKIE, binding, max_age=int(FLOW_S), path=FLOW_PATH, httponly=True, samesite="lax",
            secure=secure(request),
        )  # fmt: skip
        return response

    @api.get(CALLBACK)
    async def callback(request: Request) -> Response:
        params = request.query_params
        state, code = params.get("state") or "", params.get("code") or ""
        flow = flows.take(state, console.sessions.clock()) if 0 < len(state) <= MAX_PARAM else None
        binding = request.cookies.get(FLOW_COOKIE) or ""
        if flow is None or not binding or not hmac.compare_digest(_digest(binding), flow.binding):
            return refused(request, "this sign-in was not started in this browser, was already used or expired; "
                           "sign in again.", 403)  # fmt: skip
        if params.get("error"):
            said = str(params.get("error"))[:80]
            return refused(request, f"the sign-in provider did not sign you in ({said}); sign in again.", 401)
        if not 0 < len(code) <= MAX_PARAM:
            return refused(request, "the sign-in provider sent no code; sign in again.", 400)
        try:
            claims = await provider.redeem(code, flow.redirect_uri, flow.verifier, flow.nonce)
            person = provider.identity(claims)
        except SignInRefused as exc:
            return refused(request, exc.message, exc.status)
        assert person.key_id is not None
        session_id, _ = console.sessions.start(person.key_id, replacing=request.cookies.get(COOKIE), person=person)
        actor = Actor.from_principal(person)
        await asyncio.to_thread(
            audit.append, console.store, actor, "console.sign_in", actor.id, team=person.team,
            detail={"via": "console", "sso": spec.issuer},
        )  # fmt: skip
        response = console.page(None, "signed_in.html", next=flow.next_path, who=actor.label)
        response.set_cookie(
            COOKIE, session_id, max_age=int(console.sessions.max_age_s), path="/ui", httponly=True,
            samesite="strict", secure=secure(request),
        )  # fmt: skip
        _drop_flow_cookie(response, request)
        return response
