"""API keys: created once, stored only as a hash, scoped to a team and apps, with a rate limit and token budget.

A secret is `sk-stw-` followed by 32 random bytes (URL-safe base64). With that much entropy a single sha256
is the right hash: it cannot be brute-forced, and a lookup by hash is one indexed query per request (a slow
password hash would cost milliseconds on every call for no gain). The first 8 random characters are kept in
clear as the key's `prefix`, so people can tell keys apart in listings and revoke one by it.
`tokens_used` is advanced by the record writer in the same transaction as each batch of records; requests in
flight hold the rest of a budget as `token_reservations`, leases that a killed server's requests give up.

Every other column is governed: `key_digest` hashes them (never `tokens_used`, which moves with traffic), and
each creation and revocation is an audit event whose after-hash is that digest, so `steward audit verify`
notices a key inserted, un-revoked or re-scoped outside Steward (`steward.governance.access`).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import typing
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import Row

from steward.errors import InvalidRequest, NotFound
from steward.store.rows import from_row
from steward.store.schema import api_keys, token_reservations
from steward.types import KeyRole, Principal, new_id, now

SECRET_PREFIX = "sk-stw-"
ROLES: tuple[str, ...] = typing.get_args(KeyRole)
# How long a reservation holds when its server never settles it (killed). The gateway passes its own, derived
# from the project's timeouts; this default outlasts a request under the default ones (3 tries of 60 s, twice).
RESERVATION_LEASE_S = 900.0


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What Steward knows about an API key (never the secret itself)."""

    id: str
    role: KeyRole
    team: str
    prefix: str
    name: str | None = None
    apps: tuple[str, ...] = ()  # empty: every app of the team
    groups: tuple[str, ...] = ()
    rate_limit_rpm: int | None = None
    token_budget: int | None = None
    tokens_used: int = 0
    created_at: float = 0.0
    revoked_at: float | None = None
    created_by: str | None = None
    owner: str | None = None  # the person (e-mail) the key belongs to; None: the key counts as itself

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def display(self) -> str:
        """How the key is shown to people: `sk-stw-AbCd1234…`."""
        return f"{SECRET_PREFIX}{self.prefix}…"

    def principal(self, subject: str | None = None) -> Principal:
        """The caller this key authenticates, acting for `subject` when one is given."""
        return Principal(
            key_id=self.id,
            role=self.role,
            team=self.team,
            apps=self.apps,
            groups=self.groups,
            subject=subject,
            name=self.name,
            person=self.owner,
        )


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    engine: Engine,
    role: str,
    *,
    name: str | None = None,
    apps: Iterable[str] = (),
    groups: Iterable[str] = (),
    team: str = "default",
    rate_limit_rpm: int | None = None,
    token_budget: int | None = None,
    created_by: str | None = None,
    owner: str | None = None,
    connection: Connection | None = None,
) -> tuple[str, KeyInfo]:
    """Create a key; the secret is returned here and nowhere else, ever.

    With `connection`, inside the caller's transaction (the audit event that records it commits with it).
    """
    if role not in ROLES:
        raise InvalidRequest(f"unknown role {role!r}; use one of {', '.join(ROLES)}.", param="role")
    for limit, label in ((rate_limit_rpm, "rate limit (requests per minute)"), (token_budget, "token budget")):
        if limit is not None and limit <= 0:
            raise InvalidRequest(f"the {label} must be a positive number, or left out for no limit.")
    if not team.strip():
        raise InvalidRequest("the team name is empty; leave it out to use `default`.", param="team")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    info = KeyInfo(
        id=new_id("key"),
        role=typing.cast(KeyRole, role),
        team=team.strip(),
        prefix=secret[len(SECRET_PREFIX) : len(SECRET_PREFIX) + 8],
        name=name,
        apps=_names(apps, "app"),
        groups=_names(groups, "group"),
        rate_limit_rpm=rate_limit_rpm,
        token_budget=token_budget,
        created_at=now(),
        created_by=created_by,
        owner=owner_address(owner),
    )
    row = {
        "id": info.id,
        "name": info.name,
        "prefix": info.prefix,
        "hash": hash_secret(secret),
        "role": info.role,
        "team": info.team,
        "apps": list(info.apps),
        "groups": list(info.groups),
        "rate_limit_rpm": info.rate_limit_rpm,
        "token_budget": info.token_budget,
        "tokens_used": 0,
        "created_at": info.created_at,
        "created_by": info.created_by,
        "owner": info.owner,
    }
    if connection is not None:
        connection.execute(insert(api_keys).values(row))
    else:
        with engine.begin() as own:
            own.execute(insert(api_keys).values(row))
    return secret, info


GOVERNED_COLUMNS: tuple[str, ...] = tuple(c.name for c in api_keys.columns if c.name != "tokens_used")
LATE_COLUMNS = ("owner",)  # added after keys were sealed: hashed only when set, so older keys verify as before
OWNER = re.compile(r"[^@\s:()<>,;\"'`]{1,64}@[^@\s:()<>,;\"'`]+\.[^@\s:()<>,;\"'`]+")


def owner_address(owner: str | None) -> str | None:
    """A key's owner as stored: an e-mail address, lower-cased (the SSO identity it is matched to); None kept."""
    if owner is None:
        return None
    # one spelling per person: compatibility forms folded (a full-width `ａｎａ` is `ana`), invisible characters
    # (zero-width spaces, joiners, controls) refused, as they would make one person two approvers
    address = unicodedata.normalize("NFKC", owner).strip().lower()
    invisible = any(unicodedata.category(char)[0] in "CZ" for char in address)
    if len(address) > 200 or invisible or not OWNER.fullmatch(address):
        raise InvalidRequest(
            f"the owner {owner[:80]!r} is not an e-mail address; name the person the key belongs to, e.g. "
            "--owner alice@example.com (their single sign-on e-mail, so both count as one approver).",
            param="owner",
        )
    return address


def key_digest(row: Any) -> str:
    """sha256 over a key row's governed columns (everything but `tokens_used`), as its audit events record."""
    m = row if isinstance(row, dict) else row._mapping
    values = {name: m[name] for name in GOVERNED_COLUMNS if name not in LATE_COLUMNS or m.get(name) is not None}
    values["apps"], values["groups"] = list(values["apps"] or []), list(values["groups"] or [])
    for name in ("created_at", "revoked_at"):
        values[name] = None if values[name] is None else f"{float(values[name]):.6f}"
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class KeyEvidence:
    """What `steward audit verify` reads of an API key row: whose key it is, and the digest of its governed
    columns as they are stored now (`key_digest`), to hold against its newest audit event."""

    id: str
    prefix: str
    role: str
    team: str
    revoked_at: float | None
    digest: str

    @classmethod
    def of(cls, row: Row[Any]) -> KeyEvidence:
        return cls(row.id, row.prefix, row.role, row.team, row.revoked_at, key_digest(row))


def stored_key_digest(connection: Connection, key_id: str) -> str | None:
    row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
    return None if row is None else key_digest(row)


def all_key_evidence(engine: Engine) -> list[KeyEvidence]:
    with engine.connect() as connection:
        rows = connection.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id))
        return [KeyEvidence.of(row) for row in rows]


def find_key(engine: Engine, secret: str, *, include_revoked: bool = False) -> KeyInfo | None:
    """The key whose secret this is, or None (also None when revoked, unless `include_revoked`)."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    query = select(api_keys).where(api_keys.c.hash == hash_secret(secret))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    info = _info(row)
    return info if include_revoked or info.active else None


def list_keys(engine: Engine, team: str | None = None) -> list[KeyInfo]:
    query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
    if team is not None:
        query = query.where(api_keys.c.team == team)
    with engine.connect() as connection:
        return [_info(row) for row in connection.execute(query)]


def count_keys(engine: Engine, *, active_only: bool = True) -> int:
    query = select(func.count()).select_from(api_keys)
    if active_only:
        query = query.where(api_keys.c.revoked_at.is_(None))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def revoke_key(engine: Engine, id_or_prefix: str, connection: Connection | None = None) -> KeyInfo:
    """Revoke by id (`key_…`), by prefix (`AbCd1234`, `sk-stw-AbCd1234…`) or by the secret. Idempotent.

    With `connection`, inside the caller's transaction (see `create_key`).
    """
    target = _resolve(engine, id_or_prefix.strip())
    if not target.active:
        return target
    at = now()
    statement = (
        update(api_keys).where(api_keys.c.id == target.id, api_keys.c.revoked_at.is_(None)).values(revoked_at=at)
    )
    if connection is not None:
        connection.execute(statement)
    else:
        with engine.begin() as own:
            own.execute(statement)
    return replace(target, revoked_at=at)


def tokens_used(engine: Engine, key_id: str) -> int:
    with engine.connect() as connection:
        used = connection.execute(select(api_keys.c.tokens_used).where(api_keys.c.id == key_id)).scalar()
    return int(used or 0)


def reserve_tokens(
    engine: Engine,
    key_id: str,
    tokens: int,
    *,
    reservation_id: str | None = None,
    lease_s: float = RESERVATION_LEASE_S,
    owner: str = "",
) -> str | None:
    """Reserve `tokens` of the key's budget for a request in flight, for `lease_s` seconds at most.

    Returns the reservation's id (`reservation_id`, the request's record id, or a new one), or None when
    `tokens_used` plus the key's live reservations plus these would pass the budget. One transaction: its first
    statement takes the key's row (on PostgreSQL the row lock, on SQLite the database's write lock) so that
    concurrent reservations, from this process or another on the same store, are checked one after another,
    each seeing those committed before it. Expired reservations (their server was killed before settling)
    are deleted on the way and never counted.
    """
    at = now()
    rid = reservation_id or new_id("rsv")
    c, r = api_keys.c, token_reservations.c
    live = (
        select(func.coalesce(func.sum(r.tokens), 0)).where(r.key_id == key_id, r.expires_at > at).scalar_subquery()
    )
    fits = or_(c.token_budget.is_(None), c.tokens_used + live + tokens <= c.token_budget)
    row = select(
        literal(rid), c.id, literal(tokens), literal(owner[:200]), literal(at), literal(at + lease_s)
    ).where(c.id == key_id, fits)
    with engine.begin() as connection:
        # a write that changes nothing: it serialises reservations of one key (see above)
        connection.execute(update(api_keys).where(c.id == key_id).values(tokens_used=c.tokens_used))
        connection.execute(delete(token_reservations).where(r.key_id == key_id, r.expires_at <= at))
        columns = ["id", "key_id", "tokens", "owner", "created_at", "expires_at"]
        # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT ... SELECT
        reserve = insert(token_reservations).from_select(columns, row).returning(r.id)
        return connection.execute(reserve).scalar()


def release_tokens(engine: Engine, reservation_id: str) -> None:
    """Delete a reservation (the tokens really used were charged by the record writer with the record)."""
    with engine.begin() as connection:
        connection.execute(delete(token_reservations).where(token_reservations.c.id == reservation_id))


def reserved_tokens(engine: Engine, key_id: str) -> int:
    """Tokens of the key's budget held now by live reservations (requests in flight on any server)."""
    r = token_reservations.c
    query = select(func.coalesce(func.sum(r.tokens), 0)).where(r.key_id == key_id, r.expires_at > now())
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def resolve_key(engine: Engine, given: str) -> KeyInfo:
    """The key named by id, prefix or secret (revoked ones included); NotFound / ambiguous prefix explained."""
    return _resolve(engine, given)


def _resolve(engine: Engine, given: str) -> KeyInfo:
    if given.startswith(SECRET_PREFIX) and len(given) > len(SECRET_PREFIX) + 12:
        found = find_key(engine, given, include_revoked=True)
        if found is None:
            raise NotFound("no API key has that secret; see `steward keys list` for ids and prefixes.")
        return found
    if given.startswith("key_"):
        query = select(api_keys).where(api_keys.c.id == given)
    else:
        query = select(api_keys).where(api_keys.c.prefix == given.removeprefix(SECRET_PREFIX).rstrip("….")[:8])
    with engine.connect() as connection:
        found_rows = connection.execute(query).all()
    if not found_rows:
        raise NotFound(f"no API key {given!r}; see `steward keys list` for ids and prefixes.")
    if len(found_rows) > 1:
        raise InvalidRequest(f"prefix {given!r} matches {len(found_rows)} keys; revoke by id (`key_…`) instead.")
    return _info(found_rows[0])


def _names(values: Iterable[str], what: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(v.strip() for v in values))
    if any(not n for n in names):
        raise InvalidRequest(f"an empty {what} name was given; list {what}s separated by commas, e.g. a,b.")
    return names


def _info(row: Row[Any]) -> KeyInfo:
    return from_row(
        KeyInfo,
        row,
        apps=tuple(row.apps or ()),
        groups=tuple(row.groups or ()),
        tokens_used=int(row.tokens_used or 0),
    )
