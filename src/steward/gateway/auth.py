"""API keys on the request path: who is calling, may they, and have they used up their allowance.

Keys are stored hashed (see `steward.store`); a lookup is cached for `CACHE_SECONDS` so the hot path does not
touch the database on every request — a key revoked from another process stops working within that time,
one revoked through this process at once. Rate limits are token buckets per key (requests per minute); token
budgets count the tokens of every recorded request of the key, seeded from the store at first use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from steward.errors import AuthenticationError, RateLimited
from steward.types import Principal

CACHE_SECONDS = 2.0


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


class Authenticator:
    """Turns an `Authorization: Bearer` header into a `Principal`, enforcing revocation and limits."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._cache: dict[str, tuple[Any, float]] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def _lookup(self, secret: str) -> Any:
        hit = self._cache.get(secret)
        if hit is not None and time.monotonic() - hit[1] < CACHE_SECONDS:
            return hit[0]
        key = self.store.find_key(secret, include_revoked=True)
        self._cache[secret] = (key, time.monotonic())
        return key

    def forget(self) -> None:
        """Drop cached keys (after a revoke through this process)."""
        self._cache.clear()

    def authenticate(self, header: str | None) -> Principal:
        if not header:
            raise AuthenticationError(
                "no API key: send `Authorization: Bearer sk-stw-...`; create one with `steward keys create`."
            )
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError("the Authorization header must be `Bearer <key>`.")
        key = self._lookup(secret.strip())
        if key is None:
            raise AuthenticationError("unknown API key; check it, or create one with `steward keys create`.")
        if key.revoked_at is not None:
            raise AuthenticationError(f"API key {key.prefix}… was revoked; ask an admin for a new one.")
        self._check_rate(key)
        self._check_budget(key)
        return Principal(
            key_id=key.id,
            role=key.role,
            team=key.team,
            apps=tuple(key.apps),
            groups=tuple(getattr(key, "groups", ()) or (key.team,)),
            name=key.name,
        )

    def _check_rate(self, key: Any) -> None:
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

    def _check_budget(self, key: Any) -> None:
        budget = key.token_budget
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
        """Count a finished request's tokens against its key's budget."""
        if key_id is None or not tokens:
            return
        with self._lock:
            if key_id in self._used:
                self._used[key_id] += tokens
