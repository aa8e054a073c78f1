"""Single sign-on to the console with OpenID Connect (`console.oidc` in steward.yaml; the protocol is in `oidc`).

`GET /ui/sign-in/sso?next=…` starts a flow: a random state, nonce and PKCE verifier, and where to go after, sealed
(Fernet: AES-CBC + HMAC, with a key the server processes of one database share, `store.console.secret`) into a
cookie of this browser that lives `FLOW_S` (HttpOnly; SameSite=Lax, so that the provider's redirect back carries
it; path /ui/sign-in/sso), and sends the browser to the provider. Nothing of a flow is kept on the server, so no
shared table can be flooded: a client that starts thousands of flows fills only its own cookie jar (and meets the
per-client sign-in limit, `throttle`, which each callback meets too: it may cost a token request to the
provider), never another browser's sign-in in progress; a restart or another server process finishes a flow as
well. `GET /ui/sign-in/sso/callback` opens the cookie (a forged, altered or expired one
is refused) and takes the flow only if `state` is the one sealed in it (another browser's state is refused); the
answer drops the cookie and the provider's code is good once, so a flow is not used twice. It redeems the code with
the verifier, verifies the ID token and maps its groups to a role and team. Only then does a session start, as at a
key's sign-in (new token, the browser's old session ended), carrying that identity: every page and action is made,
and audited, as `oidc:<subject> (e-mail)`. The callback answers a page that moves on to `next` (a console path
only) from this site, so that the SameSite=Strict session cookie is sent with it (a redirect would continue the
provider's cross-site navigation, which leaves that cookie out).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from cryptography.fernet import Fernet, InvalidToken
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.gateway.console.oidc import Provider, SignInRefused
from steward.gateway.console.security import HEADERS, local_path, secure
from steward.gateway.console.sessions import COOKIE, same_token
from steward.governance import audit
from steward.governance.identity import Actor

if TYPE_CHECKING:
    from steward.gateway.console import Console

log = logging.getLogger(__name__)
FLOW_S = 600.0  # a sign-in at the provider must come back within this
FLOW_COOKIE = "steward_sso"
FLOW_PATH = "/ui/sign-in/sso"  # the flow cookie goes to the start and the callback only
CALLBACK = "/ui/sign-in/sso/callback"
MAX_PARAM = 2048
MAX_NEXT_CHARS = 1024  # a longer `next` goes home instead (the flow's cookie must stay under browsers' 4 kB)
SECRET_NAME = "sso-flow-key"  # the Fernet key of flow cookies, in `console_secrets`
FormPage = Callable[..., Response]  # signin.form_page: the sign-in form with a message
TooMany = Callable[..., Response | None]  # signin.too_many: the 429 form past the per-client sign-in limit


@dataclass(frozen=True, slots=True)
class Flow:
    """One sign-in sent to the provider, as sealed in the browser's flow cookie."""

    state: str
    nonce: str
    verifier: str
    next_path: str
    redirect_uri: str


class FlowSeal:
    """Seals a flow into its cookie and opens it again (only within `FLOW_S`), with the key every server process
    of the store shares (made at first use). The key is read from the store at each use (a sign-in's start and
    callback: rare, and limited per client), never kept for the process's life, so that when its row is deleted
    every server moves to the one the next use makes instead of sealing with a key the others no longer have."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._fernet: tuple[str, Fernet] | None = None  # the last key read, and its Fernet

    def _key(self) -> Fernet:
        key = self.console.store.console.secret(
            SECRET_NAME, lambda: Fernet.generate_key().decode(), self.console.sessions.clock()
        )
        if self._fernet is None or self._fernet[0] != key:
            self._fernet = (key, Fernet(key.encode()))
        return self._fernet[1]

    def seal(self, flow: Flow) -> str:
        at = int(self.console.sessions.clock())
        return self._key().encrypt_at_time(orjson.dumps(dataclasses.asdict(flow)), at).decode()

    def open(self, cookie: str) -> Flow | None:
        """The flow sealed in `cookie`, or None: not one of ours, altered, or older than `FLOW_S`."""
        if not cookie or len(cookie) > 4096:
            return None
        at = int(self.console.sessions.clock())
        try:
            fields = orjson.loads(self._key().decrypt_at_time(cookie.encode(), int(FLOW_S), at))
            return Flow(**fields)
        except (InvalidToken, ValueError, TypeError):
            return None


def _drop_flow_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, httponly=True, samesite="lax", secure=secure(request))


def routes(api: APIRouter, console: Console, form_page: FormPage, too_many: TooMany) -> None:
    """The single sign-on routes, when steward.yaml has `console.oidc` (otherwise /ui/sign-in/sso is no page)."""
    spec = console.project.console.oidc
    if spec is None:
        return
    provider = Provider(spec)
    seal = FlowSeal(console)

    def redirect_uri(request: Request) -> str:
        return spec.redirect_uri or str(request.base_url).rstrip("/") + CALLBACK

    def refused(request: Request, message: str, status: int) -> Response:
        # no code, token or cookie in it; and what the provider (or a browser) sent stays on one line of the log
        printable = "".join(c if c.isprintable() else "?" for c in message)
        log.warning("console single sign-on refused (%s): %s", status, printable)
        response = form_page(console, request, "/ui", message, status=status)
        _drop_flow_cookie(response, request)
        return response

    @api.get("/ui/sign-in/sso")
    async def start(request: Request) -> Response:
        next_path = local_path(request.query_params.get("next"))
        if len(next_path) > MAX_NEXT_CHARS:
            next_path = "/ui"
        if (refused_now := too_many(console, request, next_path)) is not None:
            return refused_now
        state, nonce, verifier = (secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))
        where = redirect_uri(request)
        try:
            url = await provider.authorization_url(where, state, nonce, verifier)
        except SignInRefused as exc:
            return refused(request, exc.message, exc.status)
        sealed = await asyncio.to_thread(seal.seal, Flow(state, nonce, verifier, next_path, where))
        response = RedirectResponse(url, status_code=303, headers=HEADERS)
        response.set_cookie(
            FLOW_COOKIE, sealed, max_age=int(FLOW_S), path=FLOW_PATH, httponly=True, samesite="lax",
            secure=secure(request),
        )  # fmt: skip
        return response

    @api.get(CALLBACK)
    async def callback(request: Request) -> Response:
        if (refused_now := too_many(console, request, "/ui")) is not None:
            return refused_now  # each callback may cost a token request to the provider: it is an attempt too
        params = request.query_params
        state, code = params.get("state") or "", params.get("code") or ""
        flow = await asyncio.to_thread(seal.open, request.cookies.get(FLOW_COOKIE) or "")
        if flow is None or not 0 < len(state) <= MAX_PARAM or not same_token(state, flow.state):
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
        session_id, _ = await asyncio.to_thread(
            console.sessions.start, person.key_id, replacing=request.cookies.get(COOKIE), person=person
        )
        actor = Actor.from_principal(person)
        await asyncio.to_thread(
            audit.append, console.store, actor, "console.sign_in", actor.id, team=person.team,
            detail={"via": "console", "sso": spec.issuer},
        )  # fmt: skip
        next_path = local_path(flow.next_path)  # checked at the start too: a cookie is the browser's to keep
        response = console.page(None, "signed_in.html", next=next_path, who=actor.label)
        response.set_cookie(
            COOKIE, session_id, max_age=int(console.sessions.max_age_s), path="/ui", httponly=True,
            samesite="strict", secure=secure(request),
        )  # fmt: skip
        _drop_flow_cookie(response, request)
        return response
