"""Review items are claimed by a reviewer until a time (a claim expires), and keep the first of two approvals when
the item's policy asks for two reviewers (`reviewers: 2`, the two-person rule)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_review_claims"
down_revision = "0014_records_listing_indexes"

COLUMNS = (
    ("claimed_by", sa.String(200)),
    ("claimed_until", sa.Float()),
    ("first_approval_by", sa.String(200)),
    ("first_approval_at", sa.Float()),
    ("first_approval_note", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
