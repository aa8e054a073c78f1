"""The llama.cpp backend with the real SmolLM2-135M GGUF: equivalence with llama-cpp-python's own chat path,
determinism, grammar-constrained JSON, streaming, context errors, concurrency and cancellation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.model_fixtures import models_dir, smollm2, smollm2_path  # noqa: F401

from steward.config import Settings, load_project_text
from steward.errors import ContextTooLong, InvalidRequest
from steward.models.llama import LlamaModel, load_llama
from steward.models.router import ModelPool
from steward.types import Completion, Delta, GenerationParams, Message

pytestmark = pytest.mark.slow

CHAT = [
    Message("system", "You are the booking assistant of Example Airport. Answer briefly."),
    Message("user", "My flight BA117 leaves at 9:40. When should I be at the gate?"),
]
SAMPLED = GenerationParams(temperature=0.9, top_p=0.95, seed=1234, max_tokens=24)


def complete(model: LlamaModel, messages: list[Message], params: GenerationParams) -> Completion:
    return asyncio.run(model.complete(messages, params))


def stream(
    model: LlamaModel, messages: list[Message], params: GenerationParams, limit: int | None = None
) -> list[Delta]:
    async def run() -> list[Delta]:
        out: list[Delta] = []
        async for delta in model.stream(messages, params):
            out.append(delta)
            if limit is not None and len(out) >= limit:
                break
        return out

    return asyncio.run(run())


def test_same_prompt_params_and_seed_give_the_same_answer(smollm2: LlamaModel) -> None:  # noqa: F811
    first = complete(smollm2, CHAT, SAMPLED)
    second = complete(smollm2, CHAT, SAMPLED)
    assert first.text == second.text and first.text.strip()
    others = {
        complete(smollm2, CHAT, GenerationParams(temperature=0.9, seed=s, max_tokens=24)).text for s in (1, 2, 3)
    }
    assert len(others | {first.text}) > 1  # the seed does steer sampling: it is not greedy by accident


def test_matches_llama_cpp_python_create_chat_completion(smollm2: LlamaModel, smollm2_path: Path) -> None:  # noqa: F811
    from llama_cpp import Llama

    raw = Llama(model_path=str(smollm2_path), n_ctx=2048, n_threads=1, n_threads_batch=1, verbose=False)
    reference: Any = raw.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in CHAT],
        temperature=0.9,
        top_p=0.95,
        seed=1234,
        max_tokens=24,
    )
    ours = complete(smollm2, CHAT, SAMPLED)
    assert ours.text == reference["choices"][0]["message"]["content"]
    assert ours.usage.prompt_tokens == reference["usage"]["prompt_tokens"] == smollm2.count_tokens(CHAT)
    assert ours.usage.completion_tokens == reference["usage"]["completion_tokens"]
    raw.close()


def test_json_schema_constrains_the_output(smollm2: LlamaModel) -> None:  # noqa: F811
    schema = {
        "type": "object",
        "properties": {
            "gate": {"type": "string", "maxLength": 8},
            "delayed": {"type": "boolean"},
            "terminal": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
        },
        "required": ["gate", "delayed", "terminal"],
        "additionalProperties": False,
    }
    messages = [Message("user", "Reply in JSON: flight BA117 boards at gate B12, terminal 5, on time.")]
    for seed in (1, 2):
        result = complete(
            smollm2, messages, GenerationParams(temperature=0.7, seed=seed, max_tokens=120, json_schema=schema)
        )
        jsonschema.validate(json.loads(result.text), schema)


def test_a_schema_that_cannot_become_a_grammar_is_a_clear_request_error(smollm2: LlamaModel) -> None:  # noqa: F811
    with pytest.raises(InvalidRequest, match="simplify the schema"):
        complete(smollm2, CHAT, GenerationParams(max_tokens=5, json_schema={"$ref": "#/definitions/missing"}))


def test_stream_joins_to_the_completion_and_ends_with_usage(smollm2: LlamaModel) -> None:  # noqa: F811
    whole = complete(smollm2, CHAT, SAMPLED)
    deltas = stream(smollm2, CHAT, SAMPLED)
    assert len(deltas) > 3
    assert "".join(d.text for d in deltas) == whole.text
    last = deltas[-1]
    assert last.finish_reason == whole.finish_reason
    assert last.usage is not None and last.usage.prompt_tokens == whole.usage.prompt_tokens
    assert abs(last.usage.completion_tokens - whole.usage.completion_tokens) <= 1  # re-tokenised text


def test_input_longer_than_the_context_is_refused_before_generating(smollm2: LlamaModel) -> None:  # noqa: F811
    long = [Message("user", "gate " * 3000)]
    with pytest.raises(ContextTooLong, match=r"\d+ tokens > context 2048 .*shorten the input"):
        complete(smollm2, long, GenerationParams(max_tokens=5))
    with pytest.raises(ContextTooLong):
        stream(smollm2, long, GenerationParams(max_tokens=5))


def test_concurrent_requests_take_turns_and_stay_deterministic(smollm2: LlamaModel) -> None:  # noqa: F811
    other = [Message("user", "Name three things to pack for a flight.")]
    alone = (complete(smollm2, CHAT, SAMPLED).text, complete(smollm2, other, SAMPLED).text)

    async def together() -> list[Completion]:
        return list(await asyncio.gather(smollm2.complete(CHAT, SAMPLED), smollm2.complete(other, SAMPLED)))

    assert tuple(c.text for c in asyncio.run(together())) == alone


def test_a_stream_abandoned_early_leaves_the_model_usable(smollm2: LlamaModel) -> None:  # noqa: F811
    expected = complete(smollm2, CHAT, SAMPLED).text
    assert len(stream(smollm2, CHAT, GenerationParams(temperature=0.9, seed=9, max_tokens=200), limit=2)) == 2
    assert complete(smollm2, CHAT, SAMPLED).text == expected


def test_pool_loads_the_artefact_once_per_process(smollm2: LlamaModel) -> None:  # noqa: F811
    project = load_project_text(
        """
version: 1
models:
  tiny: {backend: llama_cpp, artefact: smollm2-135m-instruct-q4_1, context_length: 2048, n_threads: 1}
apps:
  desk: {owner: o@example.com, purpose: test, route: [{model: tiny}]}
""",
        "test.yaml",
    )
    pool = ModelPool(project, Settings(home=models_dir().parent, database_url="sqlite://"))
    backend = pool.get("tiny")
    assert isinstance(backend, LlamaModel)
    assert backend.ref.sha256 == smollm2.ref.sha256
    assert backend.load() is smollm2.load() is load_llama(smollm2.path, 2048, 1)
    served = asyncio.run(pool.route("desk").complete(CHAT, SAMPLED))
    assert served.completion.text == complete(smollm2, CHAT, SAMPLED).text
    assert served.completion.model_fingerprint and "SmolLM2" in served.completion.model_fingerprint
