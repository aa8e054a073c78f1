"""Guardrails: the review queue of escalated requests.

Written out in full rather than derived from `steward.store.guardrails`, so that this migration never changes
when that module grows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_guardrails"
down_revision = "0001_initial"
branch_labels = ("guardrails",)


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(200), nullable=True),
        sa.Column("policy_version", sa.String(200), nullable=True),
        sa.Column("held_text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("decided_at", sa.Float(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_review_items_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_items"),
        sa.UniqueConstraint("record_id", name="uq_review_items_record_id"),
    )
    op.create_index("ix_review_items_status_created_at", "review_items", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_review_items_status_created_at", table_name="review_items")
    op.drop_table("review_items")
