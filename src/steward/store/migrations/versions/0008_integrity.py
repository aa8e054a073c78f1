"""Integrity: a keyed seal and chain position on every record, tombstones of deleted ones, and the chain's head.

Rows written before this migration have no seal; their number is kept as `records_legacy`, so rows added
later without a seal (written outside Steward) are noticed by `steward audit verify`; likewise `keys_legacy`
counts API keys that no audit event vouched for at upgrade (the bootstrap key of earlier versions).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_integrity"
down_revision = "0007_review_release"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("seal", sa.String(64), nullable=True))
        batch.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("link", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_records_chain_seq", ["chain_seq"])
    heads = op.create_table(
        "integrity_heads",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_integrity_heads"),
    )
    op.create_table(
        "record_tombstones",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("link", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_record_tombstones"),
    )
    bind = op.get_bind()
    legacy = bind.execute(sa.text("SELECT COUNT(*) FROM records")).scalar_one()
    # Keys that no audit event vouches for yet (the bootstrap key of earlier versions): tolerated, counted.
    logged = "audit_events" in sa.inspect(bind).get_table_names()
    unlogged_keys = bind.execute(
        sa.text(
            "SELECT COUNT(*) FROM api_keys WHERE ('key:' || id) NOT IN (SELECT subject FROM audit_events)"
            if logged
            else "SELECT COUNT(*) FROM api_keys"
        )
    ).scalar_one()
    op.bulk_insert(
        heads,
        [
            {"name": "records", "seq": 0},
            {"name": "records_legacy", "seq": int(legacy)},
            {"name": "keys_legacy", "seq": int(unlogged_keys)},
        ],
    )


def downgrade() -> None:
    op.drop_table("record_tombstones")
    op.drop_table("integrity_heads")
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("uq_records_chain_seq", type_="unique")
        batch.drop_column("link")
        batch.drop_column("chain_seq")
        batch.drop_column("seal")
