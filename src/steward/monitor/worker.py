"""The rollup worker: folds new records and feedback into the rollups, off the request path.

`catch_up()` reads the records the writer committed since the `records` cursor (by chain sequence) and the
feedback since the `feedback` cursor, folds them (`steward.monitor.rollups.fold`) and applies the deltas and the
new cursors in one transaction per batch, so a crash between batches loses nothing and counts nothing twice.
`rebuild()` forgets every rollup and cursor and catches up from the first record: because both paths fold the
same records in the same order, a rebuild gives the rollups the worker kept, bit for bit (tested).

`steward serve` runs `catch_up()` and then the alert rules every `monitor.interval_s` seconds (`MonitorThread`),
in a child process (`steward.gateway.monitoring`: folding on the server's own threads held the interpreter lock and
stretched its p99); the request path only writes records, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from steward.monitor.rollups import (
    GRAINS,
    Owned,
    RecordFacts,
    Rollup,
    RollupKey,
    app_teams,
    counted_app,
    fold,
    record_key,
)
from steward.store import Store

if TYPE_CHECKING:
    from steward.monitor.alerts import AlertEvaluator
    from steward.monitor.schedule import DriftScheduler

log = logging.getLogger("steward.monitor")

RECORDS = "records"
FEEDBACK = "feedback"
SCORES = "scores"
BATCH = 1_000
LOST = -1  # a batch whose cursor another folder moved first; nothing of it was written


class RollupWorker:
    """`apps`: the apps of the config, by name. A record naming any other app (a client's typo, answered 404),
    or naming an app of another team than its own (another team's key, answered 404 as if the app did not exist),
    is folded under the one `(unknown)` app rather than making rollups of an app nobody declared or counting in
    the rollups, and so the alerts, of a team that never sent it; None folds every app under its own name."""

    def __init__(self, store: Store, batch: int = BATCH, apps: Mapping[str, Owned] | None = None) -> None:
        self.store = store
        self.batch = batch
        self.teams = app_teams(apps)

    def _known(self, facts: RecordFacts) -> RecordFacts:
        app = counted_app(facts.app, facts.team, self.teams)
        return facts if app == facts.app else replace(facts, app=app)

    def catch_up(self) -> int:
        """Fold everything new; the number of records folded."""
        folded = self._drain(self._records_batch)
        self._drain(self._feedback_batch)
        self._drain(self._scores_batch)
        return folded

    def _drain(self, batch: Callable[[], int]) -> int:
        """Run `batch` until it reads less than a full batch; LOST (another folder was first) means read again."""
        total = 0
        while True:
            done = batch()
            if done == LOST:
                continue
            total += done
            if done < self.batch:
                return total

    def rebuild(self) -> int:
        """Forget the rollups and fold every record again; the number of records folded."""
        self.store.monitoring.clear()
        return self.catch_up()

    def _records_batch(self) -> int:
        monitoring = self.store.monitoring
        after = monitoring.cursor(RECORDS)
        found = monitoring.records_after(after, self.batch)
        if not found:
            return 0
        deltas: dict[RollupKey, Rollup] = {}
        for item in found:
            if item.facts.origin != "traffic":  # evals, red-team scans and tests are not production
                continue
            for key, delta in fold(self._known(item.facts)):
                _bucket(deltas, key).merge(delta)
        if not monitoring.apply(deltas, {RECORDS: (after, found[-1].seq)}):
            return LOST  # another folder moved the cursor first: read again from where it is now
        return len(found)

    def _feedback_batch(self) -> int:
        """Feedback (a person's score of an answer), into its record's buckets."""
        return self._attached_batch(FEEDBACK, self.store.monitoring.feedback_after, _add_feedback)

    def _scores_batch(self) -> int:
        """Sampled quality scores (`steward.evals.online`), into their records' buckets, like feedback."""
        return self._attached_batch(SCORES, self.store.monitoring.scores_after, _add_quality)

    def _attached_batch(
        self,
        cursor: str,
        read: Callable[[int, int], Sequence[tuple[int, str, float]]],
        add: Callable[[Rollup, float], None],
    ) -> int:
        """One batch of values that arrive after their record (id, record id, value), folded by `add` into the
        record's buckets of every grain; 0 when nothing is new, LOST when another folder moved the cursor."""
        monitoring = self.store.monitoring
        after = monitoring.cursor(cursor)
        found = read(after, self.batch)
        if not found:
            return 0
        owners = monitoring.facts_by_id([record_id for _, record_id, _ in found])
        deltas: dict[RollupKey, Rollup] = {}
        for _, record_id, value in found:
            facts = owners.get(record_id)
            if facts is None or facts.origin != "traffic":  # erased since, or not production
                continue
            for grain_key in (record_key(self._known(facts), grain) for grain in GRAINS):
                add(_bucket(deltas, grain_key), value)
        if not monitoring.apply(deltas, {cursor: (after, found[-1][0])}):
            return LOST
        return len(found)


def _bucket(deltas: dict[RollupKey, Rollup], key: RollupKey) -> Rollup:
    """The batch's delta for a bucket, made on first use (not per call: each Rollup builds a sketch)."""
    found = deltas.get(key)
    if found is None:
        found = deltas[key] = Rollup()
    return found


def _add_feedback(bucket: Rollup, score: float) -> None:
    bucket.feedback_count += 1
    bucket.feedback_sum += int(score)


def _add_quality(bucket: Rollup, score: float) -> None:
    bucket.quality_count += 1
    bucket.quality_sum += score


class MonitorThread:
    """Every `interval` seconds on a daemon thread: quality samples, then the rollups, then the alert rules (when
    there are any); scheduled drift on a second thread, since it embeds whole windows. A failed pass is logged
    and the next one resumes from the cursors."""

    def __init__(
        self,
        store: Store,
        interval: float = 10.0,
        alerts: AlertEvaluator | None = None,
        drift: DriftScheduler | None = None,
        quality: Callable[[], object] | None = None,
        apps: Mapping[str, Owned] | None = None,
        review: Callable[[], object] | None = None,
    ) -> None:
        self.worker = RollupWorker(store, apps=apps)
        self.quality = quality  # the sampler of quality scores, from the evals (monitoring imports no capability)
        self.review = review  # the review rule (`monitor.review`), from the guardrails' queue, likewise
        self.alerts = alerts
        self.drift = drift
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drift_thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(self.tick,), name="steward-monitor")
            self._thread.daemon = True
            self._thread.start()
        if self.drift is not None and self._drift_thread is None:
            # drift embeds whole windows (seconds to minutes): on its own thread, so alerts are never held back
            drift = self.drift
            self._drift_thread = threading.Thread(
                target=self._run, args=(lambda: drift.run_due(time.time()),), name="steward-drift", daemon=True
            )
            self._drift_thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in (self._thread, self._drift_thread):
            if thread is not None:
                thread.join(timeout=30)
        self._thread = self._drift_thread = None

    def tick(self) -> None:
        """Quality samples, then the rollups, then the alert rules (which read the rollups just folded), then the
        review rule (a failure of which is logged: it never holds back the rollups or the alerts)."""
        if self.quality is not None:
            self.quality()
        self.worker.catch_up()
        if self.alerts is not None:
            self.alerts.evaluate(time.time())
        if self.review is not None:
            try:
                self.review()
            except Exception:  # its cursor makes the next pass resume
                log.exception("monitor: the review rule failed; the next pass resumes from its cursor")

    def _run(self, step: Callable[[], object]) -> None:
        while not self._stop.wait(self.interval):
            try:
                step()
            except Exception:  # the store may be briefly unavailable; the cursors make the next pass resume
                log.exception("monitor: a pass failed; the next one resumes from the same cursors")
