"""One request as the pipeline's stages see it: its context, and what the input stages prepared for the model.

The stages (`input_stages`, `guarded_model`, `pipeline`) pass one `RequestContext` along instead of a request,
a caller, a record and a start time each; the stages say how the request is ending in `outcome`, and the
pipeline's seal turns that into the record's status, once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from steward.gateway import outcomes
from steward.gateway.collaborators import SchemaCheck
from steward.gateway.requests import ChatRequest
from steward.types import Attempt, Decision, GenerationParams, Message, Principal, Record, Source, Status

if TYPE_CHECKING:
    from steward.gateway.tools import ToolPlan


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def attempt_entry(attempt: Attempt) -> Attempt:
    """A model tried, as the record keeps it (milliseconds to three places)."""
    return Attempt(attempt.model, attempt.error, round(attempt.ms, 3))


def last_user_index(messages: list[Message]) -> int:
    return max(i for i, m in enumerate(messages) if m.role == "user")


@dataclass(slots=True)
class RequestContext:
    """One request through the stages: what was asked, by whom, its record, and how it is ending.

    `outcome` is what the stages decided (held for review, declined); the record's status is set from it once,
    by `Gateway._seal`, so no stage writes a status that another then overwrites, and every path ends alike.
    """

    record: Record
    started: float
    request: ChatRequest | None = None  # None: an embeddings call, or a body that never became a request
    principal: Principal | None = None
    outcome: Status = "served"
    state: outcomes.StreamState | None = None  # a streamed request: what the model produced so far
    reasoning: str | None = None  # the model's reasoning (`app.reasoning`), stored apart from the record's body

    @property
    def chat(self) -> ChatRequest:
        """The chat request (the stages of a chat request only run with one)."""
        assert self.request is not None
        return self.request


@dataclass(slots=True)
class Prepared:
    """A request after the input stages: what goes to the model, or the answer that replaces it."""

    messages: list[Message]
    params: GenerationParams
    input_decision: Decision | None
    sources: list[Source]
    early_answer: str | None = None  # a decline or a held-for-review notice: no model call
    enforcer: SchemaCheck | None = None  # the app's response_schema: the answer is validated whole
    question: str = ""  # the user's last turn as they wrote it: the grounding check does not score it as a claim
    tools: ToolPlan | None = None  # the offered tools and the trace: each call the model makes is checked
