"""How often one client may try to sign in to the console: a token bucket per client address.

Every sign-in attempt (a key posted to /ui/sign-in, a single sign-on started at /ui/sign-in/sso or come back to its
callback) takes a token from its client's bucket, which holds `BURST` and refills at `PER_MINUTE`; an empty bucket
answers 429 with the seconds to wait (the sign-in form says so, with `Retry-After`). A person never meets the
limit; a script guessing keys or starting thousands of sign-ins meets it after `BURST`. The client is the address
the server sees (behind a reverse proxy, run uvicorn with `--proxy-headers` and `--forwarded-allow-ips` so that it
is the browser's, not the proxy's). An IPv6 client is its /64 (`client_of`): one host is commonly given a whole
/64, so counting each of its addresses apart would give it 2^64 fresh buckets. Buckets live in this process (each
server process limits on its own) and at most `MAX_CLIENTS` of them: past that the least recently seen address is
forgotten, so a flood from many addresses cannot grow the process. The clock is injectable so that tests move time
instead of waiting.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

BURST = 30  # attempts a client may make at once
PER_MINUTE = 30.0  # and then this many a minute
MAX_CLIENTS = 10_000
IPV6_PREFIX = 64  # the IPv6 addresses one client counts as: a host is commonly given a whole /64


def client_of(host: str) -> str:
    """Whose bucket an attempt from address `host` takes: the address itself (IPv4, or a name that is no address,
    such as a test client's), the IPv4 address inside an IPv4-mapped IPv6 one, or an IPv6 address's /64."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class SignInThrottle:
    """Sign-in attempts per client address (see the module docstring)."""

    def __init__(
        self,
        burst: int = BURST,
        per_minute: float = PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a sign-in throttle needs a burst of at least 1 and a positive rate")
        self.burst = burst
        self.rate_per_s = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take one attempt of `client`: 0 when it may go ahead, else the seconds until it may."""
        at = self.clock()
        with self._lock:
            bucket = self._buckets.pop(client, None) or _Bucket(float(self.burst), at)
            self._buckets[client] = bucket  # most recently seen last
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            bucket.tokens = min(float(self.burst), bucket.tokens + max(0.0, at - bucket.updated) * self.rate_per_s)
            bucket.updated = at
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate_per_s

    def forget(self) -> None:
        """Drop every bucket (every client starts full again)."""
        with self._lock:
            self._buckets.clear()
