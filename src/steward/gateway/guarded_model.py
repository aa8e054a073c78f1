"""The model stage, guarded: the app's route wrapped with the output stage, in the manner of a wrapper model.

`GuardedModel.complete` asks the route for a whole answer, holds it to the app's JSON schema (one re-ask for a
remote model, then fail closed), and passes it through the output guardrails and the grounding check.
`GuardedModel.stream` releases a streamed answer through the output guard's windows and, for a grounded app,
sentence by sentence once each sentence passed the grounding check (`grounded`), then ends with a `StreamEnd`.
This is where streamed and non-streamed requests differ; every stage before and after is shared (`pipeline`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from steward.config import AppSpec, Project
from steward.errors import PolicyViolation
from steward.gateway import outcomes
from steward.gateway.collaborators import ModelRoutes, OutputRelease, Retriever, Scanning
from steward.gateway.context import Prepared, RequestContext, attempt_entry, ms_since
from steward.gateway.grounded import UNSUPPORTED, GroundedRelease, grounding_decision
from steward.gateway.requests import ChatRequest
from steward.gateway.review_release import HELD_FOR_REVIEW
from steward.models.base import cost_of
from steward.models.router import Served
from steward.types import Decision, Record, Stage, Usage


@dataclass(slots=True)
class StreamEnd:
    """The end of a streamed answer: the whole answer (for the record), why it ended, and what is left to
    release (the output guard's last window, a decline, a held-for-review notice)."""

    answer: str
    finish_reason: str
    rest: str


def note_model(record: Record, served_by: Any, usage: Usage, finish_reason: str) -> None:
    """The model that answered, its tokens (added to a re-ask's) and their cost, in the record."""
    record.model = served_by.ref
    earlier = record.usage  # non-zero when a structured-output re-ask was needed
    usage = Usage(earlier.prompt_tokens + usage.prompt_tokens, earlier.completion_tokens + usage.completion_tokens)
    record.usage = usage
    record.finish_reason = finish_reason
    record.cost = cost_of(served_by.price, usage.prompt_tokens, usage.completion_tokens)


class GuardedModel:
    """The app's model route with the output stage around it: what the pipeline calls for an answer."""

    def __init__(
        self, project: Project, models: ModelRoutes, guard: Scanning | None, retriever: Retriever | None
    ) -> None:
        self.project = project
        self.models = models  # the model pool (`GovernedPool`): `route(app)` is the app's route with fallbacks
        self.guard = guard
        self.retriever = retriever

    async def _scan(self, app_name: str, stage: Stage, text: str, record: Record) -> Decision | None:
        """One guardrail stage, on a worker thread: scanners are CPU-bound and the event loop serves others."""
        if self.guard is None:
            return None
        t0 = time.perf_counter()
        decision = await asyncio.to_thread(self.guard.scan, app_name, stage, text)
        record.latency.guardrails_ms += ms_since(t0)
        record.decisions.append(decision)
        return decision

    async def _guard_output(self, app_name: str, text: str, prepared: Prepared, ctx: RequestContext) -> str:
        """The output stage of a whole answer: block, hold for a human, or redact; then `_after_output`."""
        record = ctx.record
        decision = await self._scan(app_name, "output", text, record)
        if decision is not None:
            if decision.action == "block":
                raise PolicyViolation("the answer was withheld by the app's output policy.", decision.reasons)
            if decision.action == "escalate":
                ctx.outcome = "escalated"
                record.output = decision.text or text  # held as it would be released: redacted
                return HELD_FOR_REVIEW
            if decision.action == "redact" and decision.text is not None:
                text = decision.text
        return await self._after_output(app_name, text, prepared, ctx)

    async def complete(self, app: AppSpec, prepared: Prepared, ctx: RequestContext) -> tuple[str, str]:
        """The model's whole answer, generated, held to the app's schema and through the output stage: the text to
        release and its finish reason."""
        request, record = ctx.request, ctx.record
        assert request is not None
        t0 = time.perf_counter()
        try:
            served = await self.models.route(app).complete(
                prepared.messages, prepared.params, sticky_key=request.subject
            )
        finally:
            record.latency.model_ms = ms_since(t0)
        served = await self._structured(app, request, prepared, served, record)
        completion = served.completion
        record.attempts = [attempt_entry(a) for a in served.attempts]
        note_model(record, served.model, completion.usage, completion.finish_reason)
        text = await self._guard_output(request.app, completion.text, prepared, ctx)
        return text, completion.finish_reason

    async def _structured(
        self, app: AppSpec, request: ChatRequest, prepared: Prepared, served: Served, record: Record
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
            record.usage = Usage(first.prompt_tokens, first.completion_tokens)  # the re-ask is paid for too
            constrained = served.model.ref.backend == "llama_cpp"  # a fallback may have answered it
            problems = enforcer.problems(served.completion.text)
        if problems:  # the record names the model and its tokens; the malformed answer is neither kept nor sent
            completion = served.completion
            record.attempts = [attempt_entry(a) for a in served.attempts]
            note_model(record, served.model, completion.usage, completion.finish_reason)
            cut_at = prepared.params.max_tokens if completion.finish_reason == "length" else None
            raise enforcer.fail(problems, cut_at=cut_at, constrained=constrained)
        return served

    async def stream(
        self, app: AppSpec, prepared: Prepared, ctx: RequestContext, state: outcomes.StreamState
    ) -> AsyncIterator[str | StreamEnd]:
        """The model's answer released as it streams: through the output guard's windows and, for a grounded
        app, sentence by sentence once each passed the grounding check. The last item is the `StreamEnd`."""
        request, record = ctx.request, ctx.record
        assert request is not None
        stream = self.models.route(app).stream(prepared.messages, prepared.params, sticky_key=request.subject)
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
        async for delta in stream:
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
        record.latency.model_ms = ms_since(t0)
        record.attempts = [attempt_entry(a) for a in stream.attempts]
        if stream.model is not None:
            note_model(record, stream.model, usage, finish_reason)
        full = "".join(pieces)
        rest = await self._close_stream(full, release, grounded, prepared, ctx)
        yield StreamEnd(full, finish_reason, rest)

    async def _close_stream(
        self,
        full: str,
        release: OutputRelease | None,
        grounded: GroundedRelease | None,
        prepared: Prepared,
        ctx: RequestContext,
    ) -> str:
        """What follows the last delta: the output guard's verdict on the whole answer (block, hold, or its last
        window released), then the grounding check's; returns what is left to release."""
        record, app_name = ctx.record, ctx.chat.app
        rest = ""
        if release is not None:
            rest, decision = await asyncio.to_thread(release.close)
            record.decisions.append(decision)
            record.latency.guardrails_ms += sum(decision.scanner_ms.values())
            if decision.action == "block":
                raise PolicyViolation(
                    "the rest of the answer was withheld by the app's output policy.", decision.reasons
                )
            if decision.action == "escalate":
                ctx.outcome = "escalated"
                record.output = full
                return HELD_FOR_REVIEW
            if grounded is None:
                return await self._after_output(app_name, rest, prepared, ctx)
        if grounded is not None:
            rest = await asyncio.to_thread(grounded.close, rest)
            rest += await self._after_output(app_name, full, prepared, ctx, released=grounded)
        return rest

    async def _after_output(
        self,
        app_name: str,
        text: str,
        prepared: Prepared,
        ctx: RequestContext,
        released: GroundedRelease | None = None,
    ) -> str:
        """Pseudonyms restored; a grounded answer checked against its sources (its verdict in the record) and
        stripped of citation markers that name no given source. `released`: a streamed answer's
        `GroundedRelease`, which already checked and released it sentence by sentence: its windows' verdicts join
        the record, and when the whole answer fails though no window did, the decline is returned to follow what
        was released (the same status as unstreamed)."""
        record = ctx.record
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
            ctx.outcome = "declined"
            record.decisions.append(grounding_decision(UNSUPPORTED))  # the public reason: which rule declined
        if grounding:
            record.explanation = {**(record.explanation or {}), "grounding": grounding}
        return text
