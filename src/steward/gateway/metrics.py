"""Prometheus metrics of the gateway: requests, latency, tokens, cost and errors per app and model.

Each `Metrics` owns its registry, so several gateways (tests, one process serving two projects) never collide
on the global one. `/metrics` renders it in the Prometheus text format.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from steward.types import Record

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    """The gateway's counters and histograms."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("app", "model", "status")
        self.requests = Counter("steward_requests", "Requests served, by outcome", labels, registry=self.registry)
        self.latency = Histogram(
            "steward_request_latency_seconds",
            "End-to-end request latency",
            ("app", "model"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.model_latency = Histogram(
            "steward_model_latency_seconds",
            "Time spent in the model",
            ("app", "model"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tokens = Counter(
            "steward_tokens", "Tokens processed", ("app", "model", "kind"), registry=self.registry
        )
        self.cost = Counter("steward_cost", "Cost of model calls", ("app", "model"), registry=self.registry)
        self.errors = Counter(
            "steward_errors", "Failed requests by error code", ("app", "code"), registry=self.registry
        )

    def observe(self, record: Record, error_code: str | None = None) -> None:
        model = record.model.id if record.model else "none"
        self.requests.labels(record.app, model, record.status).inc()
        self.latency.labels(record.app, model).observe(record.latency.total_ms / 1000.0)
        if record.model is not None:
            self.model_latency.labels(record.app, model).observe(record.latency.model_ms / 1000.0)
            self.tokens.labels(record.app, model, "prompt").inc(record.usage.prompt_tokens)
            self.tokens.labels(record.app, model, "completion").inc(record.usage.completion_tokens)
            self.cost.labels(record.app, model).inc(record.cost)
        if error_code is not None:
            self.errors.labels(record.app, error_code).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
