"""Token reservations: what requests in flight hold of their key's token budget, each on a lease.

A request reserves its worst case (prompt plus `max_tokens`) before the model is called, as a row of its own,
inserted only when `tokens_used` plus the key's live reservations plus it fits the budget; the row is deleted
once the request's record (which charges the tokens really used) is durable. A row is live until its
`expires_at`: a server killed between the two (kill -9, a crash, a lost replica) leaves a row that stops
counting when its lease ends, instead of a counter that keeps the budget stricter for ever. Rows, not a
counter, so that several servers on one store each settle only their own requests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_token_reservations"
down_revision = "0009_record_origin"


def upgrade() -> None:
    op.create_table(
        "token_reservations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name="fk_token_reservations_key_id_api_keys", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_token_reservations"),
    )
    op.create_index("ix_token_reservations_key_id", "token_reservations", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_token_reservations_key_id", table_name="token_reservations")
    op.drop_table("token_reservations")
