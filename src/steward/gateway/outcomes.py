"""How a request that did not end normally is still recorded: bounded, and never lost.

Three cases the pipeline hands here. A request over its app's limits is recorded without scanning what made
it too big: under `redact_records` the oversize input is replaced by a marker, because a scanner fed a
megabyte is the very cost the limit exists to refuse (and spaCy refuses texts over 1,000,000 characters).
A streamed request whose client went away is recorded as `disconnected` with what the model produced so far
and its tokens, by a task of its own: the request's task is being cancelled, and every await in it would be.
A token reservation is estimated from the prompt before the model is called: the upper bound of what the
request may spend is its `max_tokens` plus the prompt, counted here at one token per three characters
(BPE tokenizers average about four for English; the margin covers other scripts and the chat template).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from steward.types import Attempt, GenerationParams, Message, Record, Turn, Usage

if TYPE_CHECKING:
    from steward.gateway.collaborators import TokenBudget

log = logging.getLogger("steward.requests")

OMITTED = "[not kept: {turns} messages, {chars} characters, over the app's limits, never scanned]"


@dataclass(slots=True)
class StreamState:
    """What a streamed request has received from the model so far (for the record of a disconnect)."""

    pieces: list[str] = field(default_factory=list)
    usage: Usage | None = None
    model: Any = None  # the backend serving the stream, once one answered
    attempts: list[Attempt] = field(default_factory=list)


def estimate_tokens(messages: list[Message], max_tokens: int | None) -> int:
    """An upper estimate of what a request may spend: its prompt plus the most it may generate."""
    prompt = sum(len(m.content) // 3 + 4 for m in messages)
    return prompt + (max_tokens or 0)


def over_limits(record: Record, max_chars: int, max_turns: int) -> bool:
    """Whether the record's input is beyond what may be scanned for it."""
    turns = record.input
    chars = sum(len(m.content) for m in turns)
    return len(turns) > max_turns or chars > max_chars


def omit_input(record: Record) -> None:
    """Keep the shape of the input (roles, how many turns) but none of its text, which was never scanned."""
    chars = sum(len(m.content) for m in record.input)
    turns = len(record.input)
    record.input = [Turn("user", OMITTED.format(turns=turns, chars=chars))] if turns else []


def disconnected(record: Record, state: StreamState) -> None:
    """Fill the record of a stream whose client went away: what was produced, and the tokens it cost (its
    status is set with the rest of its seal, `Gateway._seal`)."""
    record.error = "the client disconnected before the answer was complete."
    record.finish_reason = "error"
    produced = "".join(state.pieces)
    record.output = produced or None
    if state.attempts:
        record.attempts = state.attempts
    if state.usage is None and state.model is not None:  # the upstream had not reported usage yet: estimate it
        prompt = sum(len(m.content) // 3 + 4 for m in record.input)
        state.usage = Usage(prompt, max(1, len(produced) // 3) if produced else 0)


SETTLED_KEPT = 65_536  # far more than requests in flight at once


class Reservations:
    """Token budgets around the model call: reserve the worst case before it, settle once the record is durable.

    `budget` is the `Authenticator` (`has_budget`, `reserve`, `settle`, `charge`), or None for no budgets.
    """

    def __init__(self, budget: TokenBudget | None) -> None:
        self.budget = budget
        self._reserved: dict[str, int] = {}  # record id -> tokens reserved for it
        # Records settled lately: a stream's disconnect task may settle a record its request already settled
        # (the task cannot tell whether the cancelled write got that far), and must not charge it twice.
        self._settled: OrderedDict[str, None] = OrderedDict()

    async def reserve(self, record: Record, messages: list[Message], params: GenerationParams) -> None:
        """Raises `RateLimited` (and the request is recorded as failed) when the budget cannot cover it."""
        budget = self.budget
        if budget is None or record.key_id is None or not budget.has_budget(record.key_id):
            return
        tokens = estimate_tokens(messages, params.max_tokens)
        self._reserved[record.id] = await asyncio.to_thread(budget.reserve, record.key_id, tokens, record.id)

    async def reserve_tokens(self, record: Record, tokens: int) -> None:
        """Reserve a known worst case (an embeddings call: its inputs' tokens), as `reserve` does."""
        budget = self.budget
        if budget is None or record.key_id is None or not budget.has_budget(record.key_id):
            return
        self._reserved[record.id] = await asyncio.to_thread(budget.reserve, record.key_id, tokens, record.id)

    async def settle(self, record: Record) -> None:
        """Release the reservation and count the tokens the record charged; on every path, once."""
        reserved = self._reserved.pop(record.id, 0)
        if self.budget is None or record.key_id is None or record.id in self._settled:
            return
        self._settled[record.id] = None
        if len(self._settled) > SETTLED_KEPT:
            self._settled.popitem(last=False)
        try:
            if reserved:  # a store write: off the event loop
                await asyncio.to_thread(self.budget.settle, record.key_id, record.id, record.usage.total_tokens)
            else:
                self.budget.charge(record.key_id, record.usage.total_tokens)
        except Exception:  # the record stands; a reservation left behind holds the budget until its lease ends
            log.exception("request %s: its token reservation could not be released", record.id)


def in_background(tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None], record_id: str) -> None:
    """Run `work` as a task of its own, outside the cancelled request's task, and keep it referenced."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # closed outside any loop (interpreter shutdown): nothing can be awaited
        work.close()
        log.error("request %s: the client disconnected and its record could not be written", record_id)
        return
    task = loop.create_task(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
