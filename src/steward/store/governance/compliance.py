"""SQL of compliance: risk assessments, attestations, and the record counts a control checks."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Column,
    Float,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.engine import Row

from steward.store.governance.hashing import HASH, insert_governed
from steward.store.schema import ID, NAME, metadata, records
from steward.store.unit import Repository

risk_assessments = Table(
    "risk_assessments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False, index=True),
    Column("team", NAME, nullable=False),
    Column("tier", String(16), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("questionnaire", HASH, nullable=False),
    Column("at", Float, nullable=False),
    Column("by", NAME, nullable=False),
)

attestations = Table(
    "attestations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False, index=True),
    Column("team", NAME, nullable=False),
    Column("control", String(64), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("at", Float, nullable=False),
    Column("by", NAME, nullable=False),
)


Statement = Literal["assessment", "attestation"]  # what `Compliance.add` stores


class Compliance(Repository):
    """Risk assessments, attestations and the record counts compliance controls read (`store.compliance`, or
    `tx.compliance` inside a governance transaction). A write returns the row's digest, its audit event's after.
    """

    def latest_assessment(self, app: str) -> Row[Any] | None:
        assessments = risk_assessments.c
        query = select(risk_assessments).where(assessments.app == app).order_by(assessments.at.desc())
        with self._reading() as conn:
            return conn.execute(query.limit(1)).first()

    def add(self, kind: Statement, row: dict[str, Any]) -> str:
        """Store a risk assessment or an attestation; returns its digest (its audit event's after)."""
        with self._writing() as conn:
            return insert_governed(conn, risk_assessments if kind == "assessment" else attestations, row)

    def attestations_of(self, app: str) -> list[Row[Any]]:
        query = select(attestations).where(attestations.c.app == app).order_by(attestations.c.at)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def count_app_records(self, app: str) -> tuple[int, float | None]:
        """(records of the app, when the newest was created)."""
        query = select(func.count(), func.max(records.c.created_at)).where(records.c.app == app)
        with self._reading() as conn:
            count, newest = conn.execute(query).one()
        return int(count), newest
