"""SQL of the audit chain: events, the one-row head whose lock serialises governance writers, reads for verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Float,
    Integer,
    String,
    Table,
    Text,
    and_,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row

from steward.store.governance.compliance import attestations, risk_assessments
from steward.store.governance.deployments import approvals, approvers, deployments
from steward.store.governance.hashing import HASH, REF, row_digest
from steward.store.governance.registry import registry_entries
from steward.store.schema import ID, NAME, keyset_pages, metadata
from steward.store.unit import Repository

GENESIS = "0" * 64  # the `prev_hash` of the first audit event

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("id", ID, nullable=False, unique=True),
    Column("at", Float, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", REF, nullable=False, index=True),
    Column("team", NAME, index=True),
    Column("before_hash", HASH),
    Column("after_hash", HASH),
    Column("detail", Text, nullable=False),  # canonical JSON, hashed as stored
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("keyed", Boolean, nullable=False),  # HMAC with STEWARD_AUDIT_KEY rather than a plain sha256
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)


# The rows the audit log vouches for (each written with an event whose `after` is the row's digest), in the order
# `steward audit verify` checks them.
GOVERNED_TABLES = (registry_entries, deployments, approvals, approvers, risk_assessments, attestations)


def about_apps(apps: tuple[str, ...]) -> ColumnElement[bool]:
    """Events about one of `apps`: their detail names it as its `app` (deployments, approvals, reviews, silences,
    corrections), or their subject is `app:<name>` (privacy). The detail is canonical JSON (sorted keys, no
    spaces), so `"app":"<name>"` appears in it only as that key's value: a quote inside a string is escaped."""
    c = audit_events.c
    about = [_holds(c.detail, f'"app":{json.dumps(app, ensure_ascii=False)}') for app in apps]
    about += [c.subject == f"app:{app}" for app in apps]
    return or_(*about) if about else false()


def _holds(column: Any, text: str) -> ColumnElement[bool]:
    """Whether `column` contains `text`, case-sensitively on every backend: SQLite's LIKE ignores ASCII case (a
    key scoped to app `TIPS` read app `tips`'s events), `replace` does not; the LIKE narrows the rows first."""
    return column.contains(text, autoescape=True) & (func.replace(column, text, "") != column)


class AuditLog(Repository):
    """The audit chain (`store.audit` for reads, `tx.audit` inside the governance transaction that appends)."""

    def lock(self) -> tuple[int, str]:
        """Take the audit head's write lock for this transaction and return (last seq, last hash)."""
        with self._writing() as conn:
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
            found = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
            if found is None:  # a database whose head row was deleted: the chain verifier reports it
                conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))
                return 0, GENESIS
        return int(found.seq), str(found.hash)

    def insert_event(self, row: dict[str, Any]) -> None:
        with self._writing() as conn:
            conn.execute(insert(audit_events).values(row))
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=row["seq"], hash=row["hash"]))

    def read_head(self) -> tuple[int, str] | None:
        with self._reading() as conn:
            found = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
        return (int(found.seq), str(found.hash)) if found is not None else None

    def first_event(self, action_prefix: str) -> Row[Any] | None:
        """The oldest audit event whose action starts with `action_prefix` (e.g. the first `review.` decision)."""
        query = (
            select(audit_events)
            .where(audit_events.c.action.startswith(action_prefix))
            .order_by(audit_events.c.seq)
            .limit(1)
        )
        with self._reading() as conn:
            return conn.execute(query).first()

    def last_event_after_hash(self, action: str, subject: str) -> str | None:
        """The `after_hash` of the newest event with this action and subject (e.g. the last applied config)."""
        c = audit_events.c
        query = (
            select(c.after_hash).where(c.action == action, c.subject == subject).order_by(c.seq.desc()).limit(1)
        )
        with self._reading() as conn:
            return conn.execute(query).scalar_one_or_none()

    def governed_rows(self) -> Iterator[tuple[str, Row[Any], str]]:
        """Every row the audit log vouches for: (its table, the row, its digest as its audit event records it)."""
        for table in GOVERNED_TABLES:
            with self._reading() as conn:
                rows = conn.execute(select(table)).all()
            for row in rows:
                yield table.name, row, row_digest(table, row)

    def iter_events(self, chunk: int = 1000) -> Iterator[Row[Any]]:
        """Every audit event in `seq` order, read in chunks (the physical order is what verification checks)."""
        yield from keyset_pages(select(audit_events), audit_events.c.seq, self._reading, chunk, after=-1)

    def events_with_action(self, action: str, chunk: int = 1000) -> Iterator[Row[Any]]:
        """Every audit event of this action, in `seq` order, read in chunks."""
        query = select(audit_events).where(audit_events.c.action == action)
        yield from keyset_pages(query, audit_events.c.seq, self._reading, chunk, after=-1)

    def list_events(
        self,
        *,
        team: str | None = None,
        subject_prefix: str | None = None,
        action_prefix: str | None = None,
        since: float | None = None,
        limit: int = 50,
        actor: str | None = None,
        until: float | None = None,
        before_seq: int | None = None,
        apps: tuple[str, ...] | None = None,
    ) -> list[Row[Any]]:
        """Newest first (by `seq`, the primary key: `before_seq` pages by keyset); `until` is exclusive. `apps`
        keeps only the events about those apps (`about_apps`)."""
        c = audit_events.c
        clauses = []
        if team is not None:
            clauses.append(c.team == team)
        if apps is not None:
            clauses.append(about_apps(apps))
        if actor is not None:  # a key's events name it `key:<id> (<name>)`: its id alone finds them too
            clauses.append(or_(c.actor == actor, c.actor.startswith(f"{actor} (", autoescape=True)))
        if until is not None:
            clauses.append(c.at < until)
        if before_seq is not None:
            clauses.append(c.seq < before_seq)
        if subject_prefix:
            clauses.append(c.subject.startswith(subject_prefix, autoescape=True))
        if action_prefix:
            clauses.append(c.action.startswith(action_prefix, autoescape=True))
        if since is not None:
            clauses.append(c.at >= since)
        query = select(audit_events).where(*clauses).order_by(c.seq.desc()).limit(max(0, limit))
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def event_digests(self) -> dict[str, set[str]]:
        """subject → every `after_hash` the audit log recorded for it (for cross-checking governed rows)."""
        out: dict[str, set[str]] = {}
        query = select(audit_events.c.subject, audit_events.c.after_hash).where(
            audit_events.c.after_hash.is_not(None)
        )
        with self._reading() as conn:
            for subject, after in conn.execute(query):
                out.setdefault(subject, set()).add(after)
        return out

    def latest_events(self, subject_prefix: str) -> dict[str, Row[Any]]:
        """The newest audit event of each subject starting with `subject_prefix` (e.g. every `key:`)."""
        c = audit_events.c
        newest = (
            select(c.subject, func.max(c.seq).label("seq"))
            .where(c.subject.startswith(subject_prefix))
            .group_by(c.subject)
        ).subquery()
        query = select(audit_events).join(newest, and_(c.subject == newest.c.subject, c.seq == newest.c.seq))
        with self._reading() as conn:
            return {row.subject: row for row in conn.execute(query)}
