"""The gateway on a real local model (SmolLM2-135M through llama.cpp), through the official openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import openai
import pytest
from tests.gateway_fixtures import LiveServer, make_runtime
from tests.model_fixtures import SMALL_MODEL, local_model_path

pytestmark = pytest.mark.slow

LOCAL_PROJECT = """
version: 1
models:
  smol:
    backend: llama_cpp
    path: "{path}"
    sha256: {sha}
    licence: Apache-2.0
    context_length: 2048
    n_threads: 2
apps:
  helper:
    owner: qa@example.com
    purpose: Answer briefly.
    route: [{{model: smol}}]
    prompt: {{system: "You are a helpful assistant. Answer in one sentence."}}
    params: {{temperature: 0.8, top_p: 0.95, seed: 11, max_tokens: 40}}
  booking:
    owner: qa@example.com
    purpose: Booking summaries as JSON.
    route: [{{model: smol}}]
    params: {{temperature: 0.2, seed: 11, max_tokens: 60}}
    response_schema:
      type: object
      required: [flight, gate]
      properties: {{flight: {{type: string}}, gate: {{type: string}}}}
      additionalProperties: false
"""

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
    "additionalProperties": False,
}
BOOKING_SCHEMA = {  # the `booking` app's response_schema
    "type": "object",
    "properties": {"flight": {"type": "string"}, "gate": {"type": "string"}},
    "required": ["flight", "gate"],
    "additionalProperties": False,
}
BOOKING = [{"role": "user", "content": "Flight BA117 leaves from gate B12. Summarise it as JSON."}]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    from steward.models import artefacts

    path = local_model_path(SMALL_MODEL)
    home: Path = tmp_path_factory.mktemp("local")
    text = LOCAL_PROJECT.format(path=path, sha=artefacts.get(SMALL_MODEL).sha256)
    runtime = make_runtime(home, text)
    key, _ = runtime.store.create_key(role="app")
    with LiveServer(runtime) as live:
        yield live, key
    runtime.store.close()


def _client(served: tuple[LiveServer, str]) -> openai.OpenAI:
    live, key = served
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0, timeout=120)


def test_same_prompt_params_and_seed_give_the_same_answer(served: tuple[LiveServer, str]) -> None:
    client = _client(served)
    ask = {"model": "helper", "messages": [{"role": "user", "content": "Name a colour and a fruit."}]}
    first = client.chat.completions.create(**ask).choices[0].message.content
    second = client.chat.completions.create(**ask).choices[0].message.content
    seeded = client.chat.completions.with_raw_response.create(**ask, seed=12345)
    other_seed = seeded.parse().choices[0].message.content
    again = client.chat.completions.create(**ask, seed=12345).choices[0].message.content
    record = served[0].runtime.store.get_record(seeded.headers["x-steward-record-id"])
    assert record.params.get("seed") == 12345  # the seed the model was called with, as the record keeps it
    assert first and first == second
    streamed = "".join(
        c.choices[0].delta.content or "" for c in client.chat.completions.create(**ask, stream=True) if c.choices
    )
    assert streamed == first
    assert other_seed and other_seed == again  # a different seed may differ from the default, never from itself


def test_json_schema_response_format_is_honoured(served: tuple[LiveServer, str]) -> None:
    response = _client(served).chat.completions.create(
        model="helper",
        messages=[{"role": "user", "content": "Where is the Eiffel Tower? Answer as JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "place", "schema": SCHEMA}},
        max_tokens=60,
    )
    body = json.loads(response.choices[0].message.content or "")
    jsonschema.validate(body, SCHEMA)


def test_an_app_schema_is_served_when_the_answer_completes(served: tuple[LiveServer, str]) -> None:
    response = _client(served).chat.completions.create(model="booking", messages=BOOKING)
    assert response.choices[0].finish_reason == "stop"
    jsonschema.validate(json.loads(response.choices[0].message.content or ""), BOOKING_SCHEMA)


@pytest.mark.parametrize("stream", [False, True])
def test_an_answer_cut_off_by_max_tokens_fails_closed_with_a_clear_error(
    served: tuple[LiveServer, str], stream: bool
) -> None:
    """Constrained decoding stops mid-document at max_tokens: a 502 that says so, never the broken JSON."""
    live, _ = served
    with pytest.raises(openai.APIStatusError) as caught:
        response = _client(served).chat.completions.create(
            model="booking", messages=BOOKING, max_tokens=6, stream=stream
        )
        if stream:  # the 502 comes before the first byte: nothing of the broken JSON is streamed
            list(response)
    error = caught.value
    assert error.status_code == 502 and error.code == "invalid_structured_output"
    assert "cut off at max_tokens=6" in error.message and "raise max_tokens" in error.message
    record = live.runtime.store.get_record(error.response.headers["x-steward-record-id"])
    assert record.status == "failed" and record.output is None and record.stream is stream
    assert record.finish_reason == "length" and record.usage.completion_tokens == 6
    assert record.model is not None and record.model.backend == "llama_cpp"


def test_records_name_the_artefact_hash(served: tuple[LiveServer, str]) -> None:
    live, _ = served
    response = _client(served).chat.completions.create(
        model="helper", messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
    )
    record = live.runtime.store.get_record(response.model_extra["steward"]["record_id"])
    from steward.models import artefacts

    assert record.model is not None and record.model.sha256 == artefacts.get(SMALL_MODEL).sha256
    assert record.usage.completion_tokens <= 8 and record.usage.prompt_tokens > 0
    assert response.system_fingerprint and response.system_fingerprint.startswith("smol@")
