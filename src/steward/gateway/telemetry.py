"""Structured JSON logs and OTLP trace export.

Logs: one JSON object per line on stderr, with the record id of the request a line belongs to. Traces: when
an OTLP endpoint is configured (`telemetry.otlp_endpoint` in steward.yaml, or `STEWARD_OTLP_ENDPOINT`), each
finished record becomes a span (`steward.request`) with a child span per stage, built from the record's own
timings after the response — tracing adds nothing to the request path, and nothing at all when it is off.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

from steward.types import Record

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per log line; `extra=` fields are kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 6),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger("steward")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


class RecordTracer:
    """Exports finished records as OTLP spans."""

    def __init__(self, endpoint: str, service_name: str = "steward") -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        url = endpoint.rstrip("/")
        if not url.endswith("/v1/traces"):
            url += "/v1/traces"
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url, timeout=5)))
        self.tracer = self.provider.get_tracer("steward.gateway")

    def observe(self, record: Record) -> None:
        from opentelemetry import trace

        start = int(record.created_at * 1e9)
        end = int((record.finished_at or time.time()) * 1e9)
        attributes: dict[str, Any] = {
            "steward.record_id": record.id,
            "steward.app": record.app,
            "steward.status": record.status,
            "gen_ai.request.model": record.model.id if record.model else "",
            "gen_ai.usage.input_tokens": record.usage.prompt_tokens,
            "gen_ai.usage.output_tokens": record.usage.completion_tokens,
        }
        span = self.tracer.start_span("steward.request", start_time=start, attributes=attributes)
        context = trace.set_span_in_context(span)
        cursor = start
        for stage, ms in (
            ("auth", record.latency.auth_ms),
            ("guardrails", record.latency.guardrails_ms),
            ("retrieval", record.latency.retrieval_ms),
            ("model", record.latency.model_ms),
        ):
            if ms <= 0:
                continue
            child = self.tracer.start_span(f"steward.{stage}", context=context, start_time=cursor)
            cursor += int(ms * 1e6)
            child.end(end_time=min(cursor, end))
        span.end(end_time=end)

    def shutdown(self) -> None:
        self.provider.shutdown()


def tracer_from(endpoint: str | None, service_name: str) -> RecordTracer | None:
    """The tracer for the endpoint the settings resolved (`Settings.otlp_endpoint`); None: tracing is off."""
    return RecordTracer(endpoint, service_name) if endpoint else None
