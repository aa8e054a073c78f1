"""Reviewers' labels of review items under the two-person rule (`reviewers: 2`): the first and a second, blind one.

Every item of a policy with two reviewers stays open for a second label by a different reviewer until it has two,
even when the first refused it (the refusal stands at once; the second label is then kept as a label only), so
that inter-rater agreement (Cohen's κ) is computed over items with two labels. `(item_id, seq)` is unique: two
reviewers racing for the second label cannot both write it. Nothing is filled in: items labelled before this
revision have no labels and are not counted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_review_labels"
down_revision = "0016_record_reasons"


def upgrade() -> None:
    op.create_table(
        "review_labels",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("by_id", sa.String(200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("policy", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["review_items.id"], name="fk_review_labels_item_id_review_items", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_labels"),
        sa.UniqueConstraint("item_id", "seq", name="uq_review_labels_item_id_seq"),
    )
    op.create_index("ix_review_labels_team_at", "review_labels", ["team", "at"])


def downgrade() -> None:
    op.drop_index("ix_review_labels_team_at", table_name="review_labels")
    op.drop_table("review_labels")
