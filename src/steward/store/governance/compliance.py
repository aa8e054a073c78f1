"""SQL of compliance: risk assessments, attestations, and the record counts a control checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    Float,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.engine import Row

from steward.store.governance.hashing import HASH
from steward.store.schema import ID, NAME, metadata, records

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


def latest_assessment(conn: Connection, app: str) -> Row[Any] | None:
    query = select(risk_assessments).where(risk_assessments.c.app == app).order_by(risk_assessments.c.at.desc())
    return conn.execute(query.limit(1)).first()


class Compliance:
    """Attestations and the record counts compliance controls read (`store.compliance`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def attestations_of(self, app: str) -> list[Row[Any]]:
        query = select(attestations).where(attestations.c.app == app).order_by(attestations.c.at)
        with self._engine.connect() as conn:
            return list(conn.execute(query).all())

    def count_app_records(self, app: str) -> tuple[int, float | None]:
        """(records of the app, when the newest was created)."""
        query = select(func.count(), func.max(records.c.created_at)).where(records.c.app == app)
        with self._engine.connect() as conn:
            count, newest = conn.execute(query).one()
        return int(count), newest
