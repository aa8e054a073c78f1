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
"""

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
    "additionalProperties": False,
}


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
    other_seed = client.chat.completions.create(**ask, seed=12345).choices[0].message.content
    assert first and first == second
    streamed = "".join(
        c.choices[0].delta.content or "" for c in client.chat.completions.create(**ask, stream=True) if c.choices
    )
    assert streamed == first
    assert other_seed  # a different seed is allowed to differ; it must still answer


def test_json_schema_response_format_is_honoured(served: tuple[LiveServer, str]) -> None:
    response = _client(served).chat.completions.create(
        model="helper",
        messages=[{"role": "user", "content": "Where is the Eiffel Tower? Answer as JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "place", "schema": SCHEMA}},
        max_tokens=60,
    )
    body = json.loads(response.choices[0].message.content or "")
    jsonschema.validate(body, SCHEMA)


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
