"""Drift on a schedule: `steward serve` compares each app's windows every `monitor.drift.every` and keeps the run.

A run whose windows hold too few records is skipped (logged, nothing stored): a quiet app is not a drifting
one. Each stored run (`store.monitoring.drift_runs`) feeds alert rules on the `drift` metric, and
`steward monitor drift-runs` lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from steward.config.monitor import DriftSchedule
from steward.errors import InvalidRequest
from steward.monitor.drift import detect_drift
from steward.monitor.windows import TextEmbedder, load_window, parse_window
from steward.store import Store
from steward.types import new_id

log = logging.getLogger("steward.monitor")


class DriftScheduler:
    def __init__(
        self,
        store: Store,
        schedule: DriftSchedule,
        apps: Iterable[str],
        embedder: Callable[[], TextEmbedder] | None = None,
    ) -> None:
        """`embedder` makes the text embedder on first use (the caller's: monitoring loads no model itself);
        without one, or with `embeddings: false`, the embedding signals are skipped."""
        self.store = store
        self.schedule = schedule
        self.apps = sorted(apps) if "*" in schedule.apps else sorted(schedule.apps)
        self._make_embedder = embedder
        self._embedder: TextEmbedder | None = None
        self._skipped: dict[str, float] = {}  # app -> when its last run was skipped (nothing stored)

    def due(self, app: str, now: float) -> bool:
        """Due `every` after its last run, stored or skipped: a skipped run stores nothing, and without this the
        app was due again at every pass (every `interval_s`), re-reading its windows each time."""
        skipped = self._skipped.get(app)
        if skipped is not None and now - skipped < self.schedule.every_s:
            return False
        return self._due_by_runs(app, now)

    def _due_by_runs(self, app: str, now: float) -> bool:
        last = self.store.monitoring.drift_runs(app, limit=1)
        return not last or now - float(last[0]["at"]) >= self.schedule.every_s

    def run_due(self, now: float) -> list[str]:
        """Run drift for every app that is due; the ids of the runs stored."""
        stored = []
        for app in self.apps:
            if not self.due(app, now):
                continue
            try:
                stored.append(self.run(app, now))
            except InvalidRequest as exc:  # too few records in a window: nothing to compare yet
                self._skipped[app] = now  # a warning: the monitoring process does not print info
                log.warning(
                    "monitor: drift of %s skipped until its next run (%s): %s", app, self.schedule.every, exc
                )
            except Exception:
                self._skipped[app] = now
                log.exception("monitor: the drift run of %s failed; the other apps go on", app)
        return stored

    def run(self, app: str, now: float) -> str:
        windows = [parse_window(self.schedule.reference, now), parse_window(self.schedule.current, now)]
        embedder = self._embedder_if_wanted()
        limit = self.schedule.max_records
        samples = [load_window(self.store, app, w, embedder=embedder, max_records=limit) for w in windows]
        report = detect_drift(app, samples[0], samples[1], alpha=self.schedule.alpha)
        run_id = new_id("drf")
        self.store.monitoring.save_drift_run(run_id, app, now, report.drifted, report.as_dict())
        if report.drifted:
            names = ", ".join(s.name for s in report.signals if s.drifted)
            log.warning("monitor: %s drifted (%s); run %s", app, names, run_id)
        return run_id

    def _embedder_if_wanted(self) -> TextEmbedder | None:
        if not self.schedule.embeddings or self._make_embedder is None:
            return None
        if self._embedder is None:
            self._embedder = self._make_embedder()
        return self._embedder
