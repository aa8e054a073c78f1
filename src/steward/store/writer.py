"""Group commit: one writer thread turns many concurrent record writes into few durable transactions.

Callers serialise their record on their own thread, queue the row and wait. The writer thread takes
everything queued (up to `max_batch` rows), inserts it in one transaction, adds the batch's tokens to each
key's running total in the same transaction, commits, and only then resolves the waiters. At one request in
flight a batch is one row (a commit per request, nothing waits for a timer); under load the rows that queued
during the previous commit share the next one, so the fsync cost is divided among them.

When the gateway has one request in flight, waking the writer thread and then the event loop again costs
more than the loop could do meanwhile: nothing else is waiting for it. `write_now` therefore commits on the
caller's thread when the writer is idle, under the same lock the writer thread takes for its batches, and
reports False otherwise so the caller queues instead: under load every row still goes through group commit.
Measured alone on SQLite (timestamps inside the server): the two hand-offs took 0.10 and 0.08 ms p50, inline
0.03 and 0.02; interleaved A/B cells gave 0.945 against 1.005 ms p50 with synchronous=NORMAL and 1.14 against
1.18 ms with FULL, whose p99 also fell (3.2 against 3.8 ms). The price with FULL: a request that arrives
during the fsync (0.25-0.29 ms here) waits for it. PostgreSQL always goes through the writer thread: its
round trip may cross a network, and the event loop must not wait on that.

Nothing is acknowledged that may be lost. When a batch fails because of a row's data (an integrity error,
e.g. a duplicate id), each row is retried in its own transaction, so only the bad row's caller fails; when
the database itself fails, every row of the batch raises `StoreError` to its caller. Async callers are
resolved with one `call_soon_threadsafe` per event loop per batch; a caller that was cancelled while waiting
still gets its record written.
"""

from __future__ import annotations

import asyncio
import atexit
import bisect
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ClauseElement, Connection, Dialect, Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.sql.compiler import SQLCompiler

from steward.errors import StoreError
from steward.store.explanations import explanations
from steward.store.integrity import HEAD, Sealer, integrity_heads
from steward.store.schema import api_keys, record_reasons, records

log = logging.getLogger(__name__)

Waiter = Future[None] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]

_INSERT = insert(records)
_INSERT_REASONS = insert(record_reasons)
_INSERT_EXPLANATIONS = insert(explanations)
_ADD_TOKENS = (
    update(api_keys)
    .where(api_keys.c.id == bindparam("key"))
    .values(tokens_used=api_keys.c.tokens_used + bindparam("tokens"))
)

# The chain of records (steward.store.integrity): the UPDATE that hands out the batch's numbers comes first, so it
# takes the write lock (and on SQLite opens the transaction) before the head is read back: two processes never
# give out one number twice. UPDATE then SELECT, not UPDATE … RETURNING: SQLite's RETURNING cost 14 µs a commit
# against 4 µs for the pair (3.40, WAL, NORMAL, measured alone).
_BUMP_HEAD = (
    update(integrity_heads)
    .where(integrity_heads.c.name == bindparam("name"))
    .values(seq=integrity_heads.c.seq + bindparam("n"))
)
_READ_HEAD = select(integrity_heads.c.seq).where(integrity_heads.c.name == bindparam("name"))

# Upper bounds (seconds) of the commit-latency histogram: a commit without a flush is ~0.05 ms, one with an
# fdatasync 0.2-0.4 ms on a VM's disk and several ms on a loaded one; PostgreSQL adds a round trip.
COMMIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement compiled once for the engine's dialect, run on the DB-API cursor.

    The writer's two statements run once per commit on the request path. SQLAlchemy's per-execution work
    (transaction bookkeeping, parameter processing, result objects) cost more than the statements themselves:
    one record and its token update took 0.135-0.146 ms p50 through SQLAlchemy Core against 0.077-0.085 ms
    this way on SQLite NORMAL, 0.42 against 0.33 ms with FULL (`bench/store_write.py`, interleaved). The rows
    are plain str/float/int/bool values, which every DB-API driver binds as they are.
    """

    sql: str
    order: tuple[str, ...] | None  # positional paramstyles (SQLite's qmark): the parameter names in order

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        return cls(compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None)

    def params(self, rows: Sequence[dict[str, Any]]) -> Sequence[Any]:
        if self.order is None:
            return rows
        return [tuple(row[name] for name in self.order) for row in rows]


@dataclass(slots=True)
class Pending:
    """One queued row and whoever waits for it to be durable."""

    row: dict[str, Any]
    waiter: Waiter


@dataclass(slots=True)
class WriterStats:
    """How the writer has batched so far, and how long its commits took (benchmarks, `/metrics`).

    Updated only under the writer's commit lock; readers (a metrics scrape) may see one commit half counted.
    """

    batches: int = 0
    rows: int = 0
    inline_rows: int = 0  # committed by `write_now` on the caller's thread (counted in `rows` too)
    failed_rows: int = 0
    largest_batch: int = 0
    sizes: dict[int, int] = field(default_factory=dict)  # batch size -> how many batches had it
    commit_counts: list[int] = field(default_factory=lambda: [0] * (len(COMMIT_BUCKETS) + 1))  # last: +Inf
    commit_seconds: float = 0.0  # summed over successful commits

    @property
    def mean_batch(self) -> float:
        return self.rows / self.batches if self.batches else 0.0

    def commit_took(self, seconds: float) -> None:
        self.commit_counts[bisect.bisect_left(COMMIT_BUCKETS, seconds)] += 1
        self.commit_seconds += seconds


class GroupCommitWriter:
    """The single writer of `records` rows for one store."""

    def __init__(self, engine: Engine, *, max_batch: int = 512, sealer: Sealer) -> None:
        self._engine = engine
        self._sealer = sealer
        self._insert = _Compiled.of(_INSERT, engine.dialect)
        self._insert_reasons = _Compiled.of(_INSERT_REASONS, engine.dialect)
        self._insert_explanations = _Compiled.of(_INSERT_EXPLANATIONS, engine.dialect)
        self._add_tokens = _Compiled.of(_ADD_TOKENS, engine.dialect)
        self._bump_head = _Compiled.of(_BUMP_HEAD, engine.dialect)
        self._read_head = _Compiled.of(_READ_HEAD, engine.dialect)
        self._dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards starting and closing
        self._commit_lock = threading.Lock()  # one transaction at a time on the writer's connection
        self._inline = engine.dialect.name == "sqlite"  # PostgreSQL's round trip never blocks the event loop
        self._thread: threading.Thread | None = None
        self._closed = False
        self._connection: Connection | None = None  # the writer thread's
        self._inline_connection: Connection | None = None  # write_now's, with a zero busy timeout
        self._checkpointer: Checkpointer | None = None  # started with the writer thread, on SQLite
        self.stats = WriterStats()

    def submit(self, row: dict[str, Any], waiter: Waiter) -> None:
        """Queue a row; `waiter` is resolved once it is committed, or fails with StoreError."""
        with self._lock:
            self._start()
            self._queue.put(Pending(row, waiter))

    def write_now(self, row: dict[str, Any]) -> bool:
        """Commit `row` on this thread if the writer is idle; False (nothing written) if it is busy.

        The inline commit never waits for SQLite's write lock: if another connection holds it (a CLI command,
        an ingest), the row is left to the writer thread, so the event loop is never stalled by the busy
        timeout. Raises StoreError, like a queued write, when the row could not be committed.
        """
        if not self._inline or not self._queue.empty() or not self._commit_lock.acquire(blocking=False):
            return False
        try:
            with self._lock:
                self._start()
            done: Future[None] = Future()
            pending = Pending(row, done)
            try:
                self._commit([pending], inline=True)
            except OperationalError as exc:
                if _is_busy(exc):  # rolled back: nothing was written, the writer thread will wait its turn
                    return False
                self._fail([pending], exc)
            except Exception as exc:
                self._fail([pending], exc)
            else:
                self.stats.inline_rows += 1
                self._committed([pending])
        finally:
            self._commit_lock.release()
        done.result()
        return True

    def _start(self) -> None:
        """Start the writer thread (and SQLite's checkpointer) on the first write; callers hold `_lock`."""
        if self._closed:
            raise StoreError("the store is closed; open it again before writing records.")
        if self._thread is None:
            if self._engine.dialect.name == "sqlite":
                self._checkpointer = Checkpointer(self._engine, self._commit_lock)
            self._thread = threading.Thread(target=self._run, name="steward-record-writer", daemon=True)
            self._thread.start()
            atexit.register(self.close)

    def close(self) -> None:
        """Commit everything queued so far, then stop the thread. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join()
            atexit.unregister(self.close)
        if self._checkpointer is not None:
            self._checkpointer.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            with self._commit_lock:
                self._write(batch)
        with self._commit_lock:  # an inline write that started before close() finishes first
            if self._connection is not None:
                self._connection.close()
            if self._inline_connection is not None:
                self._inline_connection.invalidate()  # not pooled: see _commit
                self._inline_connection.close()

    def _write(self, batch: list[Pending]) -> None:
        try:
            self._commit(batch)
        except IntegrityError as exc:
            if len(batch) == 1:
                self._fail(batch, exc)
                return
            # A row's own data is at fault (a duplicate id): find it without failing its neighbours.
            log.warning(
                "group commit of %d records failed (%s); retrying one by one", len(batch), _first_line(exc)
            )
            for pending in batch:
                try:
                    self._commit([pending])
                except Exception as single_exc:
                    self._fail([pending], single_exc)
                else:
                    self._count(1)
                    _resolve([pending], None)
            return
        except Exception as exc:  # the database itself failed: nobody in the batch may be acknowledged
            self._fail(batch, exc)
            return
        self._committed(batch)

    def _committed(self, batch: list[Pending]) -> None:
        """Count a committed batch, tell its waiters, and let the checkpointer know."""
        self._count(len(batch))
        _resolve(batch, None)
        if self._checkpointer is not None:
            self._checkpointer.written(len(batch))

    def _commit(self, batch: Sequence[Pending], *, inline: bool = False) -> None:
        """One transaction for the batch, on the writer's connection or (inline) on the one that never waits."""
        connection = (self._inline_connection if inline else self._connection) or self._open_connection(inline)
        if inline:
            self._inline_connection = connection
        else:
            self._connection = connection
        # DB-API level (see _Compiled). Both SQLite's and psycopg's connections open a transaction before the
        # first statement, as with SQLAlchemy, whose own view of this connection is never in a transaction here.
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        started = time.perf_counter()
        try:
            try:
                rows = [pending.row for pending in batch]
                self._chain(cursor, rows)
                cursor.executemany(self._insert.sql, self._insert.params(rows))
                reasons = _reason_rows(rows)
                if reasons:  # most records have none: their commit runs no statement more than before
                    cursor.executemany(self._insert_reasons.sql, self._insert_reasons.params(reasons))
                attached = [extra for row in rows for extra in row.get("explanations", ())]
                if attached:  # an app's captured reasoning (`steward.explain.reasoning`), apart from the body
                    cursor.executemany(self._insert_explanations.sql, self._insert_explanations.params(attached))
                tokens = _tokens_by_key(batch)
                if tokens:
                    added = [{"key": key, "tokens": n} for key, n in tokens.items()]
                    cursor.executemany(self._add_tokens.sql, self._add_tokens.params(added))
                dbapi_connection.commit()
                self.stats.commit_took(time.perf_counter() - started)
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    dbapi_connection.rollback()
                if isinstance(exc, self._dbapi_error):  # as SQLAlchemy reports it (IntegrityError…)
                    raise DBAPIError.instance(
                        None, None, exc, self._dbapi_error, hide_parameters=True, dialect=self._engine.dialect
                    ) from exc
                raise
            finally:
                cursor.close()
        except Exception:
            # The connection may be broken (database restarted, disk full): discard it, never pool it, and take
            # a fresh one next time. SQLAlchemy does not see these statements, so it cannot tell a broken
            # connection from a bad row; and the inline one's zero busy timeout must not reach another user.
            if inline:
                self._inline_connection = None
            else:
                self._connection = None
            connection.invalidate()
            connection.close()
            raise

    def _chain(self, cursor: Any, rows: list[dict[str, Any]]) -> None:
        """Give the batch's rows the next numbers of the chain, each bound to its row by a keyed link."""
        cursor.execute(self._bump_head.sql, self._bump_head.params([{"name": HEAD, "n": len(rows)}])[0])
        cursor.execute(self._read_head.sql, self._read_head.params([{"name": HEAD}])[0])
        found = cursor.fetchall()
        if not found:
            raise StoreError("the records chain has no head row; migrate the database (`Store.open` does).")
        seq = int(found[0][0]) - len(rows)
        for row in rows:
            seq += 1
            row["chain_seq"], row["link"] = seq, self._sealer.link(seq, row["id"])

    def _open_connection(self, inline: bool = False) -> Connection:
        connection = self._engine.connect()
        if self._engine.dialect.name == "sqlite":
            # Take the write lock when the transaction begins (BEGIN IMMEDIATE), so a wait for another writer
            # goes through the busy timeout. A deferred BEGIN starts as a reader, and in WAL mode a reader whose
            # snapshot another connection committed past cannot become the writer: SQLite answers "database is
            # locked" at once, without waiting (four stores opening one fresh database hit it now and then).
            dbapi_connection: Any = connection.connection.dbapi_connection
            dbapi_connection.isolation_level = "IMMEDIATE"
        if inline:
            # Never wait for another connection's write lock (a CLI command, an ingest): the row is then left
            # to the writer thread, instead of stalling the event loop for the busy timeout (30 s).
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            connection.commit()
        if self._checkpointer is not None:
            # The checkpointer thread copies the WAL into the database, so that no record waits for it.
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.commit()
        return connection

    def _count(self, size: int) -> None:
        stats = self.stats
        stats.batches += 1
        stats.rows += size
        stats.largest_batch = max(stats.largest_batch, size)
        stats.sizes[size] = stats.sizes.get(size, 0) + 1

    def _fail(self, batch: list[Pending], exc: Exception) -> None:
        self.stats.failed_rows += len(batch)
        reason = _first_line(exc)
        for pending in batch:  # one exception object per waiter: tracebacks must not be shared across tasks
            error = StoreError(
                f"record {pending.row['id']} was not saved ({type(exc).__name__}: {reason}); the request was "
                "not acknowledged. Check that the database is reachable, writable and has free space."
            )
            error.__cause__ = exc
            _resolve([pending], error)


def _is_busy(exc: OperationalError) -> bool:
    """SQLite's SQLITE_BUSY: another connection holds the write lock."""
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


def _first_line(exc: Exception) -> str:
    """The error without the SQL and parameters SQLAlchemy appends: they hold record content, kept out of logs."""
    text = str(exc)
    return text.splitlines()[0] if text else ""


def _reason_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `record_reasons` rows of a batch: each row's `reasons` (set by `record_row`, not a records column)."""
    return [
        {"record_id": row["id"], "reason": reason, "created_at": row["created_at"]}
        for row in rows
        for reason in row.get("reasons", ())
    ]


def _tokens_by_key(batch: Sequence[Pending]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for pending in batch:
        row = pending.row
        key = row.get("key_id")
        used = row["prompt_tokens"] + row["completion_tokens"]
        if key and used:
            totals[key] = totals.get(key, 0) + used
    return totals


def _resolve(batch: Sequence[Pending], error: BaseException | None) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for pending in batch:
        waiter = pending.waiter
        if isinstance(waiter, Future):
            if waiter.done():  # cancelled by its caller; nobody to tell
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)
        else:
            loop, future = waiter
            by_loop.setdefault(loop, []).append(future)
    for loop, futures in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is left waiting
            loop.call_soon_threadsafe(_resolve_in_loop, futures, error)


def _resolve_in_loop(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():  # the caller was cancelled; its record was still written (or failed) as reported
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


class Checkpointer:
    """SQLite only: runs WAL checkpoints on a connection of its own, off the record writer's path.

    With SQLite's automatic checkpoints, every ~1000 pages one commit also copies the WAL into the database
    file and fsyncs it, and the records in that batch wait tens of milliseconds. Here, after every `every_rows`
    committed records, a PASSIVE checkpoint copies the WAL beside the writer (it never blocks it). Commits go
    on meanwhile, so that alone never copies the *whole* WAL, and SQLite rewinds the WAL only once everything
    is copied: under steady load the file grew without bound (494 MB after 10,000 records at one request at a
    time, for a 17 MB database), and a commit that grows the file pays for a metadata flush as well (FULL
    commit p50 0.33 ms into a growing WAL, 0.16 ms into a rewound one, same disk). So a second PASSIVE
    checkpoint follows with commits paused (`pause`, the writer's commit lock): it copies only the frames
    written during the first, then the next commit rewinds the WAL and reuses the file, whose size
    `journal_size_limit` bounds.
    """

    def __init__(self, engine: Engine, pause: threading.Lock, every_rows: int = 1000) -> None:
        self._engine = engine
        self._pause = pause
        self._every_rows = every_rows
        self._since = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="steward-wal-checkpoint", daemon=True)
        self._thread.start()

    def written(self, rows: int) -> None:
        self._since += rows
        if self._since >= self._every_rows:
            self._since = 0
            self._wake.set()

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")  # the bulk, beside commits
                    with self._pause:  # the few frames committed meanwhile; then the WAL can rewind
                        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception as exc:  # a later checkpoint (or SQLite's own, at close) catches up
                log.warning("WAL checkpoint failed: %s", exc)
            if self._stopping:
                return
