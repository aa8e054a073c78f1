"""Records in the store, on SQLite and PostgreSQL: round trip, queries, feedback, and group commit that never
acknowledges a record it did not commit."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from tests.store_fixtures import full_record

from steward.errors import NotFound, StoreError
from steward.store import RecordFilter, Store
from steward.store import records as record_sql
from steward.store.schema import IN_BATCH, in_batches, records
from steward.store.writer import COMMIT_BUCKETS, WriterStats
from steward.types import Feedback, Record, Usage

pytest_plugins = ["tests.store_fixtures"]


def _record(app: str, at: float, **fields: object) -> Record:
    record = Record.start(app)
    record.created_at = at
    for name, value in fields.items():
        setattr(record, name, value)
    return record


@contextlib.contextmanager
def observer(store: Store) -> Iterator[Engine]:
    """A separate engine on the same database: what it sees is committed, not merely written by the writer."""
    engine = create_engine(store.engine.url)
    try:
        yield engine
    finally:
        engine.dispose()


def committed_ids(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(records.c.id)).scalars())


def test_full_record_round_trips_through_the_database(store: Store) -> None:
    record = full_record()
    store.write_sync(record)
    assert store.get_record(record.id) == record


def test_indexed_columns_copy_the_record(store: Store) -> None:
    record = full_record()
    store.write_sync(record)
    with store.engine.connect() as connection:
        row = connection.execute(select(records).where(records.c.id == record.id)).one()
    assert (row.app, row.team, row.status, row.key_id, row.subject) == (
        "airport-assistant",
        "ops",
        "served",
        "key_test",
        "traveller-42",
    )
    assert (row.model_id, row.model_sha256, row.prompt_version) == ("smollm2", "ab" * 32, "v3")
    assert (row.prompt_tokens, row.completion_tokens, row.total_ms, row.consent) == (31, 7, 128.5, False)


def test_missing_record_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="steward records list"):
        store.get_record("rec_missing")


def test_list_filters_orders_newest_first_and_limits(store: Store) -> None:
    written = [
        _record("a", 100.0, status="served", team="t1"),
        _record("a", 200.0, status="blocked", team="t1"),
        _record("b", 300.0, status="served", team="t2"),
        _record("a", 400.0, status="failed", team="t2", error="boom"),
    ]
    for record in written:
        store.write_sync(record)
    assert [r.created_at for r in store.list_records()] == [400.0, 300.0, 200.0, 100.0]
    assert [r.created_at for r in store.list_records(app="a")] == [400.0, 200.0, 100.0]
    assert [r.created_at for r in store.list_records(app="a", limit=2)] == [400.0, 200.0]
    assert [r.status for r in store.list_records(status="blocked")] == ["blocked"]
    assert [r.created_at for r in store.list_records(team="t2")] == [400.0, 300.0]
    assert [r.created_at for r in store.list_records(since=200.0, until=400.0)] == [300.0, 200.0]
    assert store.count_records() == 4
    assert store.count_records(app="a", status="served") == 1
    assert store.list_records(app="nobody") == []


def test_iter_records_streams_everything_oldest_first_across_chunks(store: Store) -> None:
    # Several records share a timestamp, so the keyset must order on (created_at, id) to lose none.
    written = [_record("a", 10.0 + (i // 3), output=str(i)) for i in range(11)]
    for record in written:
        store.write_sync(record)
    store.write_sync(_record("other", 12.0))
    got = list(record_sql.iter_records(store.engine, RecordFilter(app="a"), chunk=2))
    assert sorted(r.id for r in got) == sorted(r.id for r in written)
    assert [r.created_at for r in got] == sorted(r.created_at for r in written)
    assert len(list(store.iter_records())) == 12


def test_feedback_is_added_without_rewriting_the_body(store: Store) -> None:
    record = full_record()  # carries one feedback in its body already
    store.write_sync(record)
    with store.engine.connect() as connection:
        body_before = connection.execute(select(records.c.body)).scalar_one()
    store.add_feedback(record.id, Feedback(score=-1, comment="wrong gate", by="agent-9", at=1_800_000_000.0))
    back = store.get_record(record.id)
    assert [(f.score, f.by) for f in back.feedback] == [(1, "agent-7"), (-1, "agent-9")]
    assert store.list_records()[0].feedback == back.feedback
    with store.engine.connect() as connection:
        assert connection.execute(select(records.c.body)).scalar_one() == body_before
    with pytest.raises(NotFound):
        store.add_feedback("rec_missing", Feedback(score=1))


def test_group_commit_under_concurrency_resolves_each_write_after_its_commit(store: Store) -> None:
    async def write_then_look(record: Record, engine: Engine) -> bool:
        await store.write(record)
        return record.id in committed_ids(engine)

    async def main(engine: Engine) -> list[bool]:
        return await asyncio.gather(*(write_then_look(Record.start("load"), engine) for _ in range(200)))

    with observer(store) as engine:
        assert asyncio.run(main(engine)) == [True] * 200
    assert store.count_records(app="load") == 200
    stats = store.writer_stats
    assert stats.rows == 200 and stats.failed_rows == 0
    assert stats.batches < 200  # writes that queued during a commit shared the next one


def test_sync_writers_from_many_threads_are_all_committed(store: Store) -> None:
    written: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            record = Record.start("threads")
            store.write_sync(record)
            with lock:
                written.append(record.id)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with observer(store) as engine:
        assert committed_ids(engine) >= set(written) and len(written) == 160


def test_a_failed_commit_raises_to_every_waiter_and_acknowledges_nothing(store: Store) -> None:
    store.write_sync(Record.start("warm-up"))  # the writer holds its connection from here on
    with store.engine.begin() as connection:  # a real failure: the table the writer inserts into is gone
        connection.execute(text("ALTER TABLE records RENAME TO records_away"))

    async def main() -> list[BaseException | None]:
        return await asyncio.gather(
            *(store.write(Record.start("doomed")) for _ in range(50)), return_exceptions=True
        )

    outcomes = asyncio.run(main())
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE records_away RENAME TO records"))
    assert all(isinstance(outcome, StoreError) for outcome in outcomes), outcomes
    assert "was not saved" in str(outcomes[0])
    assert store.writer_stats.failed_rows == 50
    assert store.count_records(app="doomed") == 0
    store.write_sync(Record.start("after"))  # the writer recovers once the database does
    assert store.count_records(app="after") == 1


def test_one_bad_row_fails_only_its_own_caller(store: Store) -> None:
    first = Record.start("dup")
    store.write_sync(first)
    clash = Record.start("dup")
    clash.id = first.id
    others = [Record.start("dup") for _ in range(20)]

    async def main() -> list[BaseException | None]:
        return await asyncio.gather(
            *(store.write(r) for r in [*others[:10], clash, *others[10:]]), return_exceptions=True
        )

    outcomes = asyncio.run(main())
    assert isinstance(outcomes[10], StoreError) and first.id in str(outcomes[10])
    assert "IntegrityError" in str(outcomes[10])  # the driver's error, reported as SQLAlchemy names it
    assert outcomes[:10] + outcomes[11:] == [None] * 20
    assert store.count_records(app="dup") == 21


def test_a_cancelled_caller_still_gets_its_record_written(store: Store) -> None:
    record = Record.start("cancelled")

    async def main() -> None:
        task = asyncio.create_task(store.write(record))
        await asyncio.sleep(0)  # the row is queued
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    store.close()  # flushes the queue
    reopened = Store.open(str(store.engine.url.render_as_string(hide_password=False)))
    try:
        assert reopened.get_record(record.id).app == "cancelled"
    finally:
        reopened.close()


def test_close_flushes_queued_records_and_later_writes_are_refused(store: Store) -> None:
    results: list[Exception | None] = []
    ids = []

    def writer() -> None:
        record = Record.start("flush")
        ids.append(record.id)
        try:
            store.write_sync(record)
            results.append(None)
        except StoreError as exc:
            results.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    assert results == [None] * 10
    with pytest.raises(StoreError, match="closed"):
        store.write_sync(Record.start("late"))


def test_tokens_used_follows_the_records_of_a_key(store: Store) -> None:
    _, info = store.create_key("app", apps=["a"], token_budget=1000)
    assert store.tokens_used(info.id) == 0

    async def main() -> None:
        await asyncio.gather(
            *(store.write(_record("a", 1.0, key_id=info.id, usage=Usage(10, 5))) for _ in range(30))
        )
        await store.write(_record("a", 2.0, key_id="key_someone_else", usage=Usage(100, 100)))

    asyncio.run(main())
    assert store.tokens_used(info.id) == 450
    with store.engine.connect() as connection:
        summed = connection.execute(
            select(func.sum(records.c.prompt_tokens + records.c.completion_tokens)).where(
                records.c.key_id == info.id
            )
        ).scalar_one()
    assert summed == 450
    assert store.tokens_used("key_unknown") == 0


def test_a_body_cipher_seals_bodies_at_rest_and_reads_old_plain_ones(store: Store) -> None:
    plain = full_record(output="written before encryption was turned on")
    store.write_sync(plain)
    from steward.store.crypto import BodyCipher, generate_key

    store.cipher = BodyCipher([generate_key()])
    sealed = full_record(output="Gate 23, sealed")
    store.write_sync(sealed)
    with store.engine.connect() as connection:
        body = connection.execute(select(records.c.body).where(records.c.id == sealed.id)).scalar_one()
    assert body.startswith("enc:v1:") and "Gate 23" not in body
    assert store.get_record(sealed.id) == sealed
    assert store.get_record(plain.id) == plain
    assert {r.id for r in store.list_records()} == {plain.id, sealed.id}
    assert [r.output for r in store.iter_records()] == [plain.output, sealed.output]


def test_a_write_alone_commits_inline_on_sqlite_only(migrated_database_url: str) -> None:
    """SQLite commits a lone write on the caller's thread at every level; PostgreSQL goes through the writer."""
    for level in ("NORMAL", "FULL"):
        with Store.open(migrated_database_url, synchronous=level) as store:
            record = Record.start("alone")

            async def main(store: Store = store, record: Record = record) -> None:
                await store.write(record, alone=True)

            asyncio.run(main())
            assert store.get_record(record.id).app == "alone"
            inline_expected = migrated_database_url.startswith("sqlite")
            assert store.writer_stats.inline_rows == (1 if inline_expected else 0)
            assert (store._writer._inline_connection is not None) == inline_expected  # none held in vain
            assert store.writer_stats.rows == 1


def test_a_write_alone_queues_while_the_writer_is_busy(tmp_path: object) -> None:
    with Store.open(f"sqlite:///{tmp_path}/busy.db", synchronous="NORMAL") as store:
        record = Record.start("busy")
        writer = store._writer
        writer._commit_lock.acquire()  # the writer thread is in the middle of a batch

        async def main() -> bool:
            task = asyncio.create_task(store.write(record, alone=True))
            await asyncio.sleep(0.05)
            waiting = not task.done()
            writer._commit_lock.release()
            await task
            return waiting

        assert asyncio.run(main()), "a write alone did not wait for the busy writer"
        assert store.get_record(record.id).app == "busy"
        assert store.writer_stats.inline_rows == 0 and store.writer_stats.rows == 1


def test_a_failed_inline_commit_raises_and_acknowledges_nothing(tmp_path: object) -> None:
    with Store.open(f"sqlite:///{tmp_path}/fail.db", synchronous="NORMAL") as store:
        store.write_sync(Record.start("warm-up"))
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE records RENAME TO records_away"))
        doomed = Record.start("doomed")
        with pytest.raises(StoreError, match=f"record {doomed.id} was not saved"):
            asyncio.run(store.write(doomed, alone=True))
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE records_away RENAME TO records"))
        assert store.count_records(app="doomed") == 0
        later = Record.start("after")
        asyncio.run(store.write(later, alone=True))  # the next inline write takes a fresh connection
        assert store.count_records(app="after") == 1 and store.writer_stats.inline_rows == 1


def test_a_write_alone_never_waits_on_another_connections_lock(tmp_path: object) -> None:
    """Another process holding SQLite's write lock (a CLI command) must not stall the event loop: the row
    goes to the writer thread, which waits its turn, and the connection's busy timeout is left as it was."""
    import sqlite3

    path = f"{tmp_path}/locked.db"
    with Store.open(f"sqlite:///{path}", synchronous="NORMAL") as store:
        store.write_sync(Record.start("warm-up"))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        record = Record.start("locked")

        async def main() -> bool:
            task = asyncio.create_task(store.write(record, alone=True))
            await asyncio.sleep(0.2)  # the loop runs meanwhile: the inline commit gave up at once
            waiting = not task.done()
            other.execute("ROLLBACK")
            await task
            return waiting

        assert asyncio.run(main()), "the write finished while another connection held the lock"
        other.close()
        assert store.get_record(record.id).app == "locked"
        assert store.writer_stats.inline_rows == 0
        later = Record.start("after")
        asyncio.run(store.write(later, alone=True))
        assert store.writer_stats.inline_rows == 1
        writer_connection = store._writer._connection
        assert writer_connection is not None
        assert writer_connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        with store.engine.connect() as pooled:  # the inline connection's zero timeout never reaches the pool
            assert pooled.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_the_wal_is_rewound_under_steady_writes(tmp_path: object) -> None:
    """Checkpoints beside a busy writer must still let SQLite rewind the WAL: it used to grow without bound."""
    import os

    path = f"{tmp_path}/wal.db"
    with Store.open(f"sqlite:///{path}", synchronous="NORMAL") as store:

        async def write(count: int) -> None:
            for _ in range(count):
                await store.write(Record.start("steady"), alone=True)

        asyncio.run(write(1000))
        after_first = os.path.getsize(f"{path}-wal")
        asyncio.run(write(4000))
        assert store.count_records(app="steady") == 5000
        assert os.path.getsize(f"{path}-wal") < 3 * after_first  # never rewound, it would be ~5x
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_size_limit").scalar() == 64 * 1024 * 1024


def test_every_commit_is_timed_into_the_histogram(store: Store) -> None:
    for _ in range(3):
        store.write_sync(Record.start("timed"))
    stats = store.writer_stats
    assert sum(stats.commit_counts) == stats.batches >= 1 and stats.commit_seconds > 0
    fresh = WriterStats()
    fresh.commit_took(0.0003)  # a commit with a disk flush on a fast disk
    fresh.commit_took(5.0)  # a stalled one
    assert fresh.commit_counts[COMMIT_BUCKETS.index(0.0005)] == 1 and fresh.commit_counts[-1] == 1
    assert sum(fresh.commit_counts) == 2 and fresh.commit_seconds == pytest.approx(5.0003)


def test_in_batches_slices_ids_below_the_parameter_limit_in_order() -> None:
    ids = [f"rec_{n}" for n in range(2 * IN_BATCH + 1)]
    batches = list(in_batches(ids))
    assert [len(b) for b in batches] == [IN_BATCH, IN_BATCH, 1]
    assert [i for b in batches for i in b] == ids
    assert list(in_batches([])) == []


def test_bodies_of_more_records_than_one_batch_are_all_read(store: Store) -> None:
    written = [_record("app", 1_000.0 + n) for n in range(IN_BATCH + 5)]
    for record in written:
        store.write_sync(record)
    asked = [r.id for r in written] + ["rec_missing"]
    found = store.monitoring.bodies(asked)
    assert set(found) == {r.id for r in written}
    assert found[written[-1].id]["app"] == "app"
