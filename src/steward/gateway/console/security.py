"""What every console request is checked against: who is signed in, may they, and is a change really theirs.

- Identity: the session cookie names a live session (`Sessions`, in the store); its key is looked up again on
  every request, so a revoked key's session ends at once (a single sign-on session carries the identity mapped at
  sign-in). `app` and `metrics` keys never sign in (`SIGN_IN_ROLES`, the management API's readers). The console's
  routes look the session up off the event loop before the page runs (`identify`, in `route_class`).
- Sign-in attempts (a key posted, a single sign-on started) are limited per client address (`throttle`).
- Changes: every POST carries the session's CSRF token (form field `csrf` or header `X-CSRF-Token`) and, when the
  browser names one, an `Origin` of this server; without both it is refused before anything else is read. Who may
  make the change (an auditor may not) is decided by the same service function the management API calls.
- Redirects after sign-in go only to a path of the console (`local_path`): never to another host.
- Responses carry a strict Content-Security-Policy (scripts and styles from /ui/static only, no inline script),
  no caching of pages, and `frame-ancestors 'none'`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from fastapi import Request

from steward.errors import NotFound, PermissionDenied
from steward.gateway.auth import principal_of
from steward.gateway.console.sessions import COOKIE, Session, Sessions, same_token
from steward.gateway.management.common import READING_ROLES
from steward.types import Principal

if TYPE_CHECKING:
    from steward.gateway.console import Console

SIGN_IN_ROLES = READING_ROLES  # admin, developer, auditor: the people who oversee the apps
HOME = "/ui"
MAX_FORM_FIELDS = 20
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "cache-control": "no-store",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


class SignInNeeded(Exception):
    """No live session: a page answers with the sign-in form's address, keeping where the person was going."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in person: their session (with its CSRF token), the cookie's id, and who their key is."""

    session_id: str
    session: Session
    who: Principal
    sessions: Sessions | None = None  # where its one-time notes are kept (None: in memory only)

    def note(self, text: str) -> None:
        """Say `text` once on the session's next page ("approved rec_…")."""
        if self.sessions is None:
            self.session.flash.append(text)
        else:
            self.sessions.note(self.session_id, self.session, text)

    def take_flash(self) -> list[str]:
        """The notes kept for this page, now shown (and gone)."""
        if self.sessions is None:
            notes, self.session.flash = self.session.flash, []
            return notes
        return self.sessions.take_flash(self.session_id, self.session)

    @property
    def may_act(self) -> bool:
        """Whether pages offer actions (approve, reject…); the server still refuses an auditor's POST."""
        return self.who.role in ("admin", "developer")

    @property
    def label(self) -> str:
        return f"{self.who.name or self.who.key_id} ({self.who.role}, team {self.who.team})"


def secure(request: Request) -> bool:
    """Whether the browser reached us over TLS (directly, or through a proxy uvicorn trusts)."""
    return request.url.scheme == "https"


def local_path(value: str | None) -> str:
    """`value` if it is a path of the console on this server, else the console's home: never another host
    (`//evil.example`, `https://…`, `/\\evil.example`, and a dot segment such as `/ui/../x` all read as home)."""
    if not value or any(c in value for c in "\\\r\n\t\x00") or not value.startswith(HOME):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == HOME or parts.path.startswith(HOME + "/")):
        return HOME
    if any(segment in (".", "..") for segment in unquote(parts.path).split("/")):
        return HOME  # a browser resolves `/ui/../..//evil.example` to this host's `//evil.example`
    return value


_IDENTIFIED = "console_identified"  # request.state: what `identify` found before the page ran


def identify(console: Console, request: Request) -> Visitor | None:
    """The signed-in person whose session cookie this request carries, or None (no live session, or its key was
    revoked or may no longer sign in: the session then ends). Reads the store: run it off the event loop."""
    session_id = request.cookies.get(COOKIE)
    session = console.sessions.get(session_id)
    if session is None or session_id is None:
        return None
    if session.person is not None:  # single sign-on: the identity mapped at sign-in
        if session.person.role not in SIGN_IN_ROLES:
            console.sessions.end(session_id)
            return None
        return Visitor(session_id, session, session.person, console.sessions)
    try:
        key = console.store.resolve_key(session.key_id)
    except NotFound:
        key = None
    if key is None or key.revoked_at is not None or key.role not in SIGN_IN_ROLES:
        console.sessions.end(session_id)
        return None
    return Visitor(session_id, session, principal_of(key), console.sessions)


async def preload(console: Console, request: Request) -> None:
    """Look the request's session up in a worker thread (the store is blocking I/O), for `visitor`."""
    found = await asyncio.to_thread(identify, console, request) if request.cookies.get(COOKIE) else None
    setattr(request.state, _IDENTIFIED, found)


def visitor(console: Console, request: Request) -> Visitor:
    """The signed-in person making this request, or `SignInNeeded`."""
    state = request.state
    found = getattr(state, _IDENTIFIED) if hasattr(state, _IDENTIFIED) else identify(console, request)
    if found is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(local_path(here))
    request.state.visitor = found  # an error page still shows who is signed in
    return found


def sign_in_principal(console: Console, secret: str) -> Principal:
    """Who the key is, if it may sign in: `AuthenticationError` for an unknown or revoked one, `PermissionDenied`
    for an app or metrics key (its rate limit applies, as to any request it makes)."""
    who = console.authenticator.authenticate(f"Bearer {secret.strip()}")
    if who.role not in SIGN_IN_ROLES:
        raise PermissionDenied(
            f"{who.role} keys cannot sign in to the console; sign in with an admin, developer or auditor key "
            "(`steward keys create --role auditor`)."
        )
    return who


async def form(request: Request) -> dict[str, str]:
    """A URL-encoded form's fields, each once (the gateway already bounds the body's size)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = parse_qs(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise PermissionDenied(
            f"the form has over {MAX_FORM_FIELDS} fields; send the console's own form."
        ) from None
    return {name: values[-1] for name, values in fields.items()}


def check_origin(request: Request) -> None:
    """Refuse a POST that a browser says came from another site (an `Origin` that is not this server)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin != own:
        raise PermissionDenied("this form was sent from another site; use the console's own pages.")


def check_csrf(request: Request, session: Session, fields: dict[str, str]) -> None:
    """Refuse a state change that does not carry the session's CSRF token."""
    check_origin(request)
    given = fields.get("csrf") or request.headers.get("x-csrf-token")
    if not same_token(given, session.csrf):
        raise PermissionDenied(
            "the form's security token is missing or stale, so nothing was changed; reload the page and try again."
        )
