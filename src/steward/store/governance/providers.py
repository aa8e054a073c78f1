"""SQL of provider change detection: the checks run against a hosted model and which of them were accepted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.engine import Row

from steward.store.governance.hashing import HASH
from steward.store.schema import ID, NAME, metadata

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


def last_accepted_check(conn: Connection, model: str, prompts_hash: str) -> Row[Any] | None:
    c = provider_checks.c
    query = (
        select(provider_checks)
        .where(c.model == model, c.prompts_hash == prompts_hash, c.accepted.is_(True))
        .order_by(c.at.desc())
        .limit(1)
    )
    return conn.execute(query).first()


def latest_check(conn: Connection, model: str) -> Row[Any] | None:
    c = provider_checks.c
    return conn.execute(select(provider_checks).where(c.model == model).order_by(c.at.desc()).limit(1)).first()


def accept_check(conn: Connection, check_id: str) -> None:
    conn.execute(update(provider_checks).where(provider_checks.c.id == check_id).values(accepted=True))


class ProviderChecks:
    """The history of provider change checks (`store.providers`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def check_history(self, model: str | None = None, limit: int = 20) -> list[Row[Any]]:
        query = select(provider_checks).order_by(provider_checks.c.at.desc()).limit(limit)
        if model is not None:
            query = query.where(provider_checks.c.model == model)
        with self._engine.connect() as conn:
            return list(conn.execute(query).all())
