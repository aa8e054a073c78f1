"""The governed request pipeline: one `Record` per request, whatever happens.

    authorise ─► input guards ─► [retrieval ─► retrieved guards] ─► model ─► output guards ─► seal ─► store

A request is one `RequestContext` (`context`: the request, its caller, its record, how it is ending) carried
through a straight sequence of stages (`Gateway._serve`): the input stages (`input_stages.InputStages`: who may
call, parameters, input guardrails, retrieval and its guardrails, prompt, token budget), then the model stage
(`guarded_model.GuardedModel`: the app's route wrapped with the schema re-ask, the output guardrails, the
grounding check and the streamed release), then the seal and the write here. `Gateway.chat` and
`Gateway.chat_stream` run the same `_serve` and differ only at the model stage (a whole answer, or one released
as it streams). An early answer (a decline, a held-for-review notice), a policy block and a failure end both
alike. The stages say how the request is ending (`RequestContext.outcome`); `_seal` turns that into the record's
status, applies what the record may keep (`redaction.redact_for_storage`, the one place that decides it) and
times it, once, on every path; the record is then written (group commit, awaited) before the answer, or the
error, reaches the caller, so an acknowledged answer always has its durable record. Guardrails and retrieval
are optional collaborators (typed protocols in `collaborators`), so the spine serves without them. Beside it:
how a request that did not end normally is recorded (`outcomes`), a grounded stream released sentence by
sentence (`grounded`), requests held for a human and released once approved (`review_release`), feedback and
readiness (`upkeep`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from typing import Any

import numpy as np

from steward.config import Project, Settings
from steward.errors import PolicyViolation, StewardError
from steward.explain import reasoning
from steward.gateway import outcomes
from steward.gateway.collaborators import (
    Guard,
    ModelRoutes,
    RecordStore,
    Retriever,
    ReviewQueue,
    TextEmbedder,
    TokenBudget,
    Tracer,
)
from steward.gateway.context import RequestContext, attempt_entry, ms_since
from steward.gateway.guarded_model import GuardedModel, ModelResult, ModelStopped
from steward.gateway.input_stages import InputStages
from steward.gateway.metrics import Metrics
from steward.gateway.redaction import keep_nothing, redact_for_storage, redact_reasoning
from steward.gateway.refusal import refusal_text
from steward.gateway.requests import ChatRequest, ChatResult, StreamEvent, public_summary
from steward.gateway.review_release import ReviewRelease
from steward.gateway.tools import ToolStages
from steward.models.base import ModelBackend, cost_of
from steward.types import Principal, Record, Status, Turn, Usage

log = logging.getLogger("steward.requests")

EMBEDDINGS = "(embeddings)"  # the `app` of an embeddings call's record: it names no app


def note_model(record: Record, served_by: ModelBackend, usage: Usage, finish_reason: str) -> None:
    """The model that answered, its tokens and their cost, in the record."""
    record.model = served_by.ref
    record.usage = usage
    record.finish_reason = finish_reason
    record.cost = cost_of(served_by.price, usage.prompt_tokens, usage.completion_tokens)


class _Recorded(Exception):
    """A failure after the request's record was durable: answered with `error`, not recorded again."""

    def __init__(self, error: StewardError) -> None:
        super().__init__(error.message)
        self.error = error


class Gateway:
    """Serves chat requests for the apps of one project through the governed pipeline."""

    def __init__(
        self,
        project: Project,
        settings: Settings,
        store: RecordStore,
        models: ModelRoutes,
        *,
        guard: Guard | None = None,
        retriever: Retriever | None = None,
        metrics: Metrics | None = None,
        tracer: Tracer | None = None,
        budget: TokenBudget | None = None,
        review_queue: ReviewQueue[Any] | None = None,
    ) -> None:
        self.project = project
        self.settings = settings
        self.store = store
        self.models = models
        self.guard = guard
        self.retriever = retriever
        self.metrics = metrics or Metrics(apps=project.apps)
        self.tracer = tracer
        self.budgets = outcomes.Reservations(budget)  # token budgets: reserved before the model call
        self._background: set[asyncio.Task[None]] = set()  # records of disconnected streams, being written
        self._in_flight = 0  # requests between entry and their record; one alone may commit it inline
        self.reviews = ReviewRelease(guard, review_queue, store, self.chat)  # escalated requests: held, released
        self.tools = ToolStages(project)  # the tool registry, tool-result screen and tool-call checks
        self.inputs = InputStages(
            project, guard, retriever, self.budgets, self.tools
        )  # everything before the model
        self.model = GuardedModel(
            project, models, guard, retriever, self.tools
        )  # the route, output stage around it

    # ---- public entry points -------------------------------------------------------------------------

    async def chat(
        self, request: ChatRequest, principal: Principal, auth_ms: float = 0.0, *, approved: str | None = None
    ) -> ChatResult:
        """Serve one non-streamed request and return once its record is durable.

        `approved`: the review item whose held question a human approved (`ReviewRelease.outcome`): the input
        stage does not run again, the output stage does, and the record names the item.
        """
        ctx = self._begin(request, principal, auth_ms)
        if approved is not None:
            ctx.record.explanation = {"approved_review": approved}
        result = None
        async for event in self._serve(ctx, screen=approved is None):
            if event.result is not None:
                result = event.result
        assert result is not None  # `_serve` ends with the result, or raises
        return result

    def chat_stream(
        self, request: ChatRequest, principal: Principal, auth_ms: float = 0.0
    ) -> AsyncGenerator[StreamEvent, None]:
        """Serve one streamed request: text events, then one event with the result (after the record).

        The stages' own generator is returned, not wrapped: closing it (the client went away) reaches the stage
        that was running, which records the disconnect."""
        ctx = self._begin(request, principal, auth_ms)
        ctx.record.stream = True
        ctx.state = outcomes.StreamState()
        return self._serve(ctx)

    async def _serve(self, ctx: RequestContext, *, screen: bool = True) -> AsyncGenerator[StreamEvent, None]:
        """The stages of one request, streamed or not: they differ only at the model stage. An early answer, a
        whole answer and a refusal come as one text event and the result; a streamed answer as it is released."""
        assert ctx.request is not None and ctx.principal is not None
        self._in_flight += 1
        try:
            app = self.inputs.authorise(ctx.request, ctx.principal)
            prepared = await self.inputs.prepare(app, ctx, screen=screen)
            if prepared.early_answer is not None:
                result = await self._finish(ctx, prepared.early_answer, "stop")
            else:
                # structured output, and tool calls (checked before any of them is sent), are released whole
                streamed = ctx.state is not None and prepared.enforcer is None and prepared.tools is None
                answer = ModelResult()
                try:
                    if not streamed:
                        answer = await self.model.complete(app, prepared, ctx.chat)
                    else:
                        assert ctx.state is not None
                        async for piece in self.model.stream(app, prepared, ctx.chat, ctx.state):
                            if isinstance(piece, str):
                                yield StreamEvent(text=piece)
                            else:
                                answer = piece
                except ModelStopped as stopped:  # what the model stage did before it failed is recorded too
                    self._apply(ctx, stopped.result)
                    raise stopped.error from stopped.error.__cause__
                self._apply(ctx, answer)
                result = await self._finish(ctx, answer.answer, answer.finish_reason)
                result.tool_calls = answer.tool_calls
                if streamed:
                    if answer.text:
                        yield StreamEvent(text=answer.text)
                    yield StreamEvent(result=result)
                    return
        except PolicyViolation as exc:
            result = await self._blocked(ctx, exc)
        except Exception as exc:  # recorded once as failed, whatever it was (an unexpected bug: a clear 500)
            error = await self._failure(ctx, exc)
            if error is exc:
                raise
            raise error from exc
        except (GeneratorExit, asyncio.CancelledError):  # the client went away: the request still has its record
            if ctx.state is not None:
                outcomes.in_background(self._background, self._write_disconnect(ctx, ctx.state), ctx.record.id)
            raise
        finally:
            self._in_flight -= 1
        yield StreamEvent(text=result.text)
        yield StreamEvent(result=result)

    async def reject(
        self, principal: Principal, error: StewardError, body: Any, auth_ms: float = 0.0, *, app: str | None = None
    ) -> None:
        """The failed record of an authenticated request that never reached the pipeline (an unreadable body,
        invalid fields); `error.record_id` names it. The body is not kept: it was not validated, nor scanned.
        `app`: what the record names (else the body's `model`)."""
        model = app or (body.get("model") if isinstance(body, dict) else None)
        record = Record.start(model[:200] if isinstance(model, str) and model else "(none)")
        record.key_id, record.team = principal.key_id, principal.team
        record.stream = isinstance(body, dict) and body.get("stream") is True
        record.latency.auth_ms = auth_ms
        self._in_flight += 1
        try:
            await self._fail(RequestContext(record, time.perf_counter()), error)
        finally:
            self._in_flight -= 1

    async def embed(
        self, principal: Principal, texts: list[str], embedder: TextEmbedder, auth_ms: float = 0.0
    ) -> tuple[np.ndarray, Record]:
        """Serve `POST /v1/embeddings` as a governed request: its own record (counts only: the texts are not
        kept, nor scanned), its tokens reserved against the key's budget before the work and charged with it."""
        ctx = RequestContext(Record.start(EMBEDDINGS), time.perf_counter())
        record = ctx.record
        record.key_id, record.team, record.latency.auth_ms = principal.key_id, principal.team, auth_ms
        record.explanation = {"embeddings": {"inputs": len(texts), "characters": sum(map(len, texts))}}
        self._in_flight += 1
        try:
            tokens = sum(embedder.count_tokens(t) for t in texts)  # what is charged, so exactly what is reserved
            await self.budgets.reserve_tokens(record, tokens)
            t0 = time.perf_counter()
            vectors = await asyncio.to_thread(embedder.embed, texts)
            record.latency.model_ms = ms_since(t0)
            record.usage = Usage(tokens, 0)
            record.finish_reason = "stop"
            self._time(ctx)  # no texts kept, so nothing to redact: the record is sealed by its timing alone
            await self._store(record)
            return vectors, record
        except Exception as exc:
            error = await self._failure(ctx, exc)
            if error is exc:
                raise
            raise error from exc
        finally:
            self._in_flight -= 1

    async def _write_disconnect(self, ctx: RequestContext, state: outcomes.StreamState) -> None:
        """A disconnected stream's record, written from a task of its own (the request's is being cancelled)."""
        record = ctx.record
        try:
            if record.finished_at is None:  # else the record was already on its way to the store
                outcomes.disconnected(record, state)
                if state.model is not None and state.usage is not None:
                    note_model(record, state.model, state.usage, "error")
                await self._seal(ctx, "disconnected")
                await self.store.write(record)
                self._observe(record, "client_disconnected")
            await self.budgets.settle(record)
        except Exception:
            log.exception("request %s: the client disconnected and its record could not be written", record.id)

    # ---- stages --------------------------------------------------------------------------------------

    def _begin(self, request: ChatRequest, principal: Principal, auth_ms: float) -> RequestContext:
        """The request's context and its record, started as the request arrived."""
        started = time.perf_counter()
        record = Record.start(request.app)
        record.key_id = principal.key_id
        record.team = principal.team
        record.subject = request.subject or principal.subject
        record.consent = request.consent
        record.origin = request.origin
        record.latency.auth_ms = auth_ms
        record.input = [Turn(m.role, m.content) for m in request.messages]
        return RequestContext(record, started, request, principal)

    # ---- the record ------------------------------------------------------------------------------------

    @staticmethod
    def _apply(ctx: RequestContext, result: ModelResult) -> None:
        """The model stage's result in the record (the one place it goes there), whole or up to a failure."""
        record = ctx.record
        if result.model_ms is not None:
            record.latency.model_ms = result.model_ms
        if result.attempts is not None:
            record.attempts = result.attempts
        if result.model is not None:
            note_model(record, result.model, result.usage, result.finish_reason)
        record.decisions.extend(result.decisions)
        record.latency.guardrails_ms += result.guardrails_ms
        if result.held is not None:
            record.output = result.held
        if result.ending is not None:
            ctx.outcome = result.ending
        if result.grounding:
            record.explanation = {**(record.explanation or {}), "grounding": result.grounding}
        if result.route is not None:  # why this model (`steward.explain.routing` words it)
            record.explanation = {**(record.explanation or {}), "route": result.route}
        if result.reasoning is not None:  # the body keeps its hash; the text is stored apart, with the record
            record.explanation = {**(record.explanation or {}), "reasoning": reasoning.summary(result.reasoning)}
            ctx.reasoning = result.reasoning
        if result.checked_calls:  # each tool call the model made, with its verdict
            tools = dict((record.explanation or {}).get("tools") or {})
            tools["calls"] = [*tools.get("calls", []), *result.checked_calls]
            record.explanation = {**(record.explanation or {}), "tools": tools}

    def _time(self, ctx: RequestContext) -> None:
        record = ctx.record
        record.latency.total_ms = ms_since(ctx.started) + record.latency.auth_ms
        record.finished_at = time.time()

    async def _seal(
        self, ctx: RequestContext, status: Status | None = None, *, failed: StewardError | None = None
    ) -> None:
        """The record's last steps before the write, the same on every path and once: its status (`status`, else
        how the stages said the request is ending), what it may keep of the request's texts
        (`redact_for_storage`, the one place that decides it), and its total time.

        `failed`: the error of a failed request. Its record is kept even when its texts cannot be scanned: then it
        keeps none of them, and the error's code instead of its message.
        """
        record = ctx.record
        record.status = status or ctx.outcome
        try:
            await redact_for_storage(self.guard, self.project, record)
        except Exception:
            if failed is None:
                raise
            log.exception("request %s: scanning the failed request's texts for its record failed", record.id)
            keep_nothing(record, failed.code)
        self._time(ctx)

    async def _finish(self, ctx: RequestContext, text: str, finish_reason: str) -> ChatResult:
        """A request answered (by the model, or early by a decline or a hold): sealed, stored, then returned."""
        record = ctx.record
        if record.output is None:
            record.output = text
        record.finish_reason = record.finish_reason or finish_reason
        await self._seal(ctx)
        if ctx.reasoning is not None:  # kept as privately as the record's texts (`redact_records`)
            ctx.reasoning = await redact_reasoning(self.guard, record, ctx.reasoning)
        await self._store(record, ctx.reasoning)
        return ChatResult(
            text=text,
            finish_reason=record.finish_reason,
            usage=record.usage,
            record=record,
            steward=public_summary(record),
        )

    async def _store(self, record: Record, thought: str | None = None) -> None:
        """Make the record durable, then hold it for review and report it.

        From the write on, the request has its one record: a failure after it is logged and answered as a 500
        that names the record, and the request is never recorded a second time as failed. `thought`, the model's
        reasoning (`app.reasoning`), is written in the record's own transaction, apart from its body.
        """
        if thought is None:
            await self.store.write(record, alone=self._in_flight == 1)
        else:
            await self.store.write(
                record, alone=self._in_flight == 1, attached=[reasoning.stored(record, thought)]
            )
        await self.budgets.settle(record)
        try:
            if record.status == "escalated":
                await asyncio.to_thread(self.reviews.hold, record)
            self._observe(record)
        except Exception as exc:
            log.exception("request %s was recorded, but what follows the record failed", record.id)
            error = StewardError(
                f"internal error after the request was recorded as {record.id}; see the server log."
            )
            error.record_id = record.id
            raise _Recorded(error) from exc

    async def _blocked(self, ctx: RequestContext, error: PolicyViolation) -> ChatResult:
        """A policy block is an answer, not a failure: an OpenAI-shaped refusal with public reason codes."""
        record = ctx.record
        record.error = ", ".join(error.reasons)
        record.output = None
        record.finish_reason = "content_filter"
        await self._seal(ctx, "blocked")
        await self._store(record)
        blocking = next((d for d in reversed(record.decisions) if d.action == "block"), None)
        return ChatResult(
            text=refusal_text(blocking, error.reasons),  # which rule refused, never the data it found
            finish_reason="content_filter",
            usage=record.usage,
            record=record,
            steward=public_summary(record),
        )

    async def _failure(self, ctx: RequestContext, exc: Exception) -> StewardError:
        """The error to answer `exc` with, once the request's record says it failed (never twice: a failure after
        the record was durable is already recorded, `_Recorded`)."""
        if isinstance(exc, _Recorded):
            return exc.error
        if isinstance(exc, StewardError):
            await self._fail(ctx, exc)
            return exc
        error = StewardError(f"internal error ({type(exc).__name__}); the request was recorded as {ctx.record.id}")
        await self._fail(ctx, error)
        log.exception("unexpected error in request %s", ctx.record.id, exc_info=exc)
        return error

    async def _fail(self, ctx: RequestContext, error: StewardError) -> None:
        record = ctx.record
        record.error = error.message
        # the code, and whose mistake it was: monitoring tells the caller's errors from failures by it
        record.explanation = {
            **(record.explanation or {}),
            "error": {"code": error.code, "caller": error.caller_error},
        }
        if error.attempts:
            record.attempts = [attempt_entry(a) for a in error.attempts]
        error.record_id = record.id
        await self._seal(ctx, "failed", failed=error)
        try:
            await self.store.write(record, alone=self._in_flight == 1)
        except StewardError:
            log.exception("could not store the record of a failed request %s", record.id)
        await self.budgets.settle(record)
        self._observe(record, error.code)

    def _observe(self, record: Record, error_code: str | None = None) -> None:
        self.metrics.observe(record, error_code)
        if self.tracer is not None:
            self.tracer.observe(record)
        log.info(
            "request",
            extra={
                "record": record.id,
                "app": record.app,
                "status": record.status,
                "error_code": error_code,
                "total_ms": round(record.latency.total_ms, 3),
                "tokens": record.usage.total_tokens,
            },
        )
