"""Rollups (issue 17, item 1): kept up to date by the worker, rebuilt from the records, the same either way."""

from __future__ import annotations

import random

import pytest
from tests.store_fixtures import full_record

from steward.monitor.rollups import STATUSES, bucket_start, sketch_bytes
from steward.monitor.worker import RollupWorker
from steward.store import Store
from steward.types import Attempt, Decision, Feedback, Finding, Latency, ModelRef, Usage

pytest_plugins = ["tests.store_fixtures"]

START = 1_796_000_000.0  # a whole day in epoch seconds, so buckets are easy to reason about
START -= START % 86400


def _record(rng: random.Random, i: int, app: str = "airport"):
    record = full_record(app)
    record.id = f"rec_{i:06d}"
    record.created_at = START + rng.uniform(0, 3 * 3600)
    record.status = rng.choice(STATUSES[:5])
    record.model = ModelRef(id=rng.choice(["qwen-1.5b@1", "qwen-1.5b@2"]), backend="llama")
    record.usage = Usage(prompt_tokens=rng.randint(5, 400), completion_tokens=rng.randint(0, 300))
    record.cost = rng.random() / 1000
    record.latency = Latency(total_ms=rng.lognormvariate(3, 1))
    record.attempts = [Attempt(record.model.id, None, 1.0)] * rng.choice([1, 1, 2])
    if record.status == "failed" and rng.random() < 0.7:  # every model of the route failed: none answered
        first, then = rng.sample(["qwen-1.5b@1", "qwen-1.5b@2"], 2)
        record.model, record.usage = None, Usage()
        record.attempts = [Attempt(first, "upstream is down", 3.0), Attempt(then, "upstream is down", 2.0)]
    flagged = (
        [Finding(scanner="pii", kind="EMAIL_ADDRESS", score=0.9, stage="input")] if rng.random() < 0.3 else []
    )
    record.decisions = [
        Decision(stage="input", action="allow", findings=flagged, scanner_ms={"pii": 1.0, "injection": 0.5})
    ]
    record.feedback = []
    return record


def _counted_under(record) -> str:  # type: ignore[no-untyped-def]
    return record.model.id if record.model else record.attempts[0].model


def _snapshot(store: Store) -> list:
    return [
        (key, rollup.summary(), sketch_bytes(rollup.latency))
        for grain in ("minute", "hour", "day")
        for key, rollup in store.monitoring.rollups(None, grain)
    ]


def test_incremental_rollups_equal_a_rebuild_from_the_records(store: Store) -> None:
    rng = random.Random(7)
    worker = RollupWorker(store, batch=37)  # small batches: buckets are merged across many transactions
    records = [_record(rng, i) for i in range(300)]
    for start in range(0, 300, 60):  # records keep arriving between passes, feedback too
        for record in records[start : start + 60]:
            store.write_sync(record)
        for record in rng.sample(records[: start + 60], 10):
            store.add_feedback(record.id, Feedback(score=rng.choice([-1, 1]), comment="", by="tester"))
        worker.catch_up()
    kept = _snapshot(store)
    assert worker.rebuild() == 300
    assert _snapshot(store) == kept

    day = store.monitoring.rollups("airport", "day")
    total = sum(rollup.requests for _, rollup in day)
    assert total == 300
    assert sum(r.feedback_count for _, r in day) == 50
    served = sum(1 for r in records if r.status == "served")
    assert sum(r.statuses.get("served", 0) for _, r in day) == served
    assert {key.bucket for key, _ in day} == {bucket_start(START, "day")}
    assert len(store.monitoring.rollups("airport", "hour")) == 6  # 3 hours × 2 model versions
    # a failed route is counted under the model it tried first, never under "-" (no model)
    routed_away = [r for r in records if r.model is None]
    assert routed_away
    for version in ("qwen-1.5b@1", "qwen-1.5b@2"):
        failed = sum(1 for r in records if r.status == "failed" and _counted_under(r) == version)
        assert sum(r.statuses.get("failed", 0) for k, r in day if k.model == version) == failed


def test_latency_quantiles_come_from_the_sketch_within_its_relative_accuracy(store: Store) -> None:
    rng = random.Random(11)
    records = [_record(rng, i) for i in range(400)]
    for record in records:
        store.write_sync(record)
    RollupWorker(store).catch_up()
    merged = None
    for _, rollup in store.monitoring.rollups("airport", "hour"):
        if merged is None:
            merged = rollup
        else:
            merged.merge(rollup)
    assert merged is not None
    latencies = sorted(r.latency.total_ms for r in records)
    for q in (0.5, 0.95, 0.99):
        true = latencies[int(q * (len(latencies) - 1))]
        estimate = merged.quantile(q)
        assert estimate is not None
        # DDSketch guarantees 1 % relative error against a value of the right rank; allow one rank either side
        lower, upper = latencies[max(int(q * 399) - 1, 0)], latencies[min(int(q * 399) + 1, 399)]
        assert lower * 0.99 <= estimate <= upper * 1.01, (q, true, estimate)
    rates = merged.summary()["verdict_rates"]
    flagged = sum(1 for r in records if r.decisions[0].findings) / len(records)
    assert rates["input.pii"] == pytest.approx(flagged)
    assert rates["input.injection"] == 0.0


def test_the_worker_resumes_from_its_cursor_and_counts_nothing_twice(store: Store) -> None:
    rng = random.Random(3)
    for i in range(50):
        store.write_sync(_record(rng, i))
    assert RollupWorker(store).catch_up() == 50
    assert RollupWorker(store).catch_up() == 0  # a new worker (a restart) starts from the stored cursor
    for i in range(50, 70):
        store.write_sync(_record(rng, i))
    assert RollupWorker(store).catch_up() == 20
    assert sum(r.requests for _, r in store.monitoring.rollups("airport", "day")) == 70
