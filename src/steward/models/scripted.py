"""A deterministic scripted model for tests and demos (after llm's MockModel and pydantic-ai's FunctionModel).

What it answers, in order of precedence: items queued with `enqueue(text)` or `enqueue_error(error)`, else the
`reply` function given at construction, else `ModelSpec.replies` in a cycle, else an echo of the last user
message. Every call is appended to `history` (messages, params) so tests can assert what the model was sent.
It honours `max_tokens` (finish_reason "length") and `stop`, streams word by word (the deltas join to exactly
the non-streamed text), counts tokens as whitespace-separated words, and enforces its `context_length` like a
real model. `enqueue_error(error, after_words=n)` fails a stream after n words, to test what the gateway does
when a model dies mid-answer. `enqueue_tool_calls(call, ...)` answers the next call with tool calls (finish
reason `tool_calls`; a stream yields them whole after the text), as a model that calls tools does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from steward.config.schema import Price
from steward.models.base import context_error
from steward.types import Completion, Delta, FinishReason, GenerationParams, Message, ModelRef, ToolCall, Usage

ReplyFunction = Callable[[Sequence[Message], GenerationParams], str]

_PIECES = re.compile(r"\s*\S+\s*|\s+")


@dataclass(frozen=True, slots=True)
class _Failure:
    error: Exception
    after_words: int


@dataclass(frozen=True, slots=True)
class _Calls:
    text: str
    calls: tuple[ToolCall, ...]


def count_words(text: str) -> int:
    return len(text.split())


class ScriptedModel:
    """A model whose answers are written in advance; see the module docstring for the precedence."""

    def __init__(
        self,
        model_id: str = "scripted",
        replies: Sequence[str] = (),
        *,
        reply: ReplyFunction | None = None,
        context_length: int = 4096,
        price: Price | None = None,
    ) -> None:
        self.replies = list(replies)
        self.reply_function = reply
        self.context_length = context_length
        self.price = price or Price(input=0.0, output=0.0)
        digest = hashlib.sha256(json.dumps(self.replies).encode()).hexdigest()
        self.ref = ModelRef(id=model_id, backend="scripted", sha256=digest)
        self.history: list[tuple[list[Message], GenerationParams]] = []
        self._queue: deque[str | _Failure | _Calls] = deque()
        self._turn = 0

    def enqueue(self, *texts: str) -> None:
        """Answer the next calls with these texts, in order."""
        self._queue.extend(texts)

    def enqueue_tool_calls(self, *calls: ToolCall | tuple[str, str], text: str = "") -> None:
        """Answer the next call with these tool calls (a `ToolCall`, or `(name, arguments JSON)` given an id)."""
        made = tuple(
            c if isinstance(c, ToolCall) else ToolCall(f"call_{len(self.history)}_{i}", c[0], c[1])
            for i, c in enumerate(calls)
        )
        self._queue.append(_Calls(text, made))

    def enqueue_error(self, error: Exception, *, after_words: int = 0) -> None:
        """Make the next call fail with `error` (a stream fails after `after_words` words)."""
        self._queue.append(_Failure(error, after_words))

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return sum(count_words(m.content) for m in messages)

    def _next(self, messages: Sequence[Message], params: GenerationParams) -> str | _Failure | _Calls:
        prompt_tokens = self.count_tokens(messages)
        if prompt_tokens > self.context_length:
            raise context_error(prompt_tokens, self.context_length, self.ref.id)
        self.history.append((list(messages), params))
        if self._queue:
            return self._queue.popleft()
        if self.reply_function is not None:
            return self.reply_function(messages, params)
        if self.replies:
            text = self.replies[self._turn % len(self.replies)]
            self._turn += 1
            return text
        last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
        return f"echo: {last_user}"

    @staticmethod
    def _shape(text: str, params: GenerationParams) -> tuple[str, FinishReason]:
        """Apply `stop` and `max_tokens` the way a real model does."""
        finish: FinishReason = "stop"
        for stop in params.stop:
            if stop and stop in text:
                text = text[: text.index(stop)]
        if params.max_tokens is not None and count_words(text) > params.max_tokens:
            text = "".join(_PIECES.findall(text)[: params.max_tokens]).rstrip()
            finish = "length"
        return text, finish

    async def complete(self, messages: Sequence[Message], params: GenerationParams) -> Completion:
        answer = self._next(messages, params)
        if isinstance(answer, _Failure):
            raise answer.error
        if isinstance(answer, _Calls):
            words = count_words(answer.text) + sum(count_words(c.arguments) + 1 for c in answer.calls)
            usage = Usage(self.count_tokens(messages), words)
            return Completion(answer.text, "tool_calls", usage, "scripted", tool_calls=answer.calls)
        text, finish = self._shape(answer, params)
        usage = Usage(self.count_tokens(messages), count_words(text))
        return Completion(text=text, finish_reason=finish, usage=usage, model_fingerprint="scripted")

    async def stream(self, messages: Sequence[Message], params: GenerationParams) -> AsyncIterator[Delta]:
        answer = self._next(messages, params)
        if isinstance(answer, _Failure):
            for i in range(answer.after_words):
                await asyncio.sleep(0)
                yield Delta(text=f"word{i} ")
            raise answer.error
        if isinstance(answer, _Calls):
            for piece in _PIECES.findall(answer.text):
                await asyncio.sleep(0)
                yield Delta(text=piece)
            words = count_words(answer.text) + sum(count_words(c.arguments) + 1 for c in answer.calls)
            usage = Usage(self.count_tokens(messages), words)
            yield Delta(text="", finish_reason="tool_calls", usage=usage, tool_calls=answer.calls)
            return
        text, finish = self._shape(answer, params)
        for piece in _PIECES.findall(text):
            await asyncio.sleep(0)  # let other tasks run, as a real stream would
            yield Delta(text=piece)
        yield Delta(text="", finish_reason=finish, usage=Usage(self.count_tokens(messages), count_words(text)))

    async def aclose(self) -> None:
        return None
