"""SQL of training datasets built from records: their rows, the keyset page of records they read, and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    select,
)

from steward.store.schema import ID, in_range, metadata, records
from steward.store.unit import Repository

dataset_rows = Table(
    "dataset_rows",
    metadata,
    Column("entry_id", ID, ForeignKey("registry_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("record_id", ID, index=True),
    Column("subject_hash", String(64), index=True),
    Column("body", Text, nullable=False),
)


class Datasets(Repository):
    """Rows of training datasets and the records they are built from (`store.datasets`, or `tx.datasets` inside a
    governance transaction)."""

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """A dataset version's rows (entry_id, position, record_id, subject_hash, body)."""
        if rows:
            with self._writing() as conn:
                conn.execute(insert(dataset_rows), rows)

    def delete_rows(self, *, record_ids: Sequence[str], subject_hash: str) -> dict[str, int]:
        """Delete dataset rows of a subject (by record or by subject hash); returns entry id → rows removed."""
        c = dataset_rows.c
        match = c.subject_hash == subject_hash
        if record_ids:
            match = match | c.record_id.in_(list(record_ids))
        counts: dict[str, int] = {}
        with self._writing() as conn:
            for (entry_id,) in conn.execute(select(c.entry_id).where(match)):
                counts[entry_id] = counts.get(entry_id, 0) + 1
            conn.execute(delete(dataset_rows).where(match))
        return counts

    def count_rows(self, entry_id: str) -> int:
        query = select(func.count()).select_from(dataset_rows).where(dataset_rows.c.entry_id == entry_id)
        with self._reading() as conn:
            return int(conn.execute(query).scalar_one())

    def dataset_bodies(self, entry_id: str) -> list[str]:
        query = (
            select(dataset_rows.c.body)
            .where(dataset_rows.c.entry_id == entry_id)
            .order_by(dataset_rows.c.position)
        )
        with self._reading() as conn:
            return list(conn.execute(query).scalars())

    def records_page(
        self,
        *,
        app: str,
        team: str | None,
        since: float | None,
        until: float | None,
        consent_only: bool,
        statuses: Sequence[str],
        after: tuple[float, str] | None,
        limit: int,
        origins: Sequence[str] = ("traffic",),
    ) -> list[Any]:
        """A keyset page of (created_at, id, subject, body, consent) for dataset building, oldest first."""
        c = records.c
        clauses = [c.app == app, c.status.in_(list(statuses)), c.origin.in_(list(origins))]
        if team is not None:
            clauses.append(c.team == team)
        clauses += in_range(c.created_at, since, until)
        if consent_only:
            clauses.append(c.consent.is_(True))
        if after is not None:
            clauses.append((c.created_at > after[0]) | and_(c.created_at == after[0], c.id > after[1]))
        query = (
            select(c.created_at, c.id, c.subject, c.body, c.consent)
            .where(*clauses)
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        with self._reading() as conn:
            return list(conn.execute(query).all())

    def count_without_consent(self, app: str, statuses: Sequence[str]) -> int:
        c = records.c
        query = (
            select(func.count())
            .select_from(records)
            .where(c.app == app, c.status.in_(list(statuses)), c.consent.is_(False))
        )
        with self._reading() as conn:
            return int(conn.execute(query).scalar_one())

    def count_of_other_origins(self, app: str, statuses: Sequence[str], origins: Sequence[str]) -> int:
        """How many of the app's records with these statuses came from elsewhere (evals, red-team scans, tests)."""
        c = records.c
        query = (
            select(func.count())
            .select_from(records)
            .where(c.app == app, c.status.in_(list(statuses)), c.origin.not_in(list(origins)))
        )
        with self._reading() as conn:
            return int(conn.execute(query).scalar_one())
