"""SQL for governed records and their feedback: the row a record becomes, and the queries that read it back.

A record's `body` is the source of truth; feedback rows added later are appended to the body's own feedback
when a record is read, so readers always see one `Record`. Listing is newest first (the CLI and dashboard);
export iterates oldest first in keyset-paginated chunks, so it neither loads everything nor holds one long
read transaction open against the writer. `page_records` is the management API's listing: newest first by keyset
(`created_at`, `id`) on the indexed order, never OFFSET. Filters on columns are SQL; a reason code or a text search
reads bodies (which may be encrypted), so a page examines at most `scan` rows and says where it stopped: a page
may then hold fewer than `limit` records and still have a next one, and no request reads the whole table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
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
    model_id: str | None = None  # the model version that answered
    reason: str | None = None  # a guardrail reason code of any decision (read from the body)
    text: str | None = None  # a case-insensitive part of the input, the output or the error (read from the body)
    apps: tuple[str, ...] | None = None  # any of these apps (a key scoped to some apps of its team)

    def clauses(self) -> list[ColumnElement[bool]]:
        c = records.c
        wanted = [
            (c.app, self.app),
            (c.team, self.team),
            (c.status, self.status),
            (c.key_id, self.key_id),
            (c.subject, self.subject),
            (c.model_id, self.model_id),
        ]
        out: list[ColumnElement[bool]] = [column == value for column, value in wanted if value is not None]
        if self.apps is not None:
            out.append(c.app.in_(self.apps))
        return out + in_range(c.created_at, self.since, self.until)

    @property
    def reads_bodies(self) -> bool:
        return self.reason is not None or self.text is not None

    def may_match(self, body: str, cipher: BodyCipher | None) -> bool:
        """False when a plain-text body cannot match (the cheap test before decoding it); True otherwise."""
        if cipher is not None:
            return True
        if self.reason is not None and orjson.dumps(self.reason).decode() not in body:
            return False
        # JSON escapes quotes, backslashes and control characters: a needle without them appears in the body as is
        plain = self.text is not None and not any(ch in self.text for ch in '"\\') and self.text.isprintable()
        return not plain or str(self.text).casefold() in body.casefold()

    def matches(self, record: Record) -> bool:
        """Whether a decoded record passes the filters read from the body."""
        if self.reason is not None and not any(self.reason in d.reasons for d in record.decisions):
            return False
        if self.text is None:
            return True
        needle = self.text.casefold()
        texts = [turn.content for turn in record.input] + [record.output or "", record.error or ""]
        return any(needle in text.casefold() for text in texts)


@dataclass(frozen=True, slots=True)
class RecordPage:
    """One page of a newest-first listing, and the keyset position to go on from (None: nothing older)."""

    records: list[Record]
    next: tuple[float, str] | None


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
    if where.reads_bodies:
        raise ValueError("a reason or text filter pages through `page_records`, which bounds the rows it reads")
    query = (
        select(records.c.body)
        .where(*where.clauses())
        .order_by(records.c.created_at.desc(), records.c.id.desc())
        .limit(max(0, limit))
    )
    with engine.connect() as connection:
        found = [record_from_store(body, cipher) for body in connection.execute(query).scalars()]
        return _with_feedback(connection, found)


def page_records(
    engine: Engine,
    where: RecordFilter,
    after: tuple[float, str] | None,
    limit: int,
    scan: int,
    cipher: BodyCipher | None = None,
) -> RecordPage:
    """Up to `limit` matching records older than the keyset position `after`, newest first, examining at most
    `scan` rows when a filter reads bodies (see the module docstring)."""
    c = records.c
    clauses = where.clauses()
    if after is not None:
        at, last_id = after
        clauses.append(or_(c.created_at < at, and_(c.created_at == at, c.id < last_id)))
    window = max(1, scan if where.reads_bodies else limit)
    query = (
        select(c.created_at, c.id, c.body)
        .where(*clauses)
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(window + 1)  # one more than is examined: whether anything is left after this page
    )
    found: list[Record] = []
    examined = 0
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        for row in rows[:window]:
            examined += 1
            if where.may_match(row.body, cipher):
                record = record_from_store(row.body, cipher)
                if where.matches(record):
                    found.append(record)
                    if len(found) == limit:
                        break
        _with_feedback(connection, found)
    if len(rows) == examined:  # nothing left past the last row examined
        return RecordPage(found, None)
    last = rows[examined - 1]
    return RecordPage(found, (last.created_at, last.id))


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
            decoded = [record_from_store(row.body, cipher) for row in rows if where.may_match(row.body, cipher)]
            found = _with_feedback(connection, [record for record in decoded if where.matches(record)])
        yield from found
        if len(rows) < chunk:
            return
        after = (rows[-1].created_at, rows[-1].id)


def count_records(engine: Engine, where: RecordFilter) -> int:
    if where.reads_bodies:
        raise ValueError("a reason or text filter cannot be counted in SQL")
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


def page_feedback(
    engine: Engine,
    *,
    team: str | None,
    apps: Sequence[str] | None,
    since: float | None = None,
    until: float | None = None,
    below: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Feedback newest first (keyset on its id), with the app of its record: of one team (every team with None),
    these apps, given in [since, until), scoring below `below`."""
    f, r = feedback.c, records.c
    query = (
        select(f.id, f.record_id, r.app, f.score, f.comment, f.by, f.at)
        .join(records, r.id == f.record_id)
        .order_by(f.id.desc())
        .limit(limit)
    )
    if team is not None:
        query = query.where(r.team == team)
    if apps is not None:
        query = query.where(r.app.in_(list(apps)))
    if since is not None:
        query = query.where(f.at >= since)
    if until is not None:
        query = query.where(f.at < until)
    if below is not None:
        query = query.where(f.score < below)
    if before_id is not None:
        query = query.where(f.id < before_id)
    with engine.connect() as connection:
        return [{str(k): v for k, v in row._mapping.items()} for row in connection.execute(query)]


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
