"""SQL of provider change detection: the checks run against a hosted model and which of them were accepted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row

from steward.store.governance.hashing import HASH
from steward.store.schema import ID, NAME, metadata
from steward.store.unit import Repository

provider_checks = Table(
    "provider_checks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("model", NAME, nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("prompts_hash", HASH, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("answers_hash", HASH, nullable=False),
    Column("reported", JSON, nullable=False),
    Column("changed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("accepted", Boolean, nullable=False),
)


class ProviderChecks(Repository):
    """Provider change checks and which were accepted (`store.providers`, or `tx.providers` inside a governance
    transaction)."""

    def add_check(self, row: dict[str, Any]) -> None:
        with self._writing() as conn:
            conn.execute(insert(provider_checks).values(row))

    def last_accepted_check(self, model: str, prompts_hash: str) -> Row[Any] | None:
        c = provider_checks.c
        query = (
            select(provider_checks)
            .where(c.model == model, c.prompts_hash == prompts_hash, c.accepted.is_(True))
            .order_by(c.at.desc())
            .limit(1)
        )
        with self._reading() as conn:
            return conn.execute(query).first()

    def latest_check(self, model: str) -> Row[Any] | None:
        c = provider_checks.c
        with self._reading() as conn:
            return conn.execute(
                select(provider_checks).where(c.model == model).order_by(c.at.desc()).limit(1)
            ).first()

    def accept_check(self, check_id: str) -> None:
        with self._writing() as conn:
            conn.execute(update(provider_checks).where(provider_checks.c.id == check_id).values(accepted=True))

    def check_history(self, model: str | None = None, limit: int = 20) -> list[Row[Any]]:
        query = select(provider_checks).order_by(provider_checks.c.at.desc()).limit(limit)
        if model is not None:
            query = query.where(provider_checks.c.model == model)
        with self._reading() as conn:
            return list(conn.execute(query).all())
