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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from steward.config import Project, Settings

if TYPE_CHECKING:
    from steward.monitor.worker import MonitorThread
    from steward.store import Store

STOP_WAIT_S = 30.0
WATCH_S = 1.0  # how often the server looks whether its monitoring child is still alive
MAX_BACKOFF_S = 60.0
# The child yields the CPU to the server it watches: folding is catch-up work, a request is not. At the default
# niceness its bursts of folding shared the cores with the event loop and moved the gateway's c=1 p99
# (`bench/gateway_ab.py` on 2 cores); at 10 it still gets about a tenth of a busy core, more than folding needs.
NICENESS = 10
log = logging.getLogger("steward.monitor")


def build_monitor(project: Project, store: Store) -> MonitorThread:
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
    return MonitorThread(store, spec.interval_s, alerts, drift, quality, apps=project.apps, review=review)


def _run(project: Project, settings: Settings, parent: int) -> None:
    """The child: open the store, run the monitor until SIGTERM (the server stopping it) or the parent is gone.

    The stop is a signal, not a multiprocessing.Event: an Event's lock is shared with the parent, and a child
    killed while holding it (SIGKILL, the OOM killer) left `steward serve` hanging for good when it stopped."""
    import signal

    from steward.gateway.telemetry import configure_logging

    os.nice(NICENESS)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops the child
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    from steward.store import Store

    configure_logging("warning")
    synchronous = project.store.synchronous if settings.database_url.startswith("sqlite") else None
    with Store.open(settings.database_url, synchronous=synchronous, secrets=settings.secrets) as store:
        monitor = build_monitor(project, store)
        monitor.start()
        while not stopping.wait(1.0) and os.getppid() == parent:
            pass
        monitor.stop()


@dataclass
class MonitorProcess:
    """The monitoring child, watched: one that dies (killed, out of memory) is logged and started again, or the
    server would go on serving with nothing folding records or evaluating alerts, and nobody told."""

    process: Any
    project: Project
    settings: Settings
    restarts: int = 0
    closing: threading.Event = field(default_factory=threading.Event)
    _watcher: threading.Thread | None = None

    @classmethod
    def start(cls, project: Project, settings: Settings) -> MonitorProcess:
        started = cls(None, project, settings)
        started.process = started._spawn()
        started._watcher = threading.Thread(target=started._watch, name="steward-monitor-watch", daemon=True)
        started._watcher.start()
        return started

    def _spawn(self) -> Any:
        process = multiprocessing.get_context("spawn").Process(
            target=_run, args=(self.project, self.settings, os.getpid()), name="steward-monitor", daemon=True
        )
        process.start()
        return process

    def _watch(self) -> None:
        while not self.closing.is_set():
            self.process.join(WATCH_S)
            if self.closing.is_set() or self.process.is_alive():
                continue
            self.restarts += 1
            # a child that dies at once is not restarted in a tight loop
            backoff = min(2.0**self.restarts, MAX_BACKOFF_S)
            log.error(
                "monitor: the monitoring process exited (code %s); starting it again in %.0f s (restart %d)",
                self.process.exitcode, backoff, self.restarts,
            )  # fmt: skip
            if not self.closing.wait(backoff):
                self.process = self._spawn()

    def close(self) -> None:
        self.closing.set()
        if self._watcher is not None:
            self._watcher.join(WATCH_S + 1)
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: the child finishes its pass and closes its store
        self.process.join(STOP_WAIT_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
