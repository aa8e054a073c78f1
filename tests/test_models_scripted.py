"""The scripted test model: precedence of answers, history, stop/max_tokens, streaming, failures."""

from __future__ import annotations

import asyncio

import pytest

from steward.errors import ContextTooLong, ModelError
from steward.models.base import ModelBackend
from steward.models.scripted import ScriptedModel
from steward.types import Delta, GenerationParams, Message

USER = [Message("user", "hello there")]


async def collect(stream) -> list[Delta]:  # type: ignore[no-untyped-def]
    return [delta async for delta in stream]


def test_is_a_model_backend() -> None:
    assert isinstance(ScriptedModel(), ModelBackend)


def test_replies_cycle_and_history_records_calls() -> None:
    model = ScriptedModel("s", ["one", "two"])
    texts = [asyncio.run(model.complete(USER, GenerationParams())).text for _ in range(3)]
    assert texts == ["one", "two", "one"]
    assert len(model.history) == 3
    assert model.history[0][0] == USER


def test_enqueue_takes_precedence_then_function_then_echo() -> None:
    model = ScriptedModel("s", reply=lambda messages, params: f"fn:{messages[-1].content}")
    model.enqueue("queued")
    assert asyncio.run(model.complete(USER, GenerationParams())).text == "queued"
    assert asyncio.run(model.complete(USER, GenerationParams())).text == "fn:hello there"
    assert asyncio.run(ScriptedModel().complete(USER, GenerationParams())).text == "echo: hello there"


def test_max_tokens_and_stop_shape_the_answer() -> None:
    model = ScriptedModel("s", ["alpha beta gamma delta. END more"])
    cut = asyncio.run(model.complete(USER, GenerationParams(max_tokens=2)))
    assert (cut.text, cut.finish_reason, cut.usage.completion_tokens) == ("alpha beta", "length", 2)
    stopped = asyncio.run(model.complete(USER, GenerationParams(stop=("END",))))
    assert stopped.text == "alpha beta gamma delta. "
    assert stopped.finish_reason == "stop"


def test_stream_joins_to_the_completion_text_and_ends_with_usage() -> None:
    model = ScriptedModel("s", ["  The answer\nis  42 .  "])
    whole = asyncio.run(model.complete(USER, GenerationParams()))
    deltas = asyncio.run(collect(model.stream(USER, GenerationParams())))
    assert "".join(d.text for d in deltas) == whole.text
    assert len(deltas) > 3
    assert deltas[-1].finish_reason == "stop"
    assert deltas[-1].usage is not None and deltas[-1].usage.completion_tokens == 5


def test_enqueued_error_fails_the_call_and_mid_stream() -> None:
    model = ScriptedModel("s", ["fine"])
    model.enqueue_error(ModelError("boom"))
    with pytest.raises(ModelError, match="boom"):
        asyncio.run(model.complete(USER, GenerationParams()))
    model.enqueue_error(ModelError("cut"), after_words=2)
    seen: list[str] = []

    async def consume() -> None:
        async for delta in model.stream(USER, GenerationParams()):
            seen.append(delta.text)

    with pytest.raises(ModelError, match="cut"):
        asyncio.run(consume())
    assert len(seen) == 2


def test_context_length_is_enforced_with_a_clear_message() -> None:
    model = ScriptedModel("s", context_length=3)
    with pytest.raises(ContextTooLong, match=r"4 tokens > context 3 .*shorten the input"):
        asyncio.run(model.complete([Message("user", "one two three four")], GenerationParams()))
