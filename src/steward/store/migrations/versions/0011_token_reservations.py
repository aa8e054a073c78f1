"""API keys: tokens reserved by requests in flight, so that a token budget holds under concurrency.

A request reserves its worst case (prompt plus `max_tokens`) before the model is called, in one conditional
UPDATE that fails when `tokens_used + tokens_reserved` would pass the budget, and releases it once its record
(which charges the tokens really used) is durable.

Revision ID: 0011_token_reservations
Revises: 0009_record_origin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_token_reservations"
down_revision = "0009_record_origin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("tokens_reserved", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("tokens_reserved")
