"""The OpenAI-compatible HTTP backend against a real loopback server that plays scripted upstream behaviours.

The server is a stdlib `ThreadingHTTPServer`: each request takes the next behaviour from a queue (a JSON answer
with a status and headers, an SSE stream, a hang, garbage), and records what it was sent, so the tests check
the wire format as well as the backend's retries, timeouts and errors.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from tests.model_fixtures import serve_http

from steward.config import ModelSpec, Settings, load_project_text
from steward.errors import ContextTooLong, InvalidRequest, ModelError
from steward.models.openai_http import OpenAIHTTPModel
from steward.models.router import ModelPool
from steward.types import GenerationParams, Message

USER = [Message("system", "be brief"), Message("user", "What gate for BA117?")]


def chat_answer(text: str, model: str = "upstream-model", fingerprint: str | None = "fp_1") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "system_fingerprint": fingerprint,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
    }


def sse_events(pieces: list[str], usage: bool = True) -> list[str]:
    events = [json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]})]
    events += [
        json.dumps({"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}) for p in pieces
    ]
    events.append(json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}))
    if usage:
        events.append(json.dumps({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": len(pieces)}}))
    return [*events, "[DONE]"]


@dataclass
class Upstream:
    """What the fake upstream will do next, and what it received."""

    behaviours: deque[tuple[str, Any]] = field(default_factory=deque)
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def then(self, kind: str, value: Any = None) -> Upstream:
        self.behaviours.append((kind, value))
        return self


def make_handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            upstream.received.append(json.loads(self.rfile.read(length)))
            upstream.headers.append({k.lower(): v for k, v in self.headers.items()})
            kind, value = upstream.behaviours.popleft() if upstream.behaviours else ("json", (500, {}, {}))
            if kind == "json":
                status, body, headers = value
                self.send(status, json.dumps(body).encode(), headers)
            elif kind == "raw":
                self.send(200, value.encode())
            elif kind == "hang":
                time.sleep(value)
                self.send(200, json.dumps(chat_answer("too late")).encode())
            elif kind == "sse":
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                for event in value:
                    self.wfile.write(f"data: {event}\n\n".encode())
                    self.wfile.flush()
                self.close_connection = True

    return Handler


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    state = Upstream()
    with serve_http(make_handler(state)) as url:
        state.url = url
        yield state


def backend(upstream: Upstream, **spec: Any) -> OpenAIHTTPModel:
    values: dict[str, Any] = {
        "backend": "openai",
        "base_url": upstream.url,
        "remote_model": "remote-x",
        "timeout_s": 2.0,
        "max_retries": 2,
    }
    values.update(spec)
    model = OpenAIHTTPModel("remote", ModelSpec(**values))
    model.backoff_base_s = 0.01  # keep the test quick; the backoff formula itself is unchanged
    return model


async def call(model: OpenAIHTTPModel, params: GenerationParams | None = None) -> Any:
    try:
        return await model.complete(USER, params or GenerationParams())
    finally:
        await model.aclose()


async def stream_all(model: OpenAIHTTPModel) -> list[Any]:
    try:
        return [delta async for delta in model.stream(USER, GenerationParams(max_tokens=5))]
    finally:
        await model.aclose()


def test_success_sends_openai_wire_format_and_reads_usage_and_fingerprint(
    upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTREAM_KEY", "sk-test")
    upstream.then("json", (200, chat_answer("Gate 12."), {}))
    schema = {"type": "object", "properties": {"gate": {"type": "string"}}}
    params = GenerationParams(temperature=0.1, seed=7, max_tokens=20, stop=("\n\n",), json_schema=schema)
    result = asyncio.run(call(backend(upstream, api_key="$env:UPSTREAM_KEY"), params))
    assert (result.text, result.finish_reason) == ("Gate 12.", "stop")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (11, 3)
    assert result.model_fingerprint == "upstream-model/fp_1"
    sent = upstream.received[0]
    assert sent["model"] == "remote-x" and sent["seed"] == 7 and sent["stop"] == ["\n\n"]
    assert sent["messages"][1] == {"role": "user", "content": "What gate for BA117?"}
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": schema},
    }
    assert "top_p" not in sent  # unset parameters are left to the server
    assert upstream.headers[0]["authorization"] == "Bearer sk-test"


def test_stream_yields_deltas_then_usage(upstream: Upstream) -> None:
    upstream.then("sse", sse_events(["Gate", " 12", "."]))
    deltas = asyncio.run(stream_all(backend(upstream)))
    assert [d.text for d in deltas[:-1]] == ["Gate", " 12", "."]
    assert deltas[-1].finish_reason == "length"
    assert deltas[-1].usage is not None and deltas[-1].usage.prompt_tokens == 9
    assert upstream.received[0]["stream"] is True
    assert upstream.received[0]["stream_options"] == {"include_usage": True}


def test_429_is_retried_after_the_retry_after_delay(upstream: Upstream) -> None:
    upstream.then("json", (429, {"error": {"message": "slow down"}}, {"retry-after": "1"}))
    upstream.then("json", (200, chat_answer("ok"), {}))
    started = time.perf_counter()
    result = asyncio.run(call(backend(upstream)))
    assert result.text == "ok"
    assert len(upstream.received) == 2
    assert time.perf_counter() - started >= 0.95  # it waited as told, not the 10 ms backoff


def test_repeated_5xx_gives_model_error_after_all_attempts(upstream: Upstream) -> None:
    for _ in range(3):
        upstream.then("json", (503, {"error": {"message": "overloaded"}}, {}))
    with pytest.raises(ModelError, match=r"answered 503: overloaded \(3 attempts\)"):
        asyncio.run(call(backend(upstream, max_retries=2)))
    assert len(upstream.received) == 3


def test_other_4xx_is_not_retried_and_carries_the_upstream_message(upstream: Upstream) -> None:
    upstream.then("json", (400, {"error": {"message": "temperature must be <= 2"}}, {}))
    with pytest.raises(InvalidRequest, match="temperature must be <= 2"):
        asyncio.run(call(backend(upstream)))
    upstream.then("json", (400, {"error": {"message": "too many tokens", "code": "context_length_exceeded"}}, {}))
    with pytest.raises(ContextTooLong, match="shorten the input"):
        asyncio.run(call(backend(upstream)))
    upstream.then("json", (401, {"error": {"message": "bad key"}}, {}))
    with pytest.raises(ModelError, match="bad key; check api_key"):
        asyncio.run(call(backend(upstream)))
    assert len(upstream.received) == 3


def test_a_hanging_upstream_times_out(upstream: Upstream) -> None:
    upstream.then("hang", 3.0)
    with pytest.raises(ModelError, match=r"did not answer within 0.5 s \(1 attempt\)"):
        asyncio.run(call(backend(upstream, timeout_s=0.5, max_retries=0)))


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (("raw", "<html>502 Bad Gateway</html>"), "not a chat completion"),
        (("json", (200, {"object": "list", "data": []}, {})), "not a chat completion"),
        (("sse", ["{not json"]), "not JSON"),
        (("sse", [json.dumps({"choices": [{"delta": {"content": "Ga"}, "finish_reason": None}]})]), "closed the"),
    ],
)
def test_garbage_from_upstream_is_a_model_error(
    upstream: Upstream, behaviour: tuple[str, Any], message: str
) -> None:
    upstream.then(*behaviour)
    if behaviour[0] == "sse":
        with pytest.raises(ModelError, match=message):
            asyncio.run(stream_all(backend(upstream)))
    else:
        with pytest.raises(ModelError, match=message):
            asyncio.run(call(backend(upstream)))


def test_route_falls_back_from_a_failing_upstream_to_the_next_model(upstream: Upstream, tmp_path: Any) -> None:
    project = load_project_text(
        f"""
version: 1
models:
  primary: {{backend: openai, base_url: "{upstream.url}", max_retries: 1, timeout_s: 2}}
  backup: {{backend: openai, base_url: "{upstream.url}", remote_model: backup-model}}
apps:
  desk: {{owner: o@example.com, purpose: test, route: [{{model: primary}}], fallback: [backup]}}
""",
        "test.yaml",
    )
    pool = ModelPool(project, Settings(home=tmp_path, database_url="sqlite://"))
    upstream.then("json", (500, {"error": {"message": "boom"}}, {})).then("json", (502, "bad gateway", {}))
    upstream.then("json", (200, chat_answer("from backup", model="backup-model"), {}))

    async def run() -> Any:
        try:
            return await pool.route("desk").complete(USER, GenerationParams())
        finally:
            await pool.aclose()

    served = asyncio.run(run())
    assert served.completion.text == "from backup"
    assert [a.model for a in served.attempts] == ["primary", "backup"]
    assert "answered 502" in (served.attempts[0].error or "")
    assert [body["model"] for body in upstream.received] == ["primary", "primary", "backup-model"]


def test_the_served_gateway_calls_the_upstream_on_uvloop_streamed_or_not(
    upstream: Upstream, tmp_path: Any
) -> None:
    """`steward serve` runs on uvloop: the upstream client must work on its transports, not only asyncio's."""
    openai = pytest.importorskip("openai")
    from tests.gateway_fixtures import LiveServer, make_runtime

    runtime = make_runtime(
        tmp_path,
        f"""
version: 1
models:
  remote: {{backend: openai, base_url: "{upstream.url}", remote_model: remote-x, max_retries: 0}}
apps:
  desk: {{owner: o@example.com, purpose: test, route: [{{model: remote}}]}}
""",
    )
    key, _ = runtime.store.create_key(role="app", name="t")
    upstream.then("json", (200, chat_answer("Gate 12."), {})).then("sse", sse_events(["Gate", " 12."]))
    try:
        with LiveServer(runtime) as live:
            assert live.server.config.loop in ("auto", "uvloop")
            client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0, timeout=30)
            plain = client.chat.completions.create(model="desk", messages=[{"role": "user", "content": "Gate?"}])
            chunks = client.chat.completions.create(
                model="desk", messages=[{"role": "user", "content": "Gate?"}], stream=True
            )
            streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        statuses = [r.status for r in runtime.store.list_records(app="desk")]
    finally:
        runtime.store.close()
    assert plain.choices[0].message.content == "Gate 12."
    assert streamed == "Gate 12."
    assert [body["model"] for body in upstream.received] == ["remote-x", "remote-x"]
    assert statuses == ["served", "served"]


def test_tools_are_forwarded_and_the_upstreams_tool_calls_come_back(upstream: Upstream) -> None:
    answer = chat_answer("")
    answer["choices"][0]["message"]["content"] = None
    answer["choices"][0]["message"]["tool_calls"] = [
        {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "BA117"}'}}
    ]
    answer["choices"][0]["finish_reason"] = "tool_calls"
    upstream.then("json", (200, answer, {}))
    tools = ({"type": "function", "function": {"name": "lookup", "description": "d", "parameters": {}}},)
    completion = asyncio.run(call(backend(upstream), GenerationParams(tools=tools, tool_choice="auto")))
    assert upstream.received[0]["tools"] == list(tools) and upstream.received[0]["tool_choice"] == "auto"
    assert completion.finish_reason == "tool_calls" and completion.text == ""
    assert [(c.id, c.name, c.arguments) for c in completion.tool_calls] == [("call_1", "lookup", '{"q": "BA117"}')]


def test_malformed_tool_calls_from_the_upstream_are_a_clear_model_error(upstream: Upstream) -> None:
    answer = chat_answer("")
    answer["choices"][0]["message"]["tool_calls"] = [{"id": "call_1"}]
    upstream.then("json", (200, answer, {}))
    with pytest.raises(ModelError, match="malformed tool calls"):
        asyncio.run(call(backend(upstream)))
