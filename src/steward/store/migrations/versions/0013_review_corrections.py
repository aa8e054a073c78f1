"""Reviewers' corrected answers of records (`review_corrections`), each with who, when and why."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_review_corrections"
down_revision = "0012_monitor"


def upgrade() -> None:
    op.create_table(
        "review_corrections",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_review_corrections_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_corrections"),
    )
    op.create_index("ix_review_corrections_record_id", "review_corrections", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_review_corrections_record_id", table_name="review_corrections")
    op.drop_table("review_corrections")
