"""Console sessions: an API key signs in once and the browser then holds only a random session id.

The session lives on the server (this process's memory: `steward serve` is one process), keyed by the sha256 of
its id, so neither the key's secret nor a usable id is kept in it. A session remembers the key's id, never its
secret; each request looks the key up again (`Store.resolve_key`), so a revoked or re-scoped key acts on the next
page, not at the session's end. A single sign-on session (`signin_sso`) holds instead the identity the provider's
groups mapped to at sign-in (`person`): the provider is asked again only at the next sign-in, so a person removed
from a group keeps the session until it ends. A session ends `IDLE_S` after its last request or `MAX_AGE_S` after
sign-in, whichever comes first, and at sign-out; a key keeps only its `MAX_PER_KEY` most recently used sessions.
Sign-in always makes a new id (an id the browser brought is dropped, never adopted: no session fixation). Every
session has its own CSRF token, which each state-changing request must send back (`check_csrf`). The clock is
injectable so that tests move time instead of waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from steward.types import Principal

IDLE_S = 30 * 60.0  # a session unused this long ends
MAX_AGE_S = 8 * 3600.0  # and every session ends this long after sign-in
MAX_SESSIONS = 10_000  # the oldest go first past this: sign-ins cannot grow the process without bound
MAX_PER_KEY = 20  # a key's (or SSO subject's) least recently used session ends past this: one key signing in
# over and over cannot push everyone else's sessions out of the bounded table
COOKIE = "steward_console"
SIGN_IN_COOKIE = "steward_sign_in"  # the sign-in form's own CSRF token (double submit), before any session


def _digest(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


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


class Sessions:
    """The console's sessions, in memory, bounded, with idle and absolute expiry."""

    def __init__(
        self, clock: Callable[[], float] = time.time, idle_s: float = IDLE_S, max_age_s: float = MAX_AGE_S
    ) -> None:
        self.clock = clock
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self._by_digest: OrderedDict[bytes, Session] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self, key_id: str, replacing: str | None = None, person: Principal | None = None
    ) -> tuple[str, Session]:
        """A new session for `key_id` (or the single sign-on identity `person`), with a fresh id and CSRF token;
        the session `replacing` names (the cookie the browser brought) ends. Returns the id (for the cookie only)
        and the session."""
        if replacing:
            self.end(replacing)
        session_id = secrets.token_urlsafe(32)
        at = self.clock()
        session = Session(key_id=key_id, csrf=secrets.token_urlsafe(32), started=at, seen=at, person=person)
        with self._lock:
            self._by_digest[_digest(session_id)] = session
            own = [digest for digest, held in self._by_digest.items() if held.key_id == key_id]  # oldest use first
            for digest in own[: max(0, len(own) - MAX_PER_KEY)]:
                del self._by_digest[digest]
            while len(self._by_digest) > MAX_SESSIONS:
                self._by_digest.popitem(last=False)
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of this id (its idle time restarts), or None: unknown, ended or expired."""
        if not session_id:
            return None
        digest = _digest(session_id)
        at = self.clock()
        with self._lock:
            session = self._by_digest.get(digest)
            if session is None:
                return None
            if at - session.seen > self.idle_s or at - session.started > self.max_age_s:
                del self._by_digest[digest]
                return None
            session.seen = at
            self._by_digest.move_to_end(digest)
            return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._by_digest.pop(_digest(session_id), None)

    def end_key(self, key_id: str) -> None:
        """End every session of a key (its key was revoked)."""
        with self._lock:
            for digest in [d for d, s in self._by_digest.items() if s.key_id == key_id]:
                del self._by_digest[digest]

    def __len__(self) -> int:
        return len(self._by_digest)
