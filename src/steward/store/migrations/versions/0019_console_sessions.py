"""The console's sessions and its shared secrets move from one process's memory into the store.

`console_sessions` holds one row per signed-in browser, keyed by the sha256 of its session token (never the
token), so a restart of `steward serve` signs no one out and every server process of one database serves every
session. `console_secrets` holds secrets the processes share, made at first use (the key that seals single
sign-on flows in the browser's own cookie). Both start empty: sessions held in memory before the upgrade end.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_console_sessions"
down_revision = "0018_principals"


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(300), nullable=False),
        sa.Column("started", sa.Float(), nullable=False),
        sa.Column("seen", sa.Float(), nullable=False),
        sa.Column("person", sa.JSON(), nullable=True),
        sa.Column("flash", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_console_sessions"),
    )
    op.create_index("ix_console_sessions_key_id_seen", "console_sessions", ["key_id", "seen"])
    op.create_index("ix_console_sessions_seen", "console_sessions", ["seen"])
    op.create_index("ix_console_sessions_started", "console_sessions", ["started"])
    op.create_table(
        "console_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_console_secrets"),
    )


def downgrade() -> None:
    op.drop_table("console_secrets")
    op.drop_index("ix_console_sessions_started", table_name="console_sessions")
    op.drop_index("ix_console_sessions_seen", table_name="console_sessions")
    op.drop_index("ix_console_sessions_key_id_seen", table_name="console_sessions")
    op.drop_table("console_sessions")
