"""SQL of privacy: retention, erasure and anonymisation of records, and re-encryption of their bodies."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Table,
    delete,
    insert,
    select,
    update,
)

from steward.store import integrity
from steward.store.explanations import explanations
from steward.store.integrity import Sealer, record_tombstones
from steward.store.schema import ID, feedback, metadata, record_reasons, records
from steward.store.unit import Repository

privacy_anonymised = Table(
    "privacy_anonymised",
    metadata,
    Column("record_id", ID, primary_key=True),
    Column("at", Float, nullable=False),
)


class Privacy(Repository):
    """Retention, erasure, anonymisation and re-encryption of records (`tx.privacy`, inside the governance
    transaction that audits the change)."""

    def expired_records(self, app: str, cutoff: float, *, skip_anonymised: bool, limit: int) -> list[Any]:
        """(id, body) of the app's records created before `cutoff`, oldest first."""
        c = records.c
        query = select(c.id, c.body).where(c.app == app, c.created_at < cutoff)
        if skip_anonymised:
            query = query.where(c.id.not_in(select(privacy_anonymised.c.record_id)))
        with self._reading() as conn:
            return list(conn.execute(query.order_by(c.created_at, c.id).limit(limit)).all())

    def erasure(self, record_id: str) -> tuple[str, float, str] | None:
        """How a record was erased: ("deleted", when, why) from its tombstone, ("anonymised", when, "") while its
        row stays without personal content; None for a record never erased (or an id that never existed)."""
        with self._reading() as conn:
            tomb = conn.execute(
                select(record_tombstones.c.at, record_tombstones.c.reason)
                .where(record_tombstones.c.record_id == record_id)
                .limit(1)
            ).first()
            if tomb is not None:
                return "deleted", float(tomb.at), str(tomb.reason)
            at = conn.execute(
                select(privacy_anonymised.c.at).where(privacy_anonymised.c.record_id == record_id)
            ).scalar_one_or_none()
            return None if at is None else ("anonymised", float(at), "")

    def subject_records(self, subject: str, team: str | None) -> list[Any]:
        query = select(records.c.id, records.c.body).where(records.c.subject == subject)
        if team is not None:
            query = query.where(records.c.team == team)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def delete_records(self, sealer: Sealer, record_ids: Sequence[str], reason: str = "privacy") -> int:
        """Delete records, leaving a keyed tombstone of each one's place in the chain of records."""
        if not record_ids:
            return 0
        ids = list(record_ids)
        with self._writing() as conn:
            integrity.bury(conn, sealer, ids, time.time(), reason)
            # Feedback cascades on PostgreSQL and on SQLite with foreign keys on; delete it explicitly anyway, so a
            # connection opened without the pragma cannot leave orphans that still hold personal comments.
            conn.execute(delete(feedback).where(feedback.c.record_id.in_(ids)))
            conn.execute(delete(privacy_anonymised).where(privacy_anonymised.c.record_id.in_(ids)))
            conn.execute(delete(record_reasons).where(record_reasons.c.record_id.in_(ids)))
            conn.execute(delete(explanations).where(explanations.c.record_id.in_(ids)))
            return int(conn.execute(delete(records).where(records.c.id.in_(ids))).rowcount or 0)

    def rewrite_record(self, sealer: Sealer, record_id: str, body: str, at: float) -> None:
        """Replace a record's body with its anonymised form, drop the subject copy (it may no longer train)."""
        with self._writing() as conn:
            conn.execute(
                update(records).where(records.c.id == record_id).values(body=body, subject=None, consent=False)
            )
            integrity.reseal(conn, sealer, [record_id])
            # explanations quote the texts anonymisation replaced (n-grams, spans, the reasoning): they go too
            conn.execute(delete(explanations).where(explanations.c.record_id == record_id))
            conn.execute(delete(privacy_anonymised).where(privacy_anonymised.c.record_id == record_id))
            conn.execute(insert(privacy_anonymised).values(record_id=record_id, at=at))

    def clear_feedback_comments(self, record_ids: Sequence[str]) -> int:
        if not record_ids:
            return 0
        with self._writing() as conn:
            result = conn.execute(
                update(feedback).where(feedback.c.record_id.in_(list(record_ids))).values(comment="", by=None)
            )
            return int(result.rowcount or 0)

    def body_page(self, limit: int, after: str | None) -> list[Any]:
        """A page of (id, body) of records in id order, for re-encrypting bodies at rest."""
        query = select(records.c.id, records.c.body).order_by(records.c.id).limit(limit)
        if after is not None:
            query = query.where(records.c.id > after)
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def set_body(self, sealer: Sealer, record_id: str, body: str) -> None:
        with self._writing() as conn:
            conn.execute(update(records).where(records.c.id == record_id).values(body=body))
            integrity.reseal(conn, sealer, [record_id])
