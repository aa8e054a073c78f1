"""SQL for governed records and their feedback: the row a record becomes, and the queries that read it back.

A record's `body` is the source of truth; feedback rows added later are appended to the body's own feedback
when a record is read, so readers always see one `Record`. Listing is newest first (the CLI and dashboard);
export iterates oldest first in keyset-paginated chunks, so it neither loads everything nor holds one long
read transaction open against the writer. `page_records` is the management API's listing: newest first by keyset
(`created_at`, `id`) on the indexed order, never OFFSET. Filters on columns are SQL, and so is a reason code: the
writer keeps each record's codes in `record_reasons` (migration 0016), whose (reason, created_at, record_id) key
is read newest first and joined to the records by id. A text search reads bodies (which may be encrypted), so a
page examines at most `scan` rows and says where it stopped: a page may then hold fewer than `limit` records and
still have a next one, and no request reads the whole table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Engine, Select, and_, delete, func, insert, or_, select

from steward.errors import NotFound, StoreError
from steward.store.codec import BodyCipher, body_for_store, record_from_store
from steward.store.integrity import Sealer
from steward.store.schema import feedback, in_range, record_reasons, records
from steward.types import Feedback, Record

MAX_REASON_CHARS = 200  # the longest reason code kept in `record_reasons` (and the API's longest filter)


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
    reason: str | None = None  # a guardrail reason code of any decision (`record_reasons`)
    text: str | None = None  # a case-insensitive part of the input, the output or the error (read from the body)
    apps: tuple[str, ...] | None = None  # any of these apps (a key scoped to some apps of its team)

    def clauses(self, created_at: Column[float] | None = None) -> list[ColumnElement[bool]]:
        """The SQL conditions on `records` columns, the time range on `created_at` (the records' by default)."""
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
        return out + in_range(c.created_at if created_at is None else created_at, self.since, self.until)

    @property
    def reads_bodies(self) -> bool:
        return self.text is not None

    def may_match(self, body: str, cipher: BodyCipher | None) -> bool:
        """False when a plain-text body cannot match (the cheap test before decoding it); True otherwise."""
        if cipher is not None:
            return True
        # JSON escapes quotes, backslashes and control characters: a needle without them appears in the body as is
        plain = self.text is not None and not any(ch in self.text for ch in '"\\') and self.text.isprintable()
        return not plain or str(self.text).casefold() in body.casefold()

    def matches(self, record: Record) -> bool:
        """Whether a decoded record passes the filters read from the body (a text search)."""
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


_NAME_COLUMNS = ("app", "team", "key_id", "subject", "model_id", "prompt_version")


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
    for column in _NAME_COLUMNS:  # PostgreSQL refuses NUL in text; the body keeps the exact value, escaped
        value = row[column]
        if isinstance(value, str) and "\x00" in value:
            row[column] = value.replace("\x00", "\ufffd")
    row["seal"] = sealer.seal(row) if sealer is not None else None
    row["chain_seq"] = row["link"] = None
    row["reasons"] = reason_codes(record)  # not a column: the writer adds them to `record_reasons`
    return row


def reason_codes(record: Record) -> tuple[str, ...]:
    """The distinct guardrail reason codes of a record's decisions that a filter can ask for (`record_reasons`)."""
    codes = {reason for decision in record.decisions for reason in decision.reasons}
    return tuple(sorted(code for code in codes if 0 < len(code) <= MAX_REASON_CHARS))


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
        raise ValueError("a text filter pages through `page_records`, which bounds the rows it reads")
    query, at, key = _selecting(where, records.c.body)
    query = query.order_by(at.desc(), key.desc()).limit(max(0, limit))
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
    query, at, key = _selecting(where, c.created_at, c.id, c.body)
    if after is not None:
        query = query.where(*_older_than(at, key, after))
    window = max(1, scan if where.reads_bodies else limit)
    # one more than is examined: whether anything is left after this page
    query = query.order_by(at.desc(), key.desc()).limit(window + 1)
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


def _older_than(at: Any, key: Any, after: tuple[float, str]) -> list[ColumnElement[bool]]:
    """Rows before the keyset position `after` in newest-first order. The first condition adds nothing but a
    bound the planner can start an index range at: PostgreSQL does not derive one from the OR alone, so page 200 of
    a team read and dropped the ~20,000 newer rows of every team (17 ms at 1M records, growing with depth; 0.2 ms
    with it)."""
    return [at <= after[0], or_(at < after[0], and_(at == after[0], key < after[1]))]


def iter_records(
    engine: Engine, where: RecordFilter, chunk: int = 500, cipher: BodyCipher | None = None
) -> Iterator[Record]:
    """Every matching record, oldest first, read `chunk` rows per short transaction."""
    after: tuple[float, str] | None = None
    c = records.c
    while True:
        query, at, key = _selecting(where, c.created_at, c.id, c.body)
        if after is not None:
            query = query.where(at >= after[0], or_(at > after[0], and_(at == after[0], key > after[1])))
        query = query.order_by(at, key).limit(chunk)
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
        raise ValueError("a text filter cannot be counted in SQL")
    query, _, _ = _selecting(where, func.count())
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _selecting(where: RecordFilter, *columns: Any) -> tuple[Select[Any], Any, Any]:
    """`columns` of the records `where` selects in SQL, and the (created_at, id) pair to order and page them by:
    the records' own, or with a reason code the `record_reasons` index's (the same values, read in index order)."""
    if where.reason is None:
        return select(*columns).select_from(records).where(*where.clauses()), records.c.created_at, records.c.id
    r = record_reasons.c
    query = (
        select(*columns)
        .select_from(record_reasons.join(records, records.c.id == r.record_id))
        .where(r.reason == where.reason, *where.clauses(r.created_at))
    )
    return query, r.created_at, r.record_id


def reindex_reasons_page(
    connection: Connection, after: str, chunk: int, cipher: BodyCipher | None
) -> tuple[str | None, int]:
    """Rewrite the `record_reasons` rows of the `chunk` records after the id `after` from their bodies (decrypted
    with `cipher`, for bodies the migration could not read): the id to go on from (None: no records were left)
    and how many records were read."""
    rows = connection.execute(
        select(records.c.id, records.c.created_at, records.c.body)
        .where(records.c.id > after)
        .order_by(records.c.id)
        .limit(chunk)
    ).all()
    if not rows:
        return None, 0
    from steward.store.crypto import PREFIX  # crypto imports the store package

    if cipher is None and any(row.body.startswith(PREFIX) for row in rows):
        raise StoreError("record bodies are encrypted at rest: set STEWARD_RECORD_KEY to the store's key first.")
    found = [
        {"record_id": row.id, "reason": code, "created_at": row.created_at}
        for row in rows
        for code in reason_codes(record_from_store(row.body, cipher))
    ]
    connection.execute(delete(record_reasons).where(record_reasons.c.record_id.in_([row.id for row in rows])))
    if found:
        connection.execute(insert(record_reasons), found)
    return str(rows[-1].id), len(rows)


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
