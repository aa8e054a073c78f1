"""The model backend protocol every backend implements, and helpers shared by them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol, runtime_checkable

from steward.config.schema import Price
from steward.errors import ContextTooLong
from steward.types import Completion, Delta, GenerationParams, Message, ModelRef


@runtime_checkable
class ModelBackend(Protocol):
    """A loaded model version. Instances are created once per process and shared by all requests."""

    ref: ModelRef
    context_length: int
    price: Price

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        """Generate a whole answer; raise `ModelError` (retryable) or `InvalidRequest` (not retryable)."""
        ...

    def stream(self, messages: Sequence[Message], params: GenerationParams) -> AsyncIterator[Delta]:
        """Generate an answer piece by piece; the last `Delta` has `finish_reason` and `usage`."""
        ...

    def count_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens the prompt takes (exact for local models, an estimate for remote ones)."""
        ...

    async def aclose(self) -> None:
        """Release connections or memory."""
        ...


def cost_of(price: Price, prompt_tokens: int, completion_tokens: int) -> float:
    return (prompt_tokens * price.input + completion_tokens * price.output) / 1000.0


def message_dicts(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Messages in the OpenAI chat shape that llama.cpp's chat templates and HTTP servers both take."""
    out = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.name:
            item["name"] = message.name
        if message.tool_calls:
            item["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in message.tool_calls
            ]
        if message.tool_call_id is not None:
            item["tool_call_id"] = message.tool_call_id
        out.append(item)
    return out


def context_error(prompt_tokens: int, context_length: int, model_id: str) -> ContextTooLong:
    """The error for an input that does not fit; the message says what to do."""
    return ContextTooLong(
        f"the input takes {prompt_tokens} tokens > context {context_length} of model {model_id!r}: shorten the "
        "input (or the conversation history) or raise the model's context_length.",
        param="messages",
    )
