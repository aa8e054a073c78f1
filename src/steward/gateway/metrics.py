"""Prometheus metrics of the gateway: requests, latency, tokens, cost and errors per app and model, and the
record store's commits.

Each `Metrics` owns its registry, so several gateways (tests, one process serving two projects) never collide
on the global one. `/metrics` renders it in the Prometheus text format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.utils import floatToGoString

from steward.monitor.rollups import Owned, app_teams, counted_app, counted_model
from steward.store import COMMIT_BUCKETS, WriterStats
from steward.types import Record

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """The children of one (app, model, status): looked up once, since `labels()` locks and validates."""

    requests: Any
    latency: Any


@dataclass(frozen=True, slots=True)
class _ModelUse:
    """The children of one (app, model) for records that reached a model."""

    model_latency: Any
    prompt_tokens: Any
    completion_tokens: Any
    cost: Any


class Metrics:
    """The gateway's counters and histograms. `apps`: the apps of the config; a record naming any other (a
    caller's typo, answered 404), or another team's app than its key's, is counted under `(unknown)`, as the
    rollups count it (`counted_app`). None labels every app by its own name."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, apps: Mapping[str, Owned] | None = None) -> None:
        self.teams = app_teams(apps)
        self.registry = CollectorRegistry()
        labels = ("app", "model", "status")
        self.requests = Counter("steward_requests", "Requests served, by outcome", labels, registry=self.registry)
        self.latency = self._latency("steward_request_latency_seconds", "End-to-end request latency")
        self.model_latency = self._latency("steward_model_latency_seconds", "Time spent in the model")
        self.tokens = Counter(
            "steward_tokens", "Tokens processed", ("app", "model", "kind"), registry=self.registry
        )
        self.cost = Counter("steward_cost", "Cost of model calls", ("app", "model"), registry=self.registry)
        self.errors = Counter(
            "steward_errors", "Failed requests by error code", ("app", "code"), registry=self.registry
        )
        self._outcomes: dict[tuple[str, str, str], _Outcome] = {}
        self._model_uses: dict[tuple[str, str], _ModelUse] = {}

    def _latency(self, name: str, documentation: str) -> Histogram:
        """A latency histogram per (app, model), in seconds."""
        return Histogram(name, documentation, ("app", "model"), buckets=LATENCY_BUCKETS, registry=self.registry)

    def observe(self, record: Record, error_code: str | None = None) -> None:
        # a failed route counts under the model it tried first, as in the rollups ("none": no model was tried)
        if record.model:
            model = record.model.id
        else:
            model = counted_model(None, [attempt.model for attempt in record.attempts]) or "none"
        status = record.outcome  # a caller's mistake is `client_error`, not `failed`
        app = counted_app(record.app, record.team, self.teams)
        outcome = self._outcomes.get((app, model, status))
        if outcome is None:
            outcome = self._outcomes[(app, model, status)] = _Outcome(
                self.requests.labels(app, model, status), self.latency.labels(app, model)
            )
        outcome.requests.inc()
        outcome.latency.observe(record.latency.total_ms / 1000.0)
        if record.model is not None:
            use = self._model_uses.get((app, model)) or self._add_model_use(app, model)
            use.model_latency.observe(record.latency.model_ms / 1000.0)
            use.prompt_tokens.inc(record.usage.prompt_tokens)
            use.completion_tokens.inc(record.usage.completion_tokens)
            use.cost.inc(record.cost)
        if error_code is not None:
            self.errors.labels(app, error_code).inc()

    def _add_model_use(self, app: str, model: str) -> _ModelUse:
        use = self._model_uses[(app, model)] = _ModelUse(
            model_latency=self.model_latency.labels(app, model),
            prompt_tokens=self.tokens.labels(app, model, "prompt"),
            completion_tokens=self.tokens.labels(app, model, "completion"),
            cost=self.cost.labels(app, model),
        )
        return use

    def watch_store(self, stats: WriterStats) -> None:
        """Export the record writer's counters and commit latency, read at scrape time."""
        self.registry.register(_StoreCollector(stats))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _StoreCollector:
    """The record writer's own statistics: a store that fails or slows down shows here before anywhere else."""

    def __init__(self, stats: WriterStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        yield CounterMetricFamily("steward_record_commits", "Transactions that committed records", stats.batches)
        yield CounterMetricFamily("steward_records_stored", "Records committed", stats.rows)
        yield CounterMetricFamily(
            "steward_records_stored_inline",
            "Records committed on the event loop (a request alone)",
            stats.inline_rows,
        )
        yield CounterMetricFamily(
            "steward_records_failed",
            "Records that could not be stored; their requests were answered with an error",
            stats.failed_rows,
        )
        buckets, cumulative = [], 0
        for bound, count in zip((*COMMIT_BUCKETS, float("inf")), list(stats.commit_counts), strict=True):
            cumulative += count
            buckets.append((floatToGoString(bound), cumulative))
        yield HistogramMetricFamily(
            "steward_record_commit_seconds",
            "Time one commit of records took (insert, token update, commit; with SQLite FULL, the disk flush)",
            buckets=buckets,
            sum_value=stats.commit_seconds,
        )
