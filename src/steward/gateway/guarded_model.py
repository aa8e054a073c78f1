"""The model stage, guarded: the app's route wrapped with the output stage, in the manner of a wrapper model.

`GuardedModel.complete` asks the route for a whole answer, holds it to the app's JSON schema (one re-ask for a
remote model, then fail closed), and passes it through the output guardrails and the grounding check.
`GuardedModel.stream` releases a streamed answer through the output guard's windows and, for a grounded app,
sentence by sentence once each sentence passed the grounding check (`grounded`), then ends with its result.
This is where streamed and non-streamed requests differ; every stage before and after is shared (`pipeline`).

The guarded model writes nothing of the request's record or context: it returns a `ModelResult` (the answer,
the model that served it and its tokens, the attempts, the output verdicts, how the request is ending), and
when it fails part-way it raises `ModelStopped`, which carries the error and the result up to it. The pipeline
applies either to the record in one place (`Gateway._apply`), so the record's status is still set once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from steward.config import AppSpec, Project
from steward.errors import PolicyViolation
from steward.explain import reasoning
from steward.gateway import outcomes
from steward.gateway.collaborators import ModelRoutes, OutputRelease, Retriever, Scanning
from steward.gateway.context import Prepared, attempt_entry, ms_since
from steward.gateway.grounded import UNSUPPORTED, GroundedRelease, grounding_decision
from steward.gateway.requests import ChatRequest
from steward.gateway.review_release import HELD_FOR_REVIEW
from steward.gateway.tools import (
    ToolStages,
    allowed_calls,
    blocking_decision,
    call_entry,
    refusal_message,
    told,
)
from steward.models.base import ModelBackend
from steward.models.router import Served
from steward.types import Attempt, Decision, Delta, Stage, ToolCall, Usage


@dataclass(slots=True)
class ModelResult:
    """What the model stage produced, for the pipeline to apply to the record (`Gateway._apply`) and release.

    `text` is what is left to release: a whole answer, or after a stream's last delta the output guard's last
    window, a decline or a held-for-review notice. `answer` is what the record keeps as the output unless the
    answer was held (`held`): the whole answer, streamed or not."""

    text: str = ""
    answer: str = ""
    finish_reason: str = "stop"
    model: ModelBackend | None = None  # the backend that answered (None: no answer came)
    usage: Usage = field(default_factory=Usage)  # every generation's tokens, a schema re-ask's included
    attempts: list[Attempt] | None = None  # the route's attempts, as the record keeps them
    model_ms: float | None = None
    decisions: list[Decision] = field(default_factory=list)  # the output and grounding verdicts, in order
    guardrails_ms: float = 0.0
    held: str | None = None  # the answer held for review, as it would be released (redacted)
    ending: Literal["escalated", "declined"] | None = None  # how the request is ending, else served
    grounding: dict[str, Any] = field(default_factory=dict)  # the grounding check's verdict, for the explanation
    route: dict[str, Any] | None = None  # why the request went where it went (`Route.facts`), for the explanation
    reasoning: str | None = None  # the model's reasoning split from its answer (`app.reasoning`): never released
    tool_calls: tuple[ToolCall, ...] = ()  # the model's tool calls that passed the checks, for the caller
    checked_calls: list[dict[str, Any]] = field(default_factory=list)  # every call checked, for the record

    def served(self, served_by: ModelBackend, usage: Usage, finish_reason: str) -> None:
        """The model that answered and its tokens (added to a re-ask's)."""
        self.model = served_by
        self.usage = Usage(
            self.usage.prompt_tokens + usage.prompt_tokens, self.usage.completion_tokens + usage.completion_tokens
        )
        self.finish_reason = finish_reason


class ModelStopped(Exception):
    """The model stage ended in `error` (a policy block, a malformed answer, a failed model): `result` is what it
    produced up to then, which the record keeps as it would have."""

    def __init__(self, error: Exception, result: ModelResult) -> None:
        super().__init__(str(error))
        self.error = error
        self.result = result


class GuardedModel:
    """The app's model route with the output stage around it: what the pipeline calls for an answer."""

    def __init__(
        self,
        project: Project,
        models: ModelRoutes,
        guard: Scanning | None,
        retriever: Retriever | None,
        tools: ToolStages | None = None,
    ) -> None:
        self.project = project
        self.models = models  # the model pool (`GovernedPool`): `route(app)` is the app's route with fallbacks
        self.guard = guard
        self.retriever = retriever
        self.tools = tools or ToolStages(project)

    async def complete(self, app: AppSpec, prepared: Prepared, request: ChatRequest) -> ModelResult:
        """The model's whole answer, generated, held to the app's schema and through the output stage: the text to
        release and its finish reason (`ModelStopped` when the stage failed)."""
        result = ModelResult()
        try:
            t0 = time.perf_counter()
            route = self.models.route(app)
            try:
                served = await route.complete(prepared.messages, prepared.params, sticky_key=request.subject)
            except Exception:
                result.route = route.facts(None)  # every model failed: the attempts say with which errors
                raise
            finally:
                result.model_ms = ms_since(t0)
            result.route = route.facts(served.model.ref.id)
            if app.reasoning is not None:  # the reasoning leaves the text before any check or the client sees it
                answer, result.reasoning = reasoning.split(served.completion.text, app.reasoning)
                served = replace(served, completion=replace(served.completion, text=answer))
            served = await self._structured(app, request, prepared, served, result)
            if prepared.tools is not None and served.completion.tool_calls:
                served = await self._checked_calls(app, request, prepared, served, result)
            completion = served.completion
            result.attempts = [attempt_entry(a) for a in served.attempts]
            result.served(served.model, completion.usage, completion.finish_reason)
            result.text = result.answer = await self._guard_output(request.app, completion.text, prepared, result)
        except Exception as exc:
            raise ModelStopped(exc, result) from exc
        return result

    async def _checked_calls(
        self, app: AppSpec, request: ChatRequest, prepared: Prepared, served: Served, result: ModelResult
    ) -> Served:
        """The model's tool calls, each checked before any reaches the caller: the allowed ones go in the result;
        a refused one blocks the request, or (`tell_model`) the model is told why and asked again."""
        plan = prepared.tools
        assert plan is not None
        messages = prepared.messages
        for reask in range(app.agent.max_reasks + 1):
            verdicts = await self.tools.check(app, plan, served.completion.tool_calls)
            t_ms = sum(v.decision.scanner_ms.get("tool", 0.0) for v in verdicts)
            result.guardrails_ms += t_ms
            result.decisions.extend(v.decision for v in verdicts)
            result.checked_calls.extend(call_entry(v) for v in verdicts)
            if all(v.allowed for v in verdicts):
                result.tool_calls = allowed_calls(verdicts)
                return served
            if app.agent.on_refusal == "block" or reask == app.agent.max_reasks:
                result.attempts = [attempt_entry(a) for a in served.attempts]
                result.served(served.model, served.completion.usage, "content_filter")
                blocking = blocking_decision(verdicts)
                result.decisions.append(blocking)
                raise PolicyViolation(refusal_message(verdicts), blocking.reasons)
            first = served.completion.usage
            result.usage = Usage(
                result.usage.prompt_tokens + first.prompt_tokens,
                result.usage.completion_tokens + first.completion_tokens,
            )  # the refused turn is paid for too
            messages = told(messages, served.completion.text, verdicts)
            served = await self.models.route(app).complete(messages, prepared.params, sticky_key=request.subject)
            if not served.completion.tool_calls:
                return served
        return served

    async def _scan(self, app_name: str, stage: Stage, text: str, result: ModelResult) -> Decision | None:
        """One guardrail stage, on a worker thread: scanners are CPU-bound and the event loop serves others."""
        if self.guard is None:
            return None
        t0 = time.perf_counter()
        decision = await asyncio.to_thread(self.guard.scan, app_name, stage, text)
        result.guardrails_ms += ms_since(t0)
        result.decisions.append(decision)
        return decision

    async def _guard_output(self, app_name: str, text: str, prepared: Prepared, result: ModelResult) -> str:
        """The output stage of a whole answer: block, hold for a human, or redact; then `_after_output`."""
        decision = await self._scan(app_name, "output", text, result)
        if decision is not None:
            if decision.action == "block":
                raise PolicyViolation("the answer was withheld by the app's output policy.", decision.reasons)
            if decision.action == "escalate":
                result.ending = "escalated"
                result.held = decision.text or text  # held as it would be released: redacted
                return HELD_FOR_REVIEW
            if decision.action == "redact" and decision.text is not None:
                text = decision.text
        return await self._after_output(app_name, text, prepared, result)

    async def _structured(
        self, app: AppSpec, request: ChatRequest, prepared: Prepared, served: Served, result: ModelResult
    ) -> Served:
        """Validate the answer against the app's schema on every backend; fail closed when it does not hold.

        Remote models are not constrained while decoding: one re-ask with the validation errors, then fail.
        llama.cpp decodes under the schema's grammar, so its answer fails only when it stops early (cut off at
        `max_tokens`): a re-ask would stop at the same place, so it fails at once and says what to change.
        """
        enforcer = prepared.enforcer
        if enforcer is None:
            return served
        constrained = served.model.ref.backend == "llama_cpp"
        problems = enforcer.problems(served.completion.text)
        if problems and enforcer.may_reask and not constrained:
            first = served.completion.usage
            messages = enforcer.reask(prepared.messages, served.completion.text, problems)
            served = await self.models.route(app).complete(messages, prepared.params, sticky_key=request.subject)
            result.usage = Usage(first.prompt_tokens, first.completion_tokens)  # the re-ask is paid for too
            constrained = served.model.ref.backend == "llama_cpp"  # a fallback may have answered it
            problems = enforcer.problems(served.completion.text)
        if problems:  # the record names the model and its tokens; the malformed answer is neither kept nor sent
            completion = served.completion
            result.attempts = [attempt_entry(a) for a in served.attempts]
            result.served(served.model, completion.usage, completion.finish_reason)
            cut_at = prepared.params.max_tokens if completion.finish_reason == "length" else None
            raise enforcer.fail(problems, cut_at=cut_at, constrained=constrained)
        return served

    async def stream(
        self, app: AppSpec, prepared: Prepared, request: ChatRequest, state: outcomes.StreamState
    ) -> AsyncIterator[str | ModelResult]:
        """The model's answer released as it streams: through the output guard's windows and, for a grounded
        app, sentence by sentence once each passed the grounding check. The last item is the `ModelResult`
        (`ModelStopped` when the stage failed)."""
        result = ModelResult()
        try:
            route = self.models.route(app)
            stream = route.stream(prepared.messages, prepared.params, sticky_key=request.subject)
            release = (
                self.guard.output_stream(request.app, prepared.input_decision) if self.guard is not None else None
            )
            # a grounded answer is released sentence by sentence, each once the grounding check has passed it
            grounded = (
                GroundedRelease(
                    self.retriever,
                    request.app,
                    prepared.sources,
                    windowed=release is not None,
                    question=prepared.question,
                )
                if app.rag and self.retriever is not None
                else None
            )
            pieces = state.pieces  # shared, so that a disconnect's record keeps what was produced
            usage, finish_reason = Usage(), "stop"
            t0 = time.perf_counter()
            splitter = reasoning.ReasoningSplit.of(app.reasoning) if app.reasoning is not None else None
            async for delta in stream if splitter is None else _answer_only(stream, splitter):
                pieces.append(delta.text)
                state.model = stream.model
                if delta.usage is not None:
                    usage = state.usage = delta.usage
                if delta.finish_reason is not None:
                    finish_reason = delta.finish_reason
                if release is None:
                    ready = delta.text
                elif release.scans_on(delta.text):  # a window is complete: scanning it may take milliseconds
                    ready = await asyncio.to_thread(release.feed, delta.text)
                else:
                    ready = release.feed(delta.text)
                if ready and grounded is not None and grounded.completes(ready):  # a check embeds: a worker thread
                    ready = await asyncio.to_thread(grounded.feed, ready)
                elif ready and grounded is not None:
                    ready = grounded.feed(ready)
                if ready:
                    yield ready
            result.model_ms = ms_since(t0)
            result.attempts = [attempt_entry(a) for a in stream.attempts]
            result.route = route.facts(stream.model.ref.id if stream.model is not None else None)
            result.reasoning = splitter.text if splitter is not None else None
            result.finish_reason = finish_reason
            if stream.model is not None:
                result.served(stream.model, usage, finish_reason)
            result.answer = "".join(pieces)
            result.text = await self._close_stream(request.app, release, grounded, prepared, result)
        except Exception as exc:
            raise ModelStopped(exc, result) from exc
        yield result

    async def _close_stream(
        self,
        app_name: str,
        release: OutputRelease | None,
        grounded: GroundedRelease | None,
        prepared: Prepared,
        result: ModelResult,
    ) -> str:
        """What follows the last delta: the output guard's verdict on the whole answer (block, hold, or its last
        window released), then the grounding check's; returns what is left to release."""
        full = result.answer
        rest = ""
        if release is not None:
            rest, decision = await asyncio.to_thread(release.close)
            result.decisions.append(decision)
            result.guardrails_ms += sum(decision.scanner_ms.values())
            if decision.action == "block":
                raise PolicyViolation(
                    "the rest of the answer was withheld by the app's output policy.", decision.reasons
                )
            if decision.action == "escalate":
                result.ending = "escalated"
                result.held = full
                return HELD_FOR_REVIEW
            if grounded is None:
                return await self._after_output(app_name, rest, prepared, result)
        if grounded is not None:
            rest = await asyncio.to_thread(grounded.close, rest)
            rest += await self._after_output(app_name, full, prepared, result, released=grounded)
        return rest

    async def _after_output(
        self,
        app_name: str,
        text: str,
        prepared: Prepared,
        result: ModelResult,
        released: GroundedRelease | None = None,
    ) -> str:
        """Pseudonyms restored; a grounded answer checked against its sources (its verdict in the result) and
        stripped of citation markers that name no given source. `released`: a streamed answer's
        `GroundedRelease`, which already checked and released it sentence by sentence: its windows' verdicts join
        the result, and when the whole answer fails though no window did, the decline is returned to follow what
        was released (the same status as unstreamed)."""
        if self.guard is not None and prepared.input_decision is not None:
            text = self.guard.restore(app_name, text, prepared.input_decision)
        if self.retriever is None or not self.project.app(app_name).rag:
            return text
        grounding: dict[str, Any] = {}
        replacement = None
        if prepared.sources:
            # the grounding check embeds the answer's sentences: a worker thread, like the scanners
            verdict = await asyncio.to_thread(
                self.retriever.check, app_name, text, prepared.sources, prepared.question
            )
            grounding = verdict.as_dict()
            replacement = verdict.replacement
            if released is None and replacement:
                text = replacement
        text, removed = self.retriever.strip_citations(text, prepared.sources)
        if released is not None:
            # the same status as the answer not streamed: declined when a window or the whole answer failed
            text = released.decline_whole(replacement) if replacement else ""
            grounding["stream"] = released.summary()
        elif removed:
            grounding["citations_removed"] = removed
        if replacement or (released is not None and released.declined):
            result.ending = "declined"
            result.decisions.append(grounding_decision(UNSUPPORTED))  # the public reason: which rule declined
        result.grounding = grounding
        return text


async def _answer_only(deltas: AsyncIterable[Delta], splitter: reasoning.ReasoningSplit) -> AsyncIterator[Delta]:
    """The model's deltas with its reasoning taken out (`app.reasoning`): what may be released and recorded."""
    async for delta in deltas:
        yield replace(delta, text=splitter.feed(delta.text))
    rest = splitter.close()
    if rest:
        yield Delta(rest)
