"""API keys on the request path: who is calling, may they, and have they used up their allowance.

Keys are stored hashed (see `steward.store`); a lookup is cached for `CACHE_SECONDS` so the hot path does not
touch the database on every request — a key revoked from another process stops working within that time,
one revoked through this process at once. The cache is keyed by the secret's hash and holds at most
`CACHE_ENTRIES` lookups (least recently used go first), and a secret longer than `MAX_SECRET_CHARS` is refused
before any lookup: wrong keys, sent by the million or a megabyte long, cannot grow the process.
Rate limits are token buckets per key (requests per minute). Token budgets are reserved in the store before
the model is called (`reserve`: the prompt plus `max_tokens`, one atomic transaction across every server on the
store) and settled once the record, which charges the tokens really used, is durable (`settle`), so
concurrent requests cannot overspend. A reservation is a lease of `lease_s` seconds (at least the longest a
request may take under the project's timeouts): one whose server was killed before settling stops counting
then. Keys without a budget never touch the store here.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from steward.errors import AuthenticationError, RateLimited
from steward.types import Principal

if TYPE_CHECKING:
    from steward.store import KeyInfo, Store

CACHE_SECONDS = 2.0
CACHE_ENTRIES = 4096
LEASE_S = 900.0  # the least a token reservation holds when its server dies before settling it
MAX_SECRET_CHARS = 256  # a Steward secret is 50 characters; other gateways' keys stay well under this


@dataclass(slots=True)
class _Bucket:
    capacity: float
    tokens: float
    updated: float

    def take(self, rate_per_s: float) -> float:
        """Take one request; return 0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * rate_per_s)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / rate_per_s


def principal_of(key: KeyInfo) -> Principal:
    """Who a key is: the caller of a request that sent it, or the signed-in identity of a console session."""
    return Principal(
        key_id=key.id,
        role=key.role,
        team=key.team,
        apps=tuple(key.apps),
        groups=key.groups or (key.team,),
        name=key.name,
        person=key.owner,
    )


class Authenticator:
    """Turns an `Authorization: Bearer` header into a `Principal`, enforcing revocation and limits."""

    def __init__(self, store: Store, lease_s: float = LEASE_S) -> None:
        self.store = store
        self.lease_s = lease_s  # how long a reservation holds if this process dies before settling it
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._cache: OrderedDict[bytes, tuple[KeyInfo | None, float]] = OrderedDict()
        self._buckets: dict[str, _Bucket] = {}
        self._used: dict[str, int] = {}
        self._budgets: dict[str, int] = {}  # key id -> token budget, for keys that have one
        self._keys: dict[str, KeyInfo] = {}  # key id -> the key as last looked up (its limits), for `admit`
        self._lock = threading.Lock()

    def _lookup(self, secret: str) -> KeyInfo | None:
        # keyed by the digest, never the secret: a cached miss costs 32 bytes, whatever was sent
        digest = hashlib.sha256(secret.encode()).digest()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None and time.monotonic() - hit[1] < CACHE_SECONDS:
                self._cache.move_to_end(digest)
                return hit[0]
        key = self.store.find_key(secret, include_revoked=True)
        with self._lock:
            self._cache[digest] = (key, time.monotonic())
            self._cache.move_to_end(digest)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return key

    def forget(self) -> None:
        """Drop cached keys (after a revoke through this process)."""
        with self._lock:
            self._cache.clear()

    def authenticate(self, header: str | None, *, admit: bool = True) -> Principal:
        """Who is calling. With `admit` (the default) also their allowance: `RateLimited` when the key's rate
        limit or token budget is spent. The request paths pass `admit=False` and call `admit` once they can
        record a refusal, so a limited request of a known key still gets its record."""
        if not header:
            raise AuthenticationError(
                "no API key: send `Authorization: Bearer sk-stw-...`; create one with `steward keys create`."
            )
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError("the Authorization header must be `Bearer <key>`.")
        if len(secret) > MAX_SECRET_CHARS:
            raise AuthenticationError(
                f"the API key is over {MAX_SECRET_CHARS} characters, so it is not a Steward key; "
                "send the `sk-stw-...` key that `steward keys create` printed."
            )
        key = self._lookup(secret.strip())
        if key is None:
            raise AuthenticationError("unknown API key; check it, or create one with `steward keys create`.")
        if key.revoked_at is not None:
            raise AuthenticationError(f"API key {key.prefix}… was revoked; ask an admin for a new one.")
        with self._lock:
            self._keys[key.id] = key
        principal = principal_of(key)
        if admit:
            self.admit(principal)
        return principal

    def admit(self, principal: Principal) -> None:
        """Raise `RateLimited` when the principal's key is over its rate limit or has spent its token budget;
        otherwise take one request from its bucket. Principals without a key (the CLI's) always pass."""
        if principal.key_id is None:
            return
        with self._lock:
            key = self._keys.get(principal.key_id)
        if key is None:  # not authenticated by this process: nothing to enforce it against
            return
        self._check_rate(key)
        self._check_budget(key)

    def _check_rate(self, key: KeyInfo) -> None:
        rpm = key.rate_limit_rpm
        if not rpm:
            return
        with self._lock:
            bucket = self._buckets.get(key.id)
            if bucket is None or bucket.capacity != rpm:
                bucket = self._buckets[key.id] = _Bucket(
                    capacity=float(rpm), tokens=float(rpm), updated=time.monotonic()
                )
            wait = bucket.take(rpm / 60.0)
        if wait:
            raise RateLimited(
                f"rate limit of {rpm} requests/minute reached for key {key.prefix}…; retry in {wait:.1f} s "
                "or ask an admin for a higher limit."
            )

    def _check_budget(self, key: KeyInfo) -> None:
        budget = key.token_budget
        with self._lock:
            if budget:
                self._budgets[key.id] = budget
            else:
                self._budgets.pop(key.id, None)
        if not budget:
            return
        used = self.used_tokens(key.id)
        if used >= budget:
            raise RateLimited(
                f"token budget of {budget} exhausted for key {key.prefix}… ({used} used); "
                "ask an admin for a key with a larger budget."
            )

    def used_tokens(self, key_id: str) -> int:
        with self._lock:
            if key_id not in self._used:
                self._used[key_id] = int(self.store.tokens_used(key_id))
            return self._used[key_id]

    def charge(self, key_id: str | None, tokens: int) -> None:
        """Count a finished request's tokens against its key's budget (the store counts them with its record)."""
        if key_id is None or not tokens:
            return
        with self._lock:
            if key_id in self._used:
                self._used[key_id] += tokens

    def has_budget(self, key_id: str) -> bool:
        return key_id in self._budgets

    def reserve(self, key_id: str | None, tokens: int, reservation_id: str) -> int:
        """Reserve `tokens` of the key's budget before the model is called, as `reservation_id` (the record's
        id); returns what was reserved (0: the key has no budget). Raises `RateLimited` when the budget, less
        what requests in flight reserved, cannot cover them."""
        with self._lock:
            budget = self._budgets.get(key_id) if key_id is not None else None
        if key_id is None or budget is None:
            return 0
        tokens = max(1, tokens)
        reserved = self.store.reserve_tokens(
            key_id, tokens, reservation_id=reservation_id, lease_s=self.lease_s, owner=self.owner
        )
        if reserved is None:
            raise RateLimited(
                f"token budget of {budget} cannot cover this request (up to {tokens} tokens with the requests "
                "in flight); lower `max_tokens`, shorten the conversation, or ask an admin for a larger budget."
            )
        return tokens

    def settle(self, key_id: str | None, reservation_id: str, used: int) -> None:
        """After the request's record is durable (it charged `used` in the store): release the reservation."""
        if key_id is None:
            return
        self.charge(key_id, used)
        self.store.release_tokens(reservation_id)
