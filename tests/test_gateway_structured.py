"""An app's `response_schema` through the gateway, on scripted models: it holds on every backend, streamed or
not, with or without guardrails. A remote model gets one re-ask; a llama.cpp answer (here a scripted model that
reports the llama_cpp backend) is constrained while it decodes, so it fails only when cut short, and is not
re-asked: the client gets a clear 502 that says to raise max_tokens, and nothing malformed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from tests.gateway_fixtures import make_runtime
from tests.guard_fixtures import GUARD_PROJECT

from steward.client import Client
from steward.errors import InvalidRequest
from steward.gateway.assemble import Runtime
from steward.gateway.errors_http import status_of
from steward.gateway.requests import parse_chat_body
from steward.guardrails import StructuredOutputError

SCHEMA = {
    "type": "object",
    "required": ["flight", "gate"],
    "properties": {"flight": {"type": "string"}, "gate": {"type": "string"}},
}
VALID = '{"flight": "BA117", "gate": "B12"}'

PROJECT = f"""
version: 1
models:
  remote: {{backend: scripted}}
  local: {{backend: scripted}}
apps:
  summary:
    owner: qa@example.com
    purpose: Booking summaries as JSON.
    route: [{{model: remote}}]
    params: {{max_tokens: 64}}
    response_schema: {SCHEMA}
  local-summary:
    owner: qa@example.com
    purpose: Booking summaries as JSON, on a local model.
    route: [{{model: local}}]
    params: {{max_tokens: 64}}
    response_schema: {SCHEMA}
  free:
    owner: qa@example.com
    purpose: Whatever the client asks for, in the format it asks for.
    route: [{{model: remote}}]
    params: {{max_tokens: 64}}
"""


def _as_llama_cpp(runtime: Runtime, model_id: str) -> None:
    model = runtime.gateway.models.get(model_id)
    model.ref = dataclasses.replace(model.ref, backend="llama_cpp")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path_factory.mktemp("structured"), PROJECT)
    _as_llama_cpp(rt, "local")
    yield rt
    rt.store.close()


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[Client]:
    yield Client(runtime=runtime)


def _model(runtime: Runtime, model_id: str):  # type: ignore[no-untyped-def]
    return runtime.gateway.models.get(model_id)


def _failed_record(runtime: Runtime, error: StructuredOutputError):  # type: ignore[no-untyped-def]
    assert status_of(error)[0] == 502 and error.code == "invalid_structured_output" and error.record_id
    record = runtime.store.get_record(error.record_id)
    assert record.status == "failed" and record.error == error.message
    assert record.output is None  # the malformed answer is neither sent nor kept
    return record


def test_no_guard_is_needed_for_the_schema_to_hold(runtime: Runtime) -> None:
    assert runtime.gateway.guard is None


def test_a_remote_answer_that_breaks_the_schema_is_reasked_once(client: Client, runtime: Runtime) -> None:
    model = _model(runtime, "remote")
    model.enqueue("The flight is BA117, gate B12.", VALID)
    result = client.chat("summary", "Summarise my booking.")
    assert result.text == VALID and result.record.status == "served"
    reask, _ = model.history[-1]
    assert reask[-2].content == "The flight is BA117, gate B12." and "required JSON schema" in reask[-1].content
    assert result.record.usage.completion_tokens == 6 + 4  # both answers are paid for


def test_a_remote_answer_still_invalid_after_the_reask_fails_closed(client: Client, runtime: Runtime) -> None:
    _model(runtime, "remote").enqueue('{"flight": "BA117"}', '{"flight": "BA117"}')
    with pytest.raises(StructuredOutputError, match="after one re-ask") as caught:
        client.chat("summary", "Summarise my booking.")
    assert "'gate' is a required property" in caught.value.message
    record = _failed_record(runtime, caught.value)
    assert record.model is not None and record.model.id == "remote" and record.usage.completion_tokens == 4


def test_a_cut_off_local_answer_fails_closed_without_a_reask(client: Client, runtime: Runtime) -> None:
    model = _model(runtime, "local")
    model.enqueue(VALID)
    calls = len(model.history)
    with pytest.raises(StructuredOutputError, match="cut off at max_tokens=2") as caught:
        client.chat("local-summary", "Summarise my booking.", max_tokens=2)
    assert "raise max_tokens" in caught.value.message and "re-ask" not in caught.value.message
    assert len(model.history) == calls + 1  # a re-ask would be cut off at the same place
    record = _failed_record(runtime, caught.value)
    assert record.finish_reason == "length" and record.usage.completion_tokens == 2
    assert record.model is not None and record.model.backend == "llama_cpp"


def test_a_complete_local_answer_is_served(client: Client, runtime: Runtime) -> None:
    _model(runtime, "local").enqueue(VALID)
    result = client.chat("local-summary", "Summarise my booking.")
    assert result.text == VALID and result.finish_reason == "stop" and result.record.status == "served"


@pytest.mark.parametrize(("app", "model_id"), [("summary", "remote"), ("local-summary", "local")])
def test_streamed_structured_output_is_released_only_whole_and_valid(
    client: Client, runtime: Runtime, app: str, model_id: str
) -> None:
    model = _model(runtime, model_id)
    model.enqueue(VALID)
    assert list(client.stream(app, "Summarise my booking.")) == [VALID]
    assert client.last_result is not None and client.last_result.record.stream

    model.enqueue(VALID, VALID)  # cut off twice: the remote model's re-ask is cut off too
    pieces: list[str] = []
    with pytest.raises(StructuredOutputError, match="cut off at max_tokens=3") as caught:
        pieces.extend(client.stream(app, "Summarise my booking.", max_tokens=3))
    assert pieces == []  # nothing reached the client before the check
    assert _failed_record(runtime, caught.value).stream


def test_the_app_schema_is_what_the_model_is_constrained_to(client: Client, runtime: Runtime) -> None:
    model = _model(runtime, "local")
    model.enqueue(VALID)
    client.chat("local-summary", "Summarise my booking.", json_schema={"type": "array"})
    _, params = model.history[-1]
    assert params.json_schema == SCHEMA


def test_a_policy_schema_rule_gives_the_same_clear_error_as_a_failed_reask(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With guardrails attached, a cut-off local answer is a 502 too, not a content-filter refusal."""
    runtime = make_runtime(tmp_path_factory.mktemp("structured-guard"), GUARD_PROJECT)
    _as_llama_cpp(runtime, "scripted")
    _model(runtime, "scripted").enqueue(VALID)
    with Client(runtime=runtime) as guarded:
        with pytest.raises(StructuredOutputError, match="cut off at max_tokens=2") as caught:
            guarded.chat("strict", "Summarise my booking.", max_tokens=2)
        _failed_record(runtime, caught.value)


def test_a_client_schema_is_held_on_a_remote_backend_like_the_app_schema(client: Client, runtime: Runtime) -> None:
    model = _model(runtime, "remote")
    model.enqueue("The flight is BA117, gate B12.", "Still prose: BA117 at B12.")
    with pytest.raises(
        StructuredOutputError, match="the request's response_format schema after one re-ask"
    ) as caught:
        client.chat("free", "Summarise my booking.", json_schema=SCHEMA)
    _failed_record(runtime, caught.value)
    _, params = model.history[-1]
    assert params.json_schema == SCHEMA  # forwarded, and checked

    model.enqueue("Prose first.", VALID)
    result = client.chat("free", "Summarise my booking.", json_schema=SCHEMA)
    assert result.text == VALID and result.record.status == "served"


def test_a_client_schema_streams_only_whole_and_valid(client: Client, runtime: Runtime) -> None:
    _model(runtime, "remote").enqueue("Not JSON.", "Not JSON either.")
    pieces: list[str] = []
    with pytest.raises(StructuredOutputError, match="response_format"):
        pieces.extend(client.stream("free", "Summarise my booking.", json_schema={"type": "object"}))
    assert pieces == []


def test_a_client_schema_that_is_not_a_schema_is_a_clear_400() -> None:
    body = {
        "model": "free",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": 5}}},
    }
    with pytest.raises(InvalidRequest, match="not a valid JSON schema") as caught:
        parse_chat_body(body)
    assert caught.value.param == "response_format"
    body["response_format"]["json_schema"]["schema"] = {"$ref": "#/$defs/missing"}  # would fail after the model
    with pytest.raises(InvalidRequest, match="unresolvable"):
        parse_chat_body(body)


def test_a_client_schema_is_held_with_guardrails_attached(tmp_path_factory: pytest.TempPathFactory) -> None:
    runtime = make_runtime(tmp_path_factory.mktemp("structured-client-guard"), GUARD_PROJECT)
    _model(runtime, "scripted").enqueue("plain text", "plain text again")
    with Client(runtime=runtime) as guarded:
        with pytest.raises(StructuredOutputError, match="response_format") as caught:
            guarded.chat("unguarded", "Summarise my booking.", json_schema=SCHEMA)
        _failed_record(runtime, caught.value)
