"""Time the management API's records listing on a large store: `GET /v1/records` in-process and the store query.

Builds (once, at `--db`) a SQLite store of `--records` records over four apps of three teams, written straight as
rows (fast; the bodies are real `record_to_json` output, the reason codes in `record_reasons` as the store's writer
keeps them), without planner statistics (Steward never runs
ANALYZE), then times, for each filter, the first page and a page deep in the listing (`after` the 200th page's
cursor), as the store query alone and as the whole request through the ASGI app with a team's admin key.

    python bench/records_listing.py                       # 1M records in /tmp/steward-records-bench.db
    python bench/records_listing.py --records 100000 --db /tmp/small.db --runs 20
    python bench/records_listing.py --url postgresql://…/db   # the same records copied from --db, on PostgreSQL
    python bench/records_listing.py --writer --url postgresql://…/db   # written there through the store's writer

With `--url` the records of `--db` (built first if absent) are copied once into that empty database. With
`--writer` the store (`--db` when absent, or the empty `--url`) is filled through the store's own writer instead
(`Store.write`, group commit: the rows, seals and reason codes as the gateway writes them; minutes for 1M).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from steward.config import Settings, load_project_text
from steward.gateway.assemble import open_runtime
from steward.gateway.http import create_app
from steward.store import RecordFilter, Store
from steward.store.codec import record_to_json
from steward.store.records import reason_codes
from steward.types import Decision, ModelRef, Record, Turn

APPS = [("demo", "default"), ("claims", "default"), ("other", "other-team"), ("ops", "ops")]
PROJECT = "version: 1\nmodels:\n  m: {backend: scripted, replies: [ok]}\napps:\n" + "".join(
    f"  {app}: {{owner: a@b.c, purpose: bench, team: {team}, route: [{{model: m}}]}}\n" for app, team in APPS
)
COLUMNS = (
    "id, created_at, app, team, status, subject, model_id, prompt_tokens, completion_tokens, cost, total_ms, "
)
COLUMNS += "consent, origin, body"
CASES: dict[str, dict[str, Any]] = {
    "team": {},
    "app": {"app": "demo"},
    "status": {"status": "escalated"},
    "subject": {"subject": "subject-123"},
    "model (none match)": {"model": "no-such-model"},
    "since/until (1 h)": {"since": -25, "until": -24},  # hours from now
    "reason": {"reason": "injection"},
    "q (none match)": {"q": "no such words"},
}


def generate(count: int) -> Iterator[Record]:
    """The bench's records, the same for a given count whichever way they are written: four apps, 5 % blocked
    with one of three reason codes, two records a second ending now."""
    rng = random.Random(7)
    t0 = time.time() - count * 0.5
    for i in range(count):
        app, team = APPS[rng.randrange(len(APPS))]
        record = Record(id=f"rec_{i:032x}", created_at=t0 + i * 0.5, app=app, team=team)
        record.status = rng.choice(["served"] * 17 + ["blocked", "failed", "escalated"])
        record.subject = f"subject-{rng.randrange(50_000)}"
        record.model = ModelRef(id=rng.choice(["smollm2", "qwen"]), backend="llama_cpp")
        record.input = [Turn("user", f"question {i} about gate {rng.randrange(99)}")]
        record.output = f"answer {i}"
        if record.status == "blocked":
            reason = rng.choice(["injection", "pii.email", "toxicity"])
            record.decisions = [Decision(stage="input", action="block", reasons=[reason])]
        yield record


def build(path: Path, count: int) -> None:
    """The store at `path`, its records written straight as rows (fast; no seals, no chain)."""
    Store.open(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    rows: list[tuple[Any, ...]] = []
    reasons: list[tuple[str, str, float]] = []
    for i, record in enumerate(generate(count)):
        reasons += [(record.id, reason, record.created_at) for reason in reason_codes(record)]
        model = record.model.id if record.model else None
        rows.append((record.id, record.created_at, record.app, record.team, record.status, record.subject, model,
                     0, 0, 0.0, 0.0, 1, "traffic", record_to_json(record).decode()))  # fmt: skip
        if len(rows) == 20_000 or i == count - 1:
            con.executemany(f"INSERT INTO records ({COLUMNS}) VALUES ({', '.join('?' * 14)})", rows)
            con.executemany("INSERT INTO record_reasons (record_id, reason, created_at) VALUES (?, ?, ?)", reasons)
            con.commit()
            rows, reasons = [], []
    con.close()


def write_through(url: str, count: int, in_flight: int = 2048) -> None:
    """The same records written into the store at `url` through its own writer (`Store.write`: the rows, seals,
    chain and reason codes exactly as the gateway writes them, group-committed `in_flight` at a time)."""

    async def fill(store: Store) -> None:
        chunk: list[Record] = []
        for i, record in enumerate(generate(count)):
            chunk.append(record)
            if len(chunk) == in_flight or i == count - 1:
                await asyncio.gather(*(store.write(one) for one in chunk))
                chunk = []

    with Store.open(url) as store:
        asyncio.run(fill(store))


def copy(db: Path, url: str) -> None:
    """The records and reason rows of the SQLite store `db`, copied into the (migrated, empty) store at `url`."""
    store = Store.open(url)
    source = sqlite3.connect(db)
    names = [name.strip() for name in COLUMNS.split(",")]
    tables = [("records", names), ("record_reasons", ["record_id", "reason", "created_at"])]
    if not sa.inspect(store.engine).has_table("record_reasons"):  # a build from before migration 0016
        tables.pop()
    with store.engine.begin() as connection:
        for table, columns in tables:
            cursor = source.execute(f"SELECT {', '.join(columns)} FROM {table}")
            while chunk := cursor.fetchmany(20_000):
                rows = [dict(zip(columns, row, strict=True)) for row in chunk]
                if table == "records":
                    for row in rows:
                        row["consent"] = bool(row["consent"])
                connection.execute(sa.insert(sa.table(table, *map(sa.column, columns))), rows)
    source.close()
    store.close()


def fill(db: Path, url: str | None, count: int, writer: bool) -> None:
    """Fill the store to be timed once: the SQLite file `db` when absent, or the empty database at `url`
    (copied from `db`, built first if absent; or, with `writer`, written directly)."""
    t = time.perf_counter()
    if url and _empty(url):
        if writer:
            write_through(url, count)
            print(f"wrote {count} records through the store's writer in {time.perf_counter() - t:.0f} s")
            return
        fill(db, None, count, writer)
        copy(db, url)
        print(f"copied the records of {db} in {time.perf_counter() - t:.0f} s")
    elif not url and not db.exists():
        if writer:
            write_through(f"sqlite:///{db}", count)
        else:
            build(db, count)
        how = "through the store's writer" if writer else "as rows"
        print(f"built {count} records at {db} {how} in {time.perf_counter() - t:.0f} s")


def _empty(url: str) -> bool:
    with Store.open(url) as store:
        return store.count_records() == 0


def _request(case: dict[str, Any], now: float) -> tuple[dict[str, Any], RecordFilter]:
    """The query of a case, and the same filter as the store takes it (the key's team added)."""
    hours = {k: now + v * 3600 for k, v in case.items() if k in ("since", "until")}
    params = {**case, **{k: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)) for k, at in hours.items()}}
    renamed = {"model": "model_id", "q": "text"}
    where = {renamed.get(k, k): v for k, v in {**case, **hours}.items()}
    return params, RecordFilter(team="default", **where)


def _ms(fn: Any, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1] if runs >= 2 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/steward-records-bench.db"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--url", help="time this database instead (e.g. PostgreSQL), filled once (see above)")
    parser.add_argument("--writer", action="store_true", help="fill the store through its own writer (slower)")
    args = parser.parse_args()
    fill(args.db, args.url, args.records, args.writer)
    project = load_project_text(PROJECT, "bench.yaml")
    project.root = args.db.parent
    url = args.url or f"sqlite:///{args.db}"
    runtime = open_runtime(project, Settings(home=args.db.parent, database_url=url))
    store = runtime.store
    key = store.create_key(role="admin", name="bench", team="default")[0]
    # as a context manager the client runs the app's lifespan, as uvicorn does under `steward serve`
    with TestClient(create_app(runtime.gateway, runtime.authenticator)) as http:
        headers = {"authorization": f"Bearer {key}"}
        deep = None
        for _ in range(200):  # the cursor of a page deep in the team's listing
            deep = http.get(
                "/v1/records", params={"limit": 50, **({"after": deep} if deep else {})}, headers=headers
            )
            deep = deep.json()["next"]
        print(f"{'filter':22s} {'store p50':>10s} {'HTTP p50':>9s} {'HTTP p95':>9s} {'deep HTTP p50':>14s}  found")
        now = time.time()
        for name, case in CASES.items():
            params, where = _request(case, now)
            store_p50, _ = _ms(lambda w=where: store.page_records(w, None, 50), args.runs)
            query = {**params, "limit": 50}
            http_p50, http_p95 = _ms(lambda q=query: http.get("/v1/records", params=q, headers=headers), args.runs)
            later = {**query, "after": deep}
            deep_p50, _ = _ms(lambda q=later: http.get("/v1/records", params=q, headers=headers), args.runs)
            found = len(http.get("/v1/records", params=query, headers=headers).json()["data"])
            print(f"{name:22s} {store_p50:8.1f}ms {http_p50:7.1f}ms {http_p95:7.1f}ms {deep_p50:12.1f}ms  {found}")
    runtime.store.close()


if __name__ == "__main__":
    main()
