"""Explanations of records in their own table, one row per (record, kind), beside the record (`steward.explain`).

A record's body is sealed and written once on the request path; what is worked out about it later (which sources
made the answer, why each guardrail finding was found, which tokens mattered, why this model) and what must be
kept apart from it with its own access rule (the model's reasoning) goes here: `kind` is one of `sources`,
`guardrail`, `tokens`, `routing`, `reasoning`; `method`/`version` name what produced the payload; `digest` is the
sha256 of the canonical payload; `app`/`team` copy the record's for scoping. The payload is text (JSON, sealed like
record bodies when those are encrypted at rest). `(record_id, kind)` is unique: a newer explanation of a kind
replaces the older. Deleting a record deletes its explanations. Nothing is filled in: records written before this
revision are explained on demand.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_explanations"
down_revision = "0019_console_sessions"


def upgrade() -> None:
    op.create_table(
        "explanations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_explanations_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_explanations"),
        sa.UniqueConstraint("record_id", "kind", name="uq_explanations_record_id_kind"),
    )
    op.create_index("ix_explanations_team_created_at", "explanations", ["team", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_explanations_team_created_at", table_name="explanations")
    op.drop_table("explanations")
