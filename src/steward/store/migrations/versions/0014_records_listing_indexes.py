"""Records listed newest first within a team, a status, a subject or a model version: composite indexes.

The management API lists a key's team's records newest first (`Store.page_records`, keyset on `created_at`).
With the single-column indexes of 0001, SQLite without planner statistics (Steward never runs ANALYZE) read the
team's whole index and sorted it: 2.4 s for the first page of 1M records, against 9 ms on `(team, created_at)`,
and a model version filter that matched nothing read every row (0.5-1 s, against 7 ms). Each composite replaces
the single-column index it starts with (equality lookups use its prefix), so a record write maintains one index
more than before (`model_id`), not four. A deleted record's tombstone is found by the record's id (the API answers
such a record as erased), so `record_tombstones.record_id` is indexed too: retention may leave millions.
"""

from __future__ import annotations

from alembic import op

revision = "0014_records_listing_indexes"
down_revision = "0013_review_corrections"

REPLACED = ("team", "status", "subject")


def upgrade() -> None:
    for column in REPLACED:
        op.drop_index(f"ix_records_{column}", table_name="records")
        op.create_index(f"ix_records_{column}_created_at", "records", [column, "created_at"])
    op.create_index("ix_records_model_id_created_at", "records", ["model_id", "created_at"])
    op.create_index("ix_record_tombstones_record_id", "record_tombstones", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_tombstones_record_id", table_name="record_tombstones")
    op.drop_index("ix_records_model_id_created_at", table_name="records")
    for column in REPLACED:
        op.drop_index(f"ix_records_{column}_created_at", table_name="records")
        op.create_index(f"ix_records_{column}", "records", [column])
