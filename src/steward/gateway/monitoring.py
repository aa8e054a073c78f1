"""`steward serve`'s monitoring in a process of its own: rollups, quality samples, alert rules, scheduled drift.

Folding records is Python work (decoding bodies, merging sketches) that holds the interpreter lock for seconds
when traffic is high. On the serving process's thread it stretched the gateway's c=1 p99 from 2.6 ms to 8.0 ms
(`bench/gateway_ab.py`, session 9), so it runs in a child process (spawned, so nothing of the server's event loop
or sockets is inherited), with its own store on the same database. The parent only starts it and stops it; the
child also stops when the parent dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from steward.config import Project, Settings

STOP_WAIT_S = 30.0
WATCH_S = 1.0  # how often the server looks whether its monitoring child is still alive
MAX_BACKOFF_S = 60.0
log = logging.getLogger("steward.monitor")


def build_monitor(project: Project, store: Any) -> Any:
    """The MonitorThread of a project over an open store: rollups, and alerts, drift, quality and the review
    rule when set."""
    from steward.monitor.alerts import AlertEvaluator
    from steward.monitor.notify import Notifier
    from steward.monitor.schedule import DriftScheduler
    from steward.monitor.worker import MonitorThread

    spec, apps = project.monitor, list(project.apps)
    alerts = AlertEvaluator(store, spec, apps, Notifier(spec.channels)) if spec.alerts else None
    drift = None
    if spec.drift is not None:
        from steward.models.embeddings import get_embedder

        drift = DriftScheduler(store, spec.drift, apps, get_embedder)
    quality = None
    if spec.quality is not None:
        from steward.evals.online import QualitySampler

        quality = QualitySampler(store, spec.quality.share).run
    review = None
    if spec.review is not None:
        from steward.guardrails.review_rule import ReviewFiller

        review = ReviewFiller(store, spec.review).run
    return MonitorThread(store, spec.interval_s, alerts, drift, quality, apps=apps, review=review)


def _run(project: Project, settings: Settings, stop: Any, parent: int) -> None:
    """The child: open the store, run the monitor until told to stop or until the parent is gone."""
    import signal

    from steward.gateway.telemetry import configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops the child
    from steward.store import Store

    configure_logging("warning")
    synchronous = project.store.synchronous if settings.database_url.startswith("sqlite") else None
    with Store.open(settings.database_url, synchronous=synchronous, secrets=settings.secrets) as store:
        monitor = build_monitor(project, store)
        monitor.start()
        while not stop.wait(1.0) and os.getppid() == parent:
            pass
        monitor.stop()


@dataclass
class MonitorProcess:
    """The monitoring child, watched: one that dies (killed, out of memory) is logged and started again, or the
    server would go on serving with nothing folding records or evaluating alerts, and nobody told."""

    process: Any
    stop: Any
    project: Project
    settings: Settings
    restarts: int = 0
    _watcher: threading.Thread | None = None

    @classmethod
    def start(cls, project: Project, settings: Settings) -> MonitorProcess:
        stop = multiprocessing.get_context("spawn").Event()
        started = cls(None, stop, project, settings)
        started.process = started._spawn()
        started._watcher = threading.Thread(target=started._watch, name="steward-monitor-watch", daemon=True)
        started._watcher.start()
        return started

    def _spawn(self) -> Any:
        process = multiprocessing.get_context("spawn").Process(
            target=_run, args=(self.project, self.settings, self.stop, os.getpid()), name="steward-monitor",
            daemon=True,
        )  # fmt: skip
        process.start()
        return process

    def _watch(self) -> None:
        while not self.stop.is_set():
            self.process.join(WATCH_S)
            if self.stop.is_set() or self.process.is_alive():
                continue
            self.restarts += 1
            backoff = min(
                2.0**self.restarts, MAX_BACKOFF_S
            )  # a child that dies at once is not restarted in a loop
            log.error(
                "monitor: the monitoring process exited (code %s); starting it again in %.0f s (restart %d)",
                self.process.exitcode, backoff, self.restarts,
            )  # fmt: skip
            if not self.stop.wait(backoff):
                self.process = self._spawn()

    def close(self) -> None:
        self.stop.set()
        if self._watcher is not None:
            self._watcher.join(WATCH_S + 1)
        deadline = time.monotonic() + STOP_WAIT_S
        self.process.join(max(deadline - time.monotonic(), 0))
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
