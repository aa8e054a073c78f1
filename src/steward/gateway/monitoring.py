"""`steward serve`'s monitoring in a process of its own: rollups, quality samples, alert rules, scheduled drift.

Folding records is Python work (decoding bodies, merging sketches) that holds the interpreter lock for seconds
when traffic is high. On the serving process's thread it stretched the gateway's c=1 p99 from 2.6 ms to 8.0 ms
(`bench/gateway_ab.py`, session 9), so it runs in a child process (spawned, so nothing of the server's event loop
or sockets is inherited), with its own store on the same database. The parent only starts it and stops it; the
child also stops when the parent dies.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from typing import Any

from steward.config import Project, Settings

STOP_WAIT_S = 30.0


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
    process: Any
    stop: Any

    @classmethod
    def start(cls, project: Project, settings: Settings) -> MonitorProcess:
        context = multiprocessing.get_context("spawn")
        stop = context.Event()
        process = context.Process(
            target=_run, args=(project, settings, stop, os.getpid()), name="steward-monitor", daemon=True
        )
        process.start()
        return cls(process, stop)

    def close(self) -> None:
        self.stop.set()
        deadline = time.monotonic() + STOP_WAIT_S
        self.process.join(max(deadline - time.monotonic(), 0))
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
