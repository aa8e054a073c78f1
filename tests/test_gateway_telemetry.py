"""Structured JSON logs, OTLP trace export to a loopback collector, and the in-process client."""

from __future__ import annotations

import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from tests.gateway_fixtures import SCRIPTED_PROJECT, make_runtime

from steward.client import Client
from steward.gateway.telemetry import JsonFormatter, RecordTracer


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        _Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def test_records_are_exported_as_otlp_spans(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime = make_runtime(tmp_path)
    runtime.gateway.tracer = RecordTracer(f"http://127.0.0.1:{server.server_port}", "steward-test")
    with Client(runtime=runtime) as client:
        result = client.chat("demo", "hello")
        runtime.gateway.tracer.provider.force_flush()
    server.shutdown()
    paths = [path for path, _ in _Collector.received]
    assert paths and set(paths) == {"/v1/traces"}
    payload = b"".join(body for _, body in _Collector.received)
    assert b"steward.request" in payload and b"steward.model" in payload
    assert result.record.id.encode() in payload


def test_each_request_logs_one_json_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("steward.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with Client(runtime=make_runtime(tmp_path)) as client:
            result = client.chat("demo", "hello")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["record"] == result.record.id and lines[0]["status"] == "served" and lines[0]["app"] == "demo"


def test_in_process_client_streams_and_records(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, SCRIPTED_PROJECT)
    with Client(runtime=runtime) as client:
        pieces = list(client.stream("demo", [{"role": "user", "content": "hi"}]))
        assert "".join(pieces) == "Hello from A." and len(pieces) > 1
        assert client.last_result is not None
        stored = runtime.store.get_record(client.last_result.record.id)
        assert stored.stream and stored.output == "Hello from A." and stored.key_id is None
