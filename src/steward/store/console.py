"""SQL of the console's sessions and of its own secrets (migration 0019_console_sessions).

A session row is keyed by the sha256 (hex) of the session's token: the token itself, which the browser holds in
its cookie, is never stored, so a copy of the database does not sign anyone in. A row keeps who signed in (a key's
id, or `oidc:<subject>` with the identity single sign-on mapped to in `person`), when it started and was last seen,
and the one-time notes for the session's next page (`flash`). Expiry is the caller's (`steward.gateway.console.
sessions`): it passes the cut-off times to `purge` and refuses a row it reads past them.

`console_secrets` holds secrets every server process of one database must share, made at first use (the key that
seals single sign-on flows in the browser's cookie): the first process to insert it wins and every other reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, Row, String, Table, Text, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from steward.store.schema import metadata
from steward.store.unit import Repository

TOKEN_HASH = String(64)  # sha256, hex
WHO = String(300)  # a key's id, or `oidc:<subject>` (a provider's subject is at most 255 characters)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", TOKEN_HASH, primary_key=True),
    Column("key_id", WHO, nullable=False),
    Column("started", Float, nullable=False),
    Column("seen", Float, nullable=False),
    Column("person", JSON, nullable=True),  # single sign-on: the identity the provider's groups mapped to
    Column("flash", JSON, nullable=False),  # one-time notes for the session's next page
    Index("ix_console_sessions_key_id_seen", "key_id", "seen"),
    Index("ix_console_sessions_seen", "seen"),
    Index("ix_console_sessions_started", "started"),
)

console_secrets = Table(
    "console_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)


class ConsoleSessions(Repository):
    """The console's sessions by token hash (`store.console`), and its shared secrets."""

    def add(self, row: dict[str, Any]) -> None:
        with self._writing() as conn:
            conn.execute(insert(console_sessions).values(row))

    def get(self, token_hash: str) -> Row[Any] | None:
        with self._reading() as conn:
            query = select(console_sessions).where(console_sessions.c.token_hash == token_hash)
            return conn.execute(query).first()

    def touch(self, token_hash: str, at: float) -> None:
        """The session was used at `at` (its idle time restarts)."""
        with self._writing() as conn:
            conn.execute(
                update(console_sessions).where(console_sessions.c.token_hash == token_hash).values(seen=at)
            )

    def set_flash(self, token_hash: str, notes: list[str]) -> None:
        with self._writing() as conn:
            conn.execute(
                update(console_sessions).where(console_sessions.c.token_hash == token_hash).values(flash=notes)
            )

    def delete(self, token_hash: str) -> None:
        with self._writing() as conn:
            conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash))

    def delete_key(self, key_id: str) -> int:
        """End every session of a key (or single sign-on subject); how many there were."""
        with self._writing() as conn:
            return int(conn.execute(delete(console_sessions).where(console_sessions.c.key_id == key_id)).rowcount)

    def keep_newest(self, key_id: str, keep: int) -> int:
        """End a key's sessions past its `keep` most recently used; how many ended."""
        c = console_sessions.c
        with self._writing() as conn:
            older = conn.execute(
                select(c.token_hash).where(c.key_id == key_id).order_by(c.seen.desc()).offset(keep)
            ).scalars()
            stale = list(older)
            if stale:
                conn.execute(delete(console_sessions).where(c.token_hash.in_(stale)))
            return len(stale)

    def purge(self, seen_before: float, started_before: float) -> int:
        """Delete every session idle since before `seen_before` or started before `started_before`."""
        c = console_sessions.c
        with self._writing() as conn:
            expired = (c.seen < seen_before) | (c.started < started_before)
            gone = conn.execute(delete(console_sessions).where(expired))
            return int(gone.rowcount)

    def count(self, key_id: str | None = None) -> int:
        query = select(func.count()).select_from(console_sessions)
        if key_id is not None:
            query = query.where(console_sessions.c.key_id == key_id)
        with self._reading() as conn:
            return int(conn.execute(query).scalar_one())

    def secret(self, name: str, make: Callable[[], str], at: float) -> str:
        """The shared secret `name`, made with `make` and stored at its first use (by whichever process is first:
        a second one's insert loses to the first and reads what the first stored)."""
        query = select(console_secrets.c.value).where(console_secrets.c.name == name)
        with self._reading() as conn:
            found = conn.execute(query).scalar_one_or_none()
        if found is not None:
            return str(found)
        try:
            with self._writing() as conn:
                conn.execute(insert(console_secrets).values(name=name, value=make(), created_at=at))
        except IntegrityError:
            pass  # another process stored it first
        with self._reading() as conn:
            return str(conn.execute(query).scalar_one())
