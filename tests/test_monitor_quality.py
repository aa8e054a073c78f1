"""Sampled quality (issue 17): the evals' faithfulness scores a hash-chosen share of grounded answers off the
request path; the rollups fold the scores (the same either way) and drift compares them."""

from __future__ import annotations

from pathlib import Path

from steward.evals.online import QualitySampler, sampled
from steward.monitor.drift import detect_drift
from steward.monitor.rollups import sketch_bytes
from steward.monitor.windows import Window, load_window
from steward.monitor.worker import RollupWorker
from steward.store import Store
from steward.types import ModelRef, Record, Source, Turn

KNOWLEDGE = "Flight BA117 to New York leaves from gate B32 at 14:05. Boarding closes 20 minutes before departure."


def _answer(at: float, i: int, output: str) -> Record:
    record = Record.start("airport")
    record.id = f"rec_{i:06d}"
    record.created_at = at
    record.model = ModelRef(id="qwen", backend="llama")
    record.input = [Turn("user", "Which gate does BA117 leave from?")]
    record.output = output
    record.sources = [Source(document_id="doc", chunk_id="c1", score=0.9, text=KNOWLEDGE)]
    return record


def test_grounded_answers_are_scored_folded_and_compared(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        for i in range(40):
            store.write_sync(_answer(1_000 + i, i, "BA117 leaves from gate B32 at 14:05."))
        for i in range(40, 80):
            store.write_sync(_answer(5_000 + i, i, "BA117 leaves from gate D7 at 09:30, and lounges are free."))
        blocked = Record.start("airport")
        blocked.status = "blocked"
        store.write_sync(blocked)
        assert QualitySampler(store, share=1.0).run() == 80  # the blocked request has no answer to score
        assert QualitySampler(store, share=1.0).run() == 0  # the cursor moved: nothing is scored twice
        scores = store.monitoring.scores_of([f"rec_{i:06d}" for i in range(80)])
        right = [scores[f"rec_{i:06d}"] for i in range(40)]
        wrong = [scores[f"rec_{i:06d}"] for i in range(40, 80)]
        assert min(right) > max(wrong)

        worker = RollupWorker(store)
        worker.catch_up()
        kept = [(k, r.summary(), sketch_bytes(r.latency)) for k, r in store.monitoring.rollups("airport", "hour")]
        worker.rebuild()
        assert [
            (k, r.summary(), sketch_bytes(r.latency)) for k, r in store.monitoring.rollups("airport", "hour")
        ] == kept
        day = store.monitoring.rollups("airport", "day")
        assert sum(r.quality_count for _, r in day) == 80

        windows = [Window("a", since=0, until=3_000), Window("b", since=3_000, until=9_000)]
        samples = [load_window(store, "airport", w, embedder=None) for w in windows]
        report = detect_drift("airport", samples[0], samples[1])
        quality = next(s for s in report.signals if s.name == "quality")
        assert quality.drifted and quality.current < quality.reference


def test_the_sample_is_chosen_by_the_record_id() -> None:
    ids = [f"rec_{i}" for i in range(2000)]
    chosen = [i for i in ids if sampled(i, 0.1)]
    assert 150 < len(chosen) < 250
    assert chosen == [i for i in ids if sampled(i, 0.1)]
