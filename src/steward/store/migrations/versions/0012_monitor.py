"""Monitoring: rollup buckets, the rollup worker's cursors, the records' embeddings for drift, alerts, silences,
the scheduled drift runs,
and sampled quality scores of records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_monitor"
down_revision = "0011_token_reservations"


def upgrade() -> None:
    op.create_table(
        "monitor_rollups",
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("arm", sa.String(200), nullable=False),
        sa.Column("grain", sa.String(8), nullable=False),
        sa.Column("bucket", sa.Float(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("latency", sa.LargeBinary(), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("declines", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("feedback_count", sa.Integer(), nullable=False),
        sa.Column("feedback_sum", sa.Integer(), nullable=False),
        sa.Column("quality_count", sa.Integer(), nullable=False),
        sa.Column("quality_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("app", "model", "arm", "grain", "bucket", name="pk_monitor_rollups"),
    )
    op.create_index("ix_monitor_rollups_app_grain_bucket", "monitor_rollups", ["app", "grain", "bucket"])
    op.create_table(
        "monitor_cursors",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_monitor_cursors"),
    )
    op.create_table(
        "record_embeddings",
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_record_embeddings_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("record_id", "side", name="pk_record_embeddings"),
    )

    op.create_table(
        "monitor_alerts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("condition", sa.String(64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("fired_at", sa.Float(), nullable=True),
        sa.Column("resolved_at", sa.Float(), nullable=True),
        sa.Column("notifications", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_alerts"),
    )
    op.create_index("ix_monitor_alerts_rule_app_state", "monitor_alerts", ["rule", "app", "state"])
    op.create_table(
        "monitor_silences",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_silences"),
    )

    op.create_table(
        "monitor_drift_runs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("app", sa.String(200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("drifted", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_drift_runs"),
    )
    op.create_index("ix_monitor_drift_runs_app_at", "monitor_drift_runs", ["app", "at"])

    op.create_table(
        "record_scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name="fk_record_scores_record_id_records", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_record_scores"),
        sa.UniqueConstraint("record_id", "metric", name="uq_record_scores_record_id_metric"),
    )


def downgrade() -> None:
    op.drop_table("record_scores")
    op.drop_index("ix_monitor_drift_runs_app_at", table_name="monitor_drift_runs")
    op.drop_table("monitor_drift_runs")
    op.drop_table("monitor_silences")
    op.drop_index("ix_monitor_alerts_rule_app_state", table_name="monitor_alerts")
    op.drop_table("monitor_alerts")
    op.drop_table("record_embeddings")
    op.drop_table("monitor_cursors")
    op.drop_index("ix_monitor_rollups_app_grain_bucket", table_name="monitor_rollups")
    op.drop_table("monitor_rollups")
