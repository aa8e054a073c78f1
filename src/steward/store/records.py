"""SQL for governed records and their feedback: the row a record becomes, and the queries that read it back.

A record's `body` is the source of truth; feedback rows added later are appended to the body's own feedback
when a record is read, so readers always see one `Record`. Listing is newest first (the CLI and dashboard);
export iterates oldest first in keyset-paginated chunks, so it neither loads everything nor holds one long
read transaction open against the writer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, insert, or_, select

from steward.errors import NotFound
from steward.store.codec import BodyCipher, body_for_store, record_from_store
from steward.store.integrity import Sealer
from steward.store.schema import feedback, in_range, records
from steward.types import Feedback, Record


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Which records a listing, count or export covers; `None` means any."""

    app: str | None = None
    team: str | None = None
    status: str | None = None
    key_id: str | None = None
    subject: str | None = None
    since: float | None = None  # created_at >= since
    until: float | None = None  # created_at < until

    def clauses(self) -> list[ColumnElement[bool]]:
        c = records.c
        wanted = [
            (c.app, self.app),
            (c.team, self.team),
            (c.status, self.status),
            (c.key_id, self.key_id),
            (c.subject, self.subject),
        ]
        out: list[ColumnElement[bool]] = [column == value for column, value in wanted if value is not None]
        return out + in_range(c.created_at, self.since, self.until)


def record_row(record: Record, cipher: BodyCipher | None = None, sealer: Sealer | None = None) -> dict[str, Any]:
    """The `records` row for a record (run by the caller, before queueing, so bad values fail early).

    With `sealer` the row carries its seal; the writer fills its place in the chain when it commits.
    """
    model = record.model
    row = {
        "id": record.id,
        "created_at": record.created_at,
        "finished_at": record.finished_at,
        "app": record.app,
        "team": record.team,
        "status": record.status,
        "key_id": record.key_id,
        "subject": record.subject,
        "model_id": model.id if model else None,
        "model_sha256": model.sha256 if model else None,
        "prompt_version": record.prompt_version,
        "prompt_tokens": record.usage.prompt_tokens,
        "completion_tokens": record.usage.completion_tokens,
        "cost": record.cost,
        "total_ms": record.latency.total_ms,
        "consent": record.consent,
        "origin": record.origin,
        "body": body_for_store(record, cipher),
    }
    row["seal"] = sealer.seal(row) if sealer is not None else None
    row["chain_seq"] = row["link"] = None
    return row


def get_record(engine: Engine, record_id: str, cipher: BodyCipher | None = None) -> Record:
    with engine.connect() as connection:
        body = connection.execute(select(records.c.body).where(records.c.id == record_id)).scalar_one_or_none()
        if body is None:
            raise NotFound(f"no record {record_id!r}; list recent ones with `steward records list`.")
        return _with_feedback(connection, [record_from_store(body, cipher)])[0]


def list_records(
    engine: Engine, where: RecordFilter, limit: int, cipher: BodyCipher | None = None
) -> list[Record]:
    query = (
        select(records.c.body)
        .where(*where.clauses())
        .order_by(records.c.created_at.desc(), records.c.id.desc())
        .limit(max(0, limit))
    )
    with engine.connect() as connection:
        found = [record_from_store(body, cipher) for body in connection.execute(query).scalars()]
        return _with_feedback(connection, found)


def iter_records(
    engine: Engine, where: RecordFilter, chunk: int = 500, cipher: BodyCipher | None = None
) -> Iterator[Record]:
    """Every matching record, oldest first, read `chunk` rows per short transaction."""
    after: tuple[float, str] | None = None
    while True:
        clauses = where.clauses()
        if after is not None:
            at, last_id = after
            c = records.c
            clauses.append(or_(c.created_at > at, and_(c.created_at == at, c.id > last_id)))
        query = (
            select(records.c.created_at, records.c.id, records.c.body)
            .where(*clauses)
            .order_by(records.c.created_at, records.c.id)
            .limit(chunk)
        )
        with engine.connect() as connection:
            rows = connection.execute(query).all()
            found = _with_feedback(connection, [record_from_store(row.body, cipher) for row in rows])
        yield from found
        if len(rows) < chunk:
            return
        after = (rows[-1].created_at, rows[-1].id)


def count_records(engine: Engine, where: RecordFilter) -> int:
    query = select(func.count()).select_from(records).where(*where.clauses())
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def add_feedback(engine: Engine, record_id: str, given: Feedback) -> None:
    with engine.begin() as connection:
        exists = connection.execute(select(records.c.id).where(records.c.id == record_id)).first()
        if exists is None:
            raise NotFound(
                f"no record {record_id!r} to give feedback on; check the id with `steward records list`."
            )
        connection.execute(
            insert(feedback).values(
                record_id=record_id, score=given.score, comment=given.comment, by=given.by, at=given.at
            )
        )


def _with_feedback(connection: Connection, found: Sequence[Record]) -> list[Record]:
    if not found:
        return []
    ids = [record.id for record in found]
    query = select(feedback).where(feedback.c.record_id.in_(ids)).order_by(feedback.c.at, feedback.c.id)
    by_record: dict[str, list[Feedback]] = {}
    for row in connection.execute(query):
        by_record.setdefault(row.record_id, []).append(
            Feedback(score=row.score, comment=row.comment, by=row.by, at=row.at)
        )
    for record in found:
        record.feedback.extend(by_record.get(record.id, ()))
    return list(found)
