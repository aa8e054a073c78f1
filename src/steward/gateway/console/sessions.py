"""Console sessions: an API key signs in once and the browser then holds only a random session token.

Sessions live in the store (`store.console`, table `console_sessions`: SQLite or PostgreSQL, as the records), so a
restart of `steward serve` signs no one out and every server process of one database serves every session. A row
is keyed by the sha256 of the token: the token is only in the browser's cookie, never in the database, so a copy
of the database signs no one in. A session remembers the key's id, never its secret; each request looks the key up
again (`Store.resolve_key`), so a revoked or re-scoped key acts on the next page, not at the session's end (and
revoking a key deletes its sessions: `Store.revoke_key`). A single sign-on session (`signin_sso`) holds instead
the identity the provider's groups mapped to at sign-in (`person`): the provider is asked again only at the next
sign-in, so a person removed from a group keeps the session until it ends.

A session ends `IDLE_S` after its last request or `MAX_AGE_S` after sign-in, whichever comes first, and at
sign-out; a row found past either is deleted and refused, and every sign-in purges the rows past either (at most
once a `PURGE_S`). A key (or SSO subject) keeps only its `MAX_PER_KEY` most recently used sessions, so one key
signing in over and over ends only its own sessions: the table has no shared bound that others could be pushed
out of. Last use is written at most once a `TOUCH_S` per session, so a page costs a read, not a write.
Sign-in always makes a new token (a token the browser brought is dropped, never adopted: no session fixation).
Every session has its own CSRF token, derived from the session token by HMAC (so it is never stored either), which
each state-changing request must send back (`check_csrf`). The clock is injectable so that tests move time
instead of waiting.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from steward.types import Principal

if TYPE_CHECKING:
    from steward.store import Store

IDLE_S = 30 * 60.0  # a session unused this long ends
MAX_AGE_S = 8 * 3600.0  # and every session ends this long after sign-in
MAX_PER_KEY = 20  # a key's (or SSO subject's) least recently used session ends past this
TOUCH_S = 60.0  # a session's last use is written at most this often (idle expiry is this much coarse)
PURGE_S = 60.0  # expired sessions are deleted at a sign-in at most this often (and whenever one is read)
MAX_FLASH = 5  # one-time notes kept for a session's next page
MAX_NOTE_CHARS = 500
COOKIE = "steward_console"
SIGN_IN_COOKIE = "steward_sign_in"  # the sign-in form's own CSRF token (double submit), before any session
_CSRF_LABEL = b"steward-console-csrf"


def token_hash(session_id: str) -> str:
    """What the store keys a session by: the sha256 of its token, hex."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_of(session_id: str) -> str:
    """The session's CSRF token: an HMAC of the session token (nothing to store, and it reveals no token)."""
    mac = hmac.new(session_id.encode(), _CSRF_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def same_token(given: str | None, expected: str) -> bool:
    """Whether `given` is `expected`, compared in constant time."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


@dataclass(slots=True)
class Session:
    """One signed-in browser: which key signed in (or, with single sign-on, who), its CSRF token, and when it
    started and was last used."""

    key_id: str  # the key's id, or `oidc:<subject>` for single sign-on
    csrf: str
    started: float
    seen: float
    flash: list[str] = field(default_factory=list)  # one-time notes for the next page ("approved rec_…")
    person: Principal | None = None  # single sign-on: the identity the provider's groups mapped to at sign-in


def _person_row(person: Principal | None) -> dict[str, Any] | None:
    return None if person is None else dataclasses.asdict(person)


def _person_of(stored: Any) -> Principal | None:
    if not isinstance(stored, dict):
        return None
    known = {f.name for f in dataclasses.fields(Principal)}
    values = {name: value for name, value in stored.items() if name in known}
    for name in ("apps", "groups"):
        values[name] = tuple(values.get(name) or ())
    return Principal(**values)


class Sessions:
    """The console's sessions, in the store, with idle and absolute expiry and a per-key cap."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float] = time.time,
        idle_s: float = IDLE_S,
        max_age_s: float = MAX_AGE_S,
    ) -> None:
        self.store = store
        self.clock = clock
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self._purged = float("-inf")
        self._lock = threading.Lock()

    def start(
        self, key_id: str, replacing: str | None = None, person: Principal | None = None
    ) -> tuple[str, Session]:
        """A new session for `key_id` (or the single sign-on identity `person`), with a fresh token and CSRF
        token; the session `replacing` names (the cookie the browser brought) ends. Returns the token (for the
        cookie only) and the session."""
        if replacing:
            self.end(replacing)
        self.purge(at_most_every=PURGE_S)
        session_id = secrets.token_urlsafe(32)
        at = self.clock()
        row = {
            "token_hash": token_hash(session_id), "key_id": key_id, "started": at, "seen": at,
            "person": _person_row(person), "flash": [],
        }  # fmt: skip
        self.store.console.add(row)
        self.store.console.keep_newest(key_id, MAX_PER_KEY)
        return session_id, Session(key_id=key_id, csrf=csrf_of(session_id), started=at, seen=at, person=person)

    def get(self, session_id: str | None) -> Session | None:
        """The live session of this token (its idle time restarts), or None: unknown, ended or expired (an
        expired one is deleted)."""
        if not session_id or len(session_id) > 256:
            return None
        digest = token_hash(session_id)
        row = self.store.console.get(digest)
        if row is None:
            return None
        at = self.clock()
        if at - row.seen > self.idle_s or at - row.started > self.max_age_s:
            self.store.console.delete(digest)
            return None
        seen = row.seen
        if at - seen >= TOUCH_S:
            self.store.console.touch(digest, at)
            seen = at
        return Session(
            key_id=row.key_id, csrf=csrf_of(session_id), started=row.started, seen=seen,
            flash=list(row.flash or []), person=_person_of(row.person),
        )  # fmt: skip

    def end(self, session_id: str | None) -> None:
        if session_id and len(session_id) <= 256:
            self.store.console.delete(token_hash(session_id))

    def end_key(self, key_id: str) -> None:
        """End every session of a key (its key was revoked) or single sign-on subject."""
        self.store.console.delete_key(key_id)

    def note(self, session_id: str, session: Session, text: str) -> None:
        """Keep a one-time note for the session's next page ("approved rec_…")."""
        session.flash = [*session.flash, text[:MAX_NOTE_CHARS]][-MAX_FLASH:]
        self.store.console.set_flash(token_hash(session_id), session.flash)

    def take_flash(self, session_id: str, session: Session) -> list[str]:
        """The session's notes, now shown (and gone)."""
        notes, session.flash = session.flash, []
        if notes:
            self.store.console.set_flash(token_hash(session_id), [])
        return notes

    def purge(self, at_most_every: float = 0.0) -> int:
        """Delete every session past its idle time or its age; how many. With `at_most_every`, only when the
        last purge of this process is older than that."""
        at = self.clock()
        with self._lock:
            if at_most_every and at - self._purged < at_most_every:
                return 0
            self._purged = at
        return self.store.console.purge(seen_before=at - self.idle_s, started_before=at - self.max_age_s)

    def __len__(self) -> int:
        """Sessions held (expired ones not yet purged included)."""
        return self.store.console.count()
