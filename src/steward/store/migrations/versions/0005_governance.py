"""Governance: registry versions and labels, lineage, deployments, approvals, audit chain, compliance, privacy.

Written out in full rather than derived from `steward.store.governance`, so that this migration never changes
when that module grows. The audit log is made append-only in the database itself (triggers that refuse UPDATE
and DELETE on `audit_events`), which stops accidents and casual edits; the hash chain is what detects a
determined editor who drops the triggers first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_governance"
down_revision = "0001_initial"
branch_labels = ("governance",)

GENESIS = "0" * 64
ID = sa.String(64)
NAME = sa.String(200)
REF = sa.String(300)
HASH = sa.String(80)

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION steward_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION steward_audit_append_only()",
)


def _registry() -> None:
    op.create_table(
        "registry_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("team", NAME, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", HASH, nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", NAME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_entries"),
        sa.UniqueConstraint("team", "kind", "name", "version", name="uq_registry_entries_team_kind_name_version"),
        sa.UniqueConstraint(
            "team", "kind", "name", "content_hash", name="uq_registry_entries_team_kind_name_content_hash"
        ),
    )
    op.create_table(
        "registry_labels",
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("set_at", sa.Float(), nullable=False),
        sa.Column("set_by", NAME, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["registry_entries.id"],
            name="fk_registry_labels_entry_id_registry_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "label", name="pk_registry_labels"),
    )
    op.create_table(
        "lineage_edges",
        sa.Column("parent", REF, nullable=False),
        sa.Column("child", REF, nullable=False),
        sa.Column("relation", sa.String(64), nullable=False),
        sa.Column("team", NAME, nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", NAME, nullable=False),
        sa.PrimaryKeyConstraint("parent", "child", name="pk_lineage_edges"),
    )
    op.create_index("ix_lineage_edges_child", "lineage_edges", ["child"])


def _deployments() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", ID, nullable=False),
        sa.Column("app", NAME, nullable=False),
        sa.Column("team", NAME, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("strategy", sa.String(16), nullable=True),
        sa.Column("stable", sa.JSON(), nullable=False),
        sa.Column("candidate", sa.JSON(), nullable=True),
        sa.Column("fallback", sa.JSON(), nullable=False),
        sa.Column("declared", HASH, nullable=False),
        sa.Column("release_of", ID, nullable=False),
        sa.Column("previous_release", ID, nullable=True),
        sa.Column("eval_run", ID, nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("created_by", NAME, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
        sa.UniqueConstraint("app", "seq", name="uq_deployments_app_seq"),
    )
    op.create_table(
        "approvals",
        sa.Column("id", ID, nullable=False),
        sa.Column("deployment_id", ID, nullable=False),
        sa.Column("app", NAME, nullable=False),
        sa.Column("team", NAME, nullable=False),
        sa.Column("approver", NAME, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deployment_id"], ["deployments.id"], name="fk_approvals_deployment_id_deployments"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.UniqueConstraint("deployment_id", "approver", name="uq_approvals_deployment_id_approver"),
    )
    op.create_index("ix_approvals_deployment_id", "approvals", ["deployment_id"])
    op.create_table(
        "approvers",
        sa.Column("team", NAME, nullable=False),
        sa.Column("principal", NAME, nullable=False),
        sa.Column("granted_at", sa.Float(), nullable=False),
        sa.Column("granted_by", NAME, nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("team", "principal", name="pk_approvers"),
    )


def _audit() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", NAME, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", REF, nullable=False),
        sa.Column("team", NAME, nullable=True),
        sa.Column("before_hash", HASH, nullable=True),
        sa.Column("after_hash", HASH, nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("keyed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
        sa.UniqueConstraint("id", name="uq_audit_events_id"),
    )
    op.create_index("ix_audit_events_subject", "audit_events", ["subject"])
    op.create_index("ix_audit_events_team", "audit_events", ["team"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def _compliance_and_privacy() -> None:
    op.create_table(
        "risk_assessments",
        sa.Column("id", ID, nullable=False),
        sa.Column("app", NAME, nullable=False),
        sa.Column("team", NAME, nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("questionnaire", HASH, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("by", NAME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_assessments"),
    )
    op.create_index("ix_risk_assessments_app", "risk_assessments", ["app"])
    op.create_table(
        "attestations",
        sa.Column("id", ID, nullable=False),
        sa.Column("app", NAME, nullable=False),
        sa.Column("team", NAME, nullable=False),
        sa.Column("control", sa.String(64), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("by", NAME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attestations"),
    )
    op.create_index("ix_attestations_app", "attestations", ["app"])
    op.create_table(
        "provider_checks",
        sa.Column("id", ID, nullable=False),
        sa.Column("model", NAME, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("prompts_hash", HASH, nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answers_hash", HASH, nullable=False),
        sa.Column("reported", sa.JSON(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_provider_checks"),
    )
    op.create_index("ix_provider_checks_model", "provider_checks", ["model"])
    op.create_table(
        "dataset_rows",
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_id", ID, nullable=True),
        sa.Column("subject_hash", sa.String(64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["registry_entries.id"],
            name="fk_dataset_rows_entry_id_registry_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "position", name="pk_dataset_rows"),
    )
    op.create_index("ix_dataset_rows_record_id", "dataset_rows", ["record_id"])
    op.create_index("ix_dataset_rows_subject_hash", "dataset_rows", ["subject_hash"])
    op.create_table(
        "privacy_anonymised",
        sa.Column("record_id", ID, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_privacy_anonymised"),
    )


def upgrade() -> None:
    _registry()
    _deployments()
    _audit()
    _compliance_and_privacy()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS steward_audit_append_only()")
    for table in (
        "privacy_anonymised",
        "dataset_rows",
        "provider_checks",
        "attestations",
        "risk_assessments",
        "audit_head",
        "audit_events",
        "approvers",
        "approvals",
        "deployments",
        "lineage_edges",
        "registry_labels",
        "registry_entries",
    ):
        op.drop_table(table)
