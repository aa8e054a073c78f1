"""A record's guardrail reason codes in their own table, so that listing by reason code is an index range.

`GET /v1/records?reason=…` (and the console's filter) read record bodies until now: a page examined up to 5,000
rows and decoded the candidates, 64 ms p50 and ~310 ms p95 for the console's page on 1M records. `record_reasons`
holds one row per (record, code), with the record's `created_at`, keyed (reason, created_at, record_id) so that a
page is read newest first straight from the key (on SQLite a WITHOUT ROWID table: the key's B-tree is the table),
and indexed by record_id for deletes. The record writer adds the rows in the record's own transaction (a record
with no reason code writes nothing more); deleting a record deletes them.

The upgrade fills the table from the existing records' bodies, in id order and in chunks. A body encrypted at rest
(`enc:v1:`) cannot be read here (the key is not the migration's); such records stay out of the table and are
counted in the log: `steward records reindex-reasons` fills them in with the store's key.
"""

from __future__ import annotations

import logging

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0016_record_reasons"
down_revision = "0015_review_claims"

log = logging.getLogger("alembic.runtime.migration")

CHUNK = 5000
MAX_REASON_CHARS = 200  # as steward.store.records.MAX_REASON_CHARS (a migration outlives the code it saw)
ENCRYPTED = "enc:v1:"


def upgrade() -> None:
    op.create_table(
        "record_reasons",
        sa.Column("reason", sa.String(200), primary_key=True),
        sa.Column("created_at", sa.Float(), primary_key=True),
        sa.Column("record_id", sa.String(64), sa.ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_record_reasons_record_id", "record_reasons", ["record_id"])
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_record_reasons_record_id", table_name="record_reasons")
    op.drop_table("record_reasons")


def _backfill(connection: sa.Connection) -> None:
    records = sa.table("records", sa.column("id"), sa.column("created_at"), sa.column("body"))
    reasons = sa.table("record_reasons", sa.column("record_id"), sa.column("reason"), sa.column("created_at"))
    # Only bodies that can hold a code: a decision's non-empty `reasons` list (or an encrypted body, counted).
    candidates = sa.or_(records.c.body.contains('"reasons":["'), records.c.body.startswith(ENCRYPTED))
    after, encrypted = "", 0
    while True:
        rows = connection.execute(
            sa.select(records.c.id, records.c.created_at, records.c.body)
            .where(records.c.id > after, candidates)
            .order_by(records.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        found = []
        for row in rows:
            if row.body.startswith(ENCRYPTED):
                encrypted += 1
                continue
            for code in _codes(row.body):
                found.append({"record_id": row.id, "reason": code, "created_at": row.created_at})
        if found:
            connection.execute(sa.insert(reasons), found)
        after = rows[-1].id
    if encrypted:
        log.warning(
            "%d encrypted records were not indexed by reason code; run `steward records reindex-reasons`",
            encrypted,
        )


def _codes(body: str) -> set[str]:
    decisions = orjson.loads(body).get("decisions") or []
    return {
        code
        for decision in decisions
        for code in decision.get("reasons") or ()
        if isinstance(code, str) and 0 < len(code) <= MAX_REASON_CHARS
    }
