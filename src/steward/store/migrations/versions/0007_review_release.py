"""Guardrails: what an approved review item released to the client, and the record of that release.

An approved answer (output stage) is released as held; an approved question (input stage) is answered by the
model when the client fetches it, under the output policy, as a request with its own record. The item keeps the
released text and that record's id, so every later fetch returns the same answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_review_release"
down_revision = "0002_guardrails"


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("released_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("released_record_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("released_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("released_at")
        batch.drop_column("released_record_id")
        batch.drop_column("released_text")
