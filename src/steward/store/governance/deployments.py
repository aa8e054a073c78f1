"""SQL of deployments (append-only history per app), approvals of releases and the approvers of a team."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row

from steward.store.governance.hashing import HASH, insert_governed, row_digest
from steward.store.schema import ID, NAME, metadata
from steward.store.unit import Repository

deployments = Table(
    "deployments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # baseline | deploy | promote | rollback | config
    Column("strategy", String(16)),  # canary | blue_green | ab, while a candidate is in flight
    Column("stable", JSON, nullable=False),  # [[model, weight], ...]
    Column("candidate", JSON),  # {model, entry_id, version, share, strategy, deployment_id} or null
    Column("fallback", JSON, nullable=False),
    Column("declared", HASH, nullable=False),  # digest of steward.yaml's route + fallback when written
    Column("release_of", ID, nullable=False),  # the release row whose stable route this row serves
    Column("previous_release", ID),  # on release rows: the release they replaced
    Column("eval_run", ID),
    Column("created_at", Float, nullable=False),
    Column("created_by", NAME, nullable=False),
    Column("note", Text),
    UniqueConstraint("app", "seq"),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", ID, primary_key=True),
    Column("deployment_id", ID, ForeignKey("deployments.id"), nullable=False, index=True),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("approver", NAME, nullable=False),
    Column("role", String(16), nullable=False),
    Column("at", Float, nullable=False),
    Column("note", Text),
    # the person who approved (a key's owner, an SSO user's verified e-mail), whom the two-person rule counts;
    # null: the approver (key or SSO subject) counts as itself. Left out of the row's digest when null, so the
    # approvals made before the column verify as they did.
    Column("person", NAME),
    UniqueConstraint("deployment_id", "approver"),
    info={"digest_omits_null": ("person",)},
)

approvers = Table(
    "approvers",
    metadata,
    Column("team", NAME, primary_key=True),
    Column(
        "principal", NAME, primary_key=True
    ),  # `key:KEY_ID` or `person:E-MAIL` (`user:NAME`: old, never counts)
    Column("granted_at", Float, nullable=False),
    Column("granted_by", NAME, nullable=False),
    Column("revoked_at", Float),
)


class Deployments(Repository):
    """Deployment history, approvals and approvers (`store.deployments`, or `tx.deployments` inside a governance
    transaction)."""

    def latest_deployment(self, app: str) -> Row[Any] | None:
        query = select(deployments).where(deployments.c.app == app).order_by(deployments.c.seq.desc()).limit(1)
        with self._reading() as conn:
            return conn.execute(query).first()

    def get_deployment(self, deployment_id: str) -> Row[Any] | None:
        with self._reading() as conn:
            return conn.execute(select(deployments).where(deployments.c.id == deployment_id)).first()

    def approvals_of(self, deployment_id: str) -> list[Row[Any]]:
        query = select(approvals).where(approvals.c.deployment_id == deployment_id).order_by(approvals.c.at)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def active_approver(self, team: str, principal: str) -> Row[Any] | None:
        c = approvers.c
        query = select(approvers).where(c.team == team, c.principal == principal, c.revoked_at.is_(None))
        with self._reading() as conn:
            return conn.execute(query).first()

    def upsert_approver(self, team: str, principal: str, at: float, by: str) -> None:
        c = approvers.c
        with self._writing() as conn:
            conn.execute(delete(approvers).where(c.team == team, c.principal == principal))
            conn.execute(insert(approvers).values(team=team, principal=principal, granted_at=at, granted_by=by))

    def revoke_approver(self, team: str, principal: str, at: float) -> int:
        c = approvers.c
        with self._writing() as conn:
            result = conn.execute(
                update(approvers)
                .where(c.team == team, c.principal == principal, c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            return int(result.rowcount or 0)

    def get_approver(self, team: str, principal: str) -> Row[Any] | None:
        c = approvers.c
        with self._reading() as conn:
            return conn.execute(select(approvers).where(c.team == team, c.principal == principal)).first()

    def add_deployment(self, row: dict[str, Any]) -> str:
        """Append a deployment; returns its digest (its audit event's after)."""
        with self._writing() as conn:
            return insert_governed(conn, deployments, row)

    def add_approval(self, row: dict[str, Any]) -> str:
        """Record an approval of a release; returns its digest (its audit event's after)."""
        with self._writing() as conn:
            return insert_governed(conn, approvals, row)

    @staticmethod
    def deployment_digest(row: Any) -> str:
        return row_digest(deployments, row)

    @staticmethod
    def approver_digest(row: Any) -> str:
        return row_digest(approvers, row)

    def deployment_history(self, app: str, limit: int = 50) -> list[Row[Any]]:
        query = select(deployments).where(deployments.c.app == app).order_by(deployments.c.seq.desc()).limit(limit)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def list_approvers(self, team: str | None = None) -> list[Row[Any]]:
        query = select(approvers).order_by(approvers.c.team, approvers.c.principal)
        if team is not None:
            query = query.where(approvers.c.team == team)
        with self._reading() as conn:
            return list(conn.execute(query).all())
