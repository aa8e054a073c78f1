"""The shared SQLAlchemy `MetaData`, the spine tables (records, feedback, API keys), and the two ways the
repositories read many rows without one huge statement or one long transaction (`in_batches`, `keyset_pages`).

Every capability declares its tables on `metadata` below (in its own `store/<capability>.py`) and creates them
in its own Alembic migration branching off `0001_initial`. The naming convention gives every index and
constraint a deterministic name, so migrations written by hand and `alembic check` agree on both SQLite and
PostgreSQL.

A record is stored twice over, on purpose: `body` holds the whole record serialised by `steward.store.codec`
(the source of truth, so new record fields need no migration), and a handful of columns copy the fields
that listings, rollups and budgets filter or aggregate on. Human feedback arrives after the record was written
and goes to its own table, so a body is never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Text,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID = String(64)
NAME = String(200)

# SQLite refuses a statement with more bound parameters than its limit (999 on older builds), so a long
# `IN (...)` list is sent in slices of this many.
IN_BATCH = 900


def in_batches(ids: Sequence[str]) -> Iterator[list[str]]:
    """`ids` in slices short enough for one `IN (...)` under SQLite's bound-parameter limit."""
    items = list(ids)
    for start in range(0, len(items), IN_BATCH):
        yield items[start : start + IN_BATCH]


def in_range(column: Column[Any], since: float | None, until: float | None) -> list[ColumnElement[bool]]:
    """`since <= column < until` as `where` clauses, an end given as `None` left open."""
    clauses: list[ColumnElement[bool]] = []
    if since is not None:
        clauses.append(column >= since)
    if until is not None:
        clauses.append(column < until)
    return clauses


def keyset_pages(
    query: Select[Any],
    key: Column[Any],
    reading: Callable[[], AbstractContextManager[Connection]],
    chunk: int,
    after: int,
) -> Iterator[Row[Any]]:
    """The rows of `query` in the order of the integer column `key` past `after`, read `chunk` rows per page, each
    page in a short transaction of its own (`reading()`), so that a long scan never holds one open."""
    while True:
        with reading() as conn:
            rows = conn.execute(query.where(key > after).order_by(key).limit(chunk)).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = int(rows[-1]._mapping[key])


records = Table(
    "records",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", Float, nullable=False, index=True),
    Column("finished_at", Float),
    Column("app", NAME, nullable=False),  # indexed with created_at below
    Column("team", NAME),  # team, status, subject, model_id: indexed with created_at below
    Column("status", String(16), nullable=False),
    Column("key_id", ID, index=True),
    Column("subject", NAME),
    Column("model_id", NAME),
    Column("model_sha256", String(64)),
    Column("prompt_version", NAME),
    Column("prompt_tokens", Integer, nullable=False, default=0),
    Column("completion_tokens", Integer, nullable=False, default=0),
    Column("cost", Float, nullable=False, default=0.0),
    Column("total_ms", Float, nullable=False, default=0.0),
    Column("consent", Boolean, nullable=False, default=True),
    # traffic | eval | redteam | test (migration 0009); datasets take only traffic unless told otherwise
    Column("origin", String(16), nullable=False, default="traffic", server_default="traffic"),
    Column("body", Text, nullable=False),  # the whole record, JSON from steward.store.codec
    # Tamper evidence (steward.store.integrity): a keyed seal over the row, its place in the chain of records.
    Column("seal", String(64)),
    Column("chain_seq", BigInteger, unique=True),
    Column("link", String(64)),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("by", NAME),
    Column("at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME),
    Column("prefix", String(16), nullable=False, index=True),  # shown as sk-stw-<prefix>… in listings
    Column("hash", String(64), nullable=False, unique=True),  # sha256 hex of the whole secret
    Column("role", String(16), nullable=False),
    Column("team", NAME, nullable=False),
    Column("apps", JSON, nullable=False),  # list of app names; empty means every app of the team
    Column("groups", JSON, nullable=False),  # document groups the key may read (RAG access control)
    Column("rate_limit_rpm", Integer),
    Column("token_budget", BigInteger),
    Column("tokens_used", BigInteger, nullable=False, default=0),  # kept in step by the record writer
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
    Column("created_by", NAME),
    # the person the key belongs to (an e-mail address): approvals count people, so two keys of one owner are
    # one approver; null for keys made before owners (each counts as itself). Left out of `key_digest` when null.
    Column("owner", NAME),
)

# A request in flight holds part of its key's token budget until its record is written; a lease that expires,
# so that a server killed between the two (kill -9, a crash) does not keep a budget stricter for ever.
token_reservations = Table(
    "token_reservations",
    metadata,
    Column("id", ID, primary_key=True),  # the id of the request's record
    Column("key_id", ID, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("tokens", BigInteger, nullable=False),
    Column("owner", NAME, nullable=False),  # host:pid of the server that reserved, for whoever investigates
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# The guardrail reason codes of a record's decisions (migration 0016), one row per code, written by the record
# writer in the record's own transaction: `GET /v1/records?reason=` is an index range, not a scan of bodies (which
# may be encrypted). Codes are identifiers (`pii.email`), not content; longer than a filter may be are not kept.
record_reasons = Table(
    "record_reasons",
    metadata,
    # The key is the listing's order, so a page is read from it in order, never sorted; on SQLite the table is
    # that key's B-tree alone (WITHOUT ROWID): a code costs a commit two B-tree inserts, this and the index below.
    Column("reason", NAME, primary_key=True),
    Column("created_at", Float, primary_key=True),  # the record's, so that a reason lists newest first from here
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    sqlite_with_rowid=False,
)
Index("ix_record_reasons_record_id", record_reasons.c.record_id)  # a deleted record's rows

# Listings are "newest first within an app" (or a team, a status, a subject, a model version: migration 0014): a
# composite index serves each without a sort, whether or not the planner has statistics.
Index("ix_records_app_created_at", records.c.app, records.c.created_at)
Index("ix_records_team_created_at", records.c.team, records.c.created_at)
Index("ix_records_status_created_at", records.c.status, records.c.created_at)
Index("ix_records_subject_created_at", records.c.subject, records.c.created_at)
Index("ix_records_model_id_created_at", records.c.model_id, records.c.created_at)
