"""SQL of explanations (migration 0020_explanations): what `steward.explain` worked out about one record, by kind.

One row per (record, kind): `sources` (context attribution), `guardrail` (why each finding was found), `tokens`
(input-token attribution), `routing` (why this model) and `reasoning` (the model's chain of thought, kept apart
from the answer). `method` and `version` name the algorithm that produced `payload` (so an explanation made by an
older method is recognised and recomputed), `digest` is the sha256 of the canonical payload (a record names its
reasoning by it), and `app`/`team` copy the record's, so that a team's explanations are listed and scoped without
reading records. The payload is JSON text, sealed with the store's record cipher when bodies are encrypted at rest:
an explanation quotes the text it explains (n-grams, spans, reasoning), so it is as private as the body.
Deleting a record deletes its explanations (the foreign key cascades; `Privacy.delete_records` also deletes them
explicitly), and anonymising it deletes them too: what they quoted is gone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
)

from steward.store.crypto import open_body, seal_body
from steward.store.schema import ID, NAME, metadata
from steward.store.unit import Repository, cipher_of
from steward.types import new_id

KINDS = ("sources", "guardrail", "tokens", "routing", "reasoning")

explanations = Table(
    "explanations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("method", String(100), nullable=False),
    Column("version", String(32), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON, sealed like record bodies when those are
    Column("digest", String(64), nullable=False),  # sha256 hex of the canonical JSON (before sealing)
    Column("created_at", Float, nullable=False),
    Column("app", NAME, nullable=False),
    Column("team", NAME),
    UniqueConstraint("record_id", "kind", name="uq_explanations_record_id_kind"),
    Index("ix_explanations_team_created_at", "team", "created_at"),
)


@dataclass(frozen=True, slots=True)
class StoredExplanation:
    """One explanation of a record as stored: its kind, the method that made it, the payload and its digest."""

    record_id: str
    kind: str
    method: str
    version: str
    payload: dict[str, Any]
    digest: str
    created_at: float
    app: str
    team: str | None


def canonical(payload: dict[str, Any]) -> bytes:
    """The payload as the digest covers it: JSON with sorted keys."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def payload_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def explanation_row(explanation: StoredExplanation, cipher: Any) -> dict[str, Any]:
    """The `explanations` row of an explanation (its payload sealed by `cipher`, the store's, if it has one)."""
    if explanation.kind not in KINDS:
        raise ValueError(f"unknown explanation kind {explanation.kind!r}; one of {', '.join(KINDS)}")
    return {
        "id": new_id("exp"),
        "record_id": explanation.record_id,
        "kind": explanation.kind,
        "method": explanation.method,
        "version": explanation.version,
        "payload": seal_body(canonical(explanation.payload).decode(), cipher),
        "digest": explanation.digest,
        "created_at": explanation.created_at,
        "app": explanation.app,
        "team": explanation.team,
    }


class Explanations(Repository):
    """Explanations of records by (record, kind): `tx.explanations` / `store.explanations`."""

    def __init__(self, db: Any, cipher: Any = None) -> None:
        super().__init__(db)
        self._cipher = cipher_of(db) if cipher is None and isinstance(db, Connection) else cipher

    def put(self, explanation: StoredExplanation) -> None:
        """Store an explanation, replacing the record's earlier one of that kind."""
        row = explanation_row(explanation, self._cipher)
        c = explanations.c
        with self._writing() as conn:
            conn.execute(
                delete(explanations).where(c.record_id == explanation.record_id, c.kind == explanation.kind)
            )
            conn.execute(insert(explanations).values(row))

    def get(self, record_id: str, kind: str) -> StoredExplanation | None:
        c = explanations.c
        with self._reading() as conn:
            row = conn.execute(select(explanations).where(c.record_id == record_id, c.kind == kind)).first()
        return None if row is None else self._decode(row)

    def of_record(self, record_id: str) -> list[StoredExplanation]:
        """Every stored explanation of a record, by kind."""
        c = explanations.c
        with self._reading() as conn:
            rows = conn.execute(select(explanations).where(c.record_id == record_id).order_by(c.kind)).all()
        return [self._decode(row) for row in rows]

    def delete_records(self, record_ids: list[str]) -> int:
        with self._writing() as conn:
            gone = conn.execute(delete(explanations).where(explanations.c.record_id.in_(record_ids)))
            return int(gone.rowcount or 0)

    def _decode(self, row: Any) -> StoredExplanation:
        m = row._mapping
        payload = orjson.loads(open_body(m["payload"], self._cipher))
        return StoredExplanation(
            m["record_id"],
            m["kind"],
            m["method"],
            m["version"],
            payload,
            m["digest"],
            m["created_at"],
            m["app"],
            m["team"],
        )
