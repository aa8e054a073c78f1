"""The governed request pipeline: one `Record` per request, whatever happens.

    authorise ─► input guards ─► [retrieval ─► retrieved guards] ─► model ─► output guards ─► seal ─► store

A request is one `_Request` (the request, its caller, its record, how it is ending) carried through the stages.
`Gateway.chat` and `Gateway.chat_stream` run one and the same sequence (`_serve`); they differ only at the model
stage, a whole answer (`_answer`) or one released as it streams (`_stream_model`). An early answer (a decline, a
held-for-review notice), a policy block and a failure end both the same way. The stages say how the request is
ending (`_Request.outcome`); `_seal` turns that into the record's status, applies what the record may keep
(`redaction.redact_for_storage`) and times it, once, on every path; then the record is written (group commit,
awaited) before the answer, or the error, reaches the caller, so an acknowledged answer always has its record.
Guardrails and retrieval are optional collaborators (typed protocols in `collaborators`) so the spine serves
without them and each capability plugs in. Beside it: how a request that did not end normally is recorded
(`outcomes`), a grounded stream released sentence by sentence (`grounded`), requests held for a human and
released once approved (`review_release`), feedback and readiness (`upkeep`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from steward.config import AppSpec, Project, Settings
from steward.errors import InvalidRequest, PermissionDenied, PolicyViolation, StewardError
from steward.gateway import outcomes
from steward.gateway.collaborators import Guard, RecordStore, Retriever, SchemaCheck
from steward.gateway.grounded import NOT_FOUND, UNSUPPORTED, GroundedRelease, grounding_decision
from steward.gateway.metrics import Metrics
from steward.gateway.redaction import redact_for_storage
from steward.gateway.refusal import refusal_text
from steward.gateway.requests import ChatRequest, ChatResult, StreamEvent, public_summary
from steward.gateway.review_release import HELD_FOR_REVIEW, ReviewRelease
from steward.language import is_small_talk
from steward.models.base import cost_of
from steward.types import Decision, GenerationParams, Message, Principal, Record, Source, Stage, Status, Usage

log = logging.getLogger("steward.requests")

REQUEST_SCHEMA = "the request's response_format schema"
EMBEDDINGS = "(embeddings)"  # the `app` of an embeddings call's record: it names no app


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _attempt(attempt: Any) -> dict[str, Any]:
    return {"model": attempt.model, "error": attempt.error, "ms": round(attempt.ms, 3)}


def _last_user_index(messages: list[Message]) -> int:
    return max(i for i, m in enumerate(messages) if m.role == "user")


@dataclass(slots=True)
class _Prepared:
    """A request after the input stages: what goes to the model, or the answer that replaces it."""

    messages: list[Message]
    params: GenerationParams
    input_decision: Decision | None
    sources: list[Source]
    early_answer: str | None = None  # a decline or a held-for-review notice: no model call
    enforcer: SchemaCheck | None = None  # the app's response_schema: the answer is validated whole
    question: str = ""  # the user's last turn as they wrote it: the grounding check does not score it as a claim


@dataclass(slots=True)
class _Request:
    """One request through the stages: what was asked, by whom, its record, and how it is ending.

    `outcome` is what the stages decided (held for review, declined); the record's status is set from it once,
    by `_seal`, so no stage writes the status another stage then overwrites, and every path ends the same way.
    """

    record: Record
    started: float
    request: ChatRequest | None = None  # None: an embeddings call, or a body that never became a request
    principal: Principal | None = None
    outcome: Status = "served"
    state: outcomes.StreamState | None = None  # a streamed request: what the model produced so far


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
        models: Any,
        *,
        guard: Guard | None = None,
        retriever: Retriever | None = None,
        metrics: Metrics | None = None,
        tracer: Any = None,
        budget: Any = None,
    ) -> None:
        self.project = project
        self.settings = settings
        self.store = store
        self.models = models
        self.guard = guard
        self.retriever = retriever
        self.metrics = metrics or Metrics()
        self.tracer = tracer
        self.budgets = outcomes.Reservations(budget)  # token budgets: reserved before the model call
        self._background: set[asyncio.Task[None]] = set()  # records of disconnected streams, being written
        self._in_flight = 0  # requests between entry and their record; one alone may commit it inline
        self.reviews = ReviewRelease(guard, store, self.chat)  # escalated requests: held, then released

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

    async def _serve(self, ctx: _Request, *, screen: bool = True) -> AsyncGenerator[StreamEvent, None]:
        """The stages of one request, streamed or not: they differ only at the model stage. An early answer, a
        whole answer and a refusal come as one text event and the result; a streamed answer as it is released."""
        assert ctx.request is not None and ctx.principal is not None
        self._in_flight += 1
        try:
            app = self._authorise(ctx.request, ctx.principal)
            prepared = await self._prepare(app, ctx, screen=screen)
            if prepared.early_answer is not None:
                result = await self._finish(ctx, prepared.early_answer, "stop")
            elif ctx.state is None or prepared.enforcer is not None:  # structured output is released whole
                result = await self._answer(app, prepared, ctx)
            else:
                async for event in self._stream_model(app, prepared, ctx, ctx.state):
                    yield event
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
            await self._fail(_Request(record, time.perf_counter()), error)
        finally:
            self._in_flight -= 1

    async def embed(self, principal: Principal, texts: list[str], embedder: Any, auth_ms: float = 0.0) -> Any:
        """Serve `POST /v1/embeddings` as a governed request: its own record (counts only: the texts are not
        kept, nor scanned), its tokens reserved against the key's budget before the work and charged with it."""
        ctx = _Request(Record.start(EMBEDDINGS), time.perf_counter())
        record = ctx.record
        record.key_id, record.team, record.latency.auth_ms = principal.key_id, principal.team, auth_ms
        record.explanation = {"embeddings": {"inputs": len(texts), "characters": sum(map(len, texts))}}
        self._in_flight += 1
        try:
            tokens = sum(embedder.count_tokens(t) for t in texts)  # what is charged, so exactly what is reserved
            await self.budgets.reserve_tokens(record, tokens)
            t0 = time.perf_counter()
            vectors = await asyncio.to_thread(embedder.embed, texts)
            record.latency.model_ms = _ms(t0)
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

    async def _write_disconnect(self, ctx: _Request, state: outcomes.StreamState) -> None:
        """A disconnected stream's record, written from a task of its own (the request's is being cancelled)."""
        record = ctx.record
        try:
            if record.finished_at is None:  # else the record was already on its way to the store
                outcomes.disconnected(record, state)
                if state.model is not None and state.usage is not None:
                    self._note_model(record, state.model, state.usage, "error")
                await self._seal(ctx, "disconnected")
                await self.store.write(record)
                self._observe(record, "client_disconnected")
            await self.budgets.settle(record)
        except Exception:
            log.exception("request %s: the client disconnected and its record could not be written", record.id)

    # ---- stages --------------------------------------------------------------------------------------

    def _begin(self, request: ChatRequest, principal: Principal, auth_ms: float) -> _Request:
        """The request's context and its record, started as the request arrived."""
        started = time.perf_counter()
        record = Record.start(request.app)
        record.key_id = principal.key_id
        record.team = principal.team
        record.subject = request.subject or principal.subject
        record.consent = request.consent
        record.origin = request.origin
        record.latency.auth_ms = auth_ms
        record.input = [{"role": m.role, "content": m.content} for m in request.messages]
        return _Request(record, started, request, principal)

    def _authorise(self, request: ChatRequest, principal: Principal) -> AppSpec:
        # a key names only its own team's apps: another team's is answered as an unknown one (no probing)
        app = self.project.app(request.app, team=principal.team if principal.key_id is not None else None)
        if not principal.calls_apps:
            raise PermissionDenied(
                f"{principal.role} keys can not call apps (auditors read records, metrics keys scrape /metrics); "
                "use an `app` or `developer` key."
            )
        if not principal.may_use(request.app) or (principal.key_id and app.team != principal.team):
            raise PermissionDenied(
                f"this key may not call app {request.app!r}; ask an admin for a key scoped to it "
                f"(`steward keys create --role app --apps {request.app}`)."
            )
        if len(request.messages) > app.limits.max_turns:  # each turn is scanned: bound the work before any scan
            raise InvalidRequest(
                f"the conversation has {len(request.messages)} messages; app {request.app!r} accepts at most "
                f"{app.limits.max_turns}. Send fewer (older) turns, or raise `limits.max_turns` in steward.yaml.",
                param="messages",
            )
        total = sum(len(m.content) for m in request.messages)
        if total > app.limits.max_input_chars:
            raise InvalidRequest(
                f"the input is {total} characters; app {request.app!r} accepts at most "
                f"{app.limits.max_input_chars}. Shorten the conversation.",
                param="messages",
            )
        return app

    def _params(self, app: AppSpec, request: ChatRequest) -> GenerationParams:
        defaults = app.params
        max_tokens = (
            defaults.max_tokens if request.max_tokens is None else min(request.max_tokens, defaults.max_tokens)
        )
        return GenerationParams(
            temperature=defaults.temperature if request.temperature is None else request.temperature,
            top_p=defaults.top_p if request.top_p is None else request.top_p,
            seed=defaults.seed if request.seed is None else request.seed,
            max_tokens=max_tokens,
            stop=request.stop,
            # the app's schema is authoritative, as its system prompt is: it is what the answer is checked against
            json_schema=app.response_schema or request.json_schema,
        )

    async def _scan(self, app_name: str, stage: Stage, text: str, record: Record) -> Decision | None:
        """One guardrail stage, on a worker thread: scanners are CPU-bound and the event loop serves others."""
        if self.guard is None:
            return None
        t0 = time.perf_counter()
        decision = await asyncio.to_thread(self.guard.scan, app_name, stage, text)
        record.latency.guardrails_ms += _ms(t0)
        record.decisions.append(decision)
        return decision

    async def _prepare(self, app: AppSpec, ctx: _Request, *, screen: bool = True) -> _Prepared:
        """The input stages: parameters, input guardrails, retrieval and its guardrails, the prompt, the budget."""
        request, record = ctx.request, ctx.record
        assert request is not None and ctx.principal is not None
        params = self._params(app, request)
        record.params = {
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            "max_tokens": params.max_tokens,
            "stop": list(params.stop),
            "json_schema": params.json_schema is not None,
        }
        record.prompt_version = app.prompt.version
        messages, decision = list(request.messages), None
        if screen:
            messages, decision = await self._screen_input(app, messages, ctx)
        if ctx.outcome == "escalated":
            return _Prepared(messages, params, decision, [], early_answer=HELD_FOR_REVIEW)
        last = _last_user_index(messages)
        small_talk = bool(app.rag) and is_small_talk(messages[last].content)
        messages[last] = replace(
            messages[last], content=app.prompt.template.replace("{input}", messages[last].content)
        )
        sources: list[Source] = []
        if small_talk:  # nothing to look up, nothing to check: see steward.language
            record.explanation = {**(record.explanation or {}), "retrieval": {"skipped": "small talk"}}
        if app.rag and self.retriever is not None and not small_talk:
            t0 = time.perf_counter()
            # embedding + SQL: off the event loop, so other requests keep flowing
            grounding = await asyncio.to_thread(self.retriever.prepare, request.app, messages, ctx.principal)
            record.latency.retrieval_ms = _ms(t0)
            sources = await self._screen_sources(request.app, list(grounding.sources), record)
            record.sources = sources
            if grounding.decline is None and grounding.sources and not sources:
                # the `retrieved` stage removed every source: answering now would be ungrounded
                grounding.decline = self.retriever.spec(app.rag).grounding.decline
            if grounding.decline is not None:
                ctx.outcome = "declined"
                if grounding.sources == [] and grounding.identifiers:  # an identifier of the question is nowhere
                    record.decisions.append(grounding_decision(NOT_FOUND))
                return _Prepared(messages, params, decision, sources, early_answer=grounding.decline)
            if sources == list(grounding.sources):
                messages = list(grounding.messages)
            else:  # chunks were screened out or redacted: rebuild the prompt from what passed, as it passed
                messages = list(self.retriever.compose(request.app, messages, sources))
        elif app.prompt.system:  # the app's system prompt is authoritative: a client's system messages are dropped
            messages = [Message("system", app.prompt.system), *[m for m in messages if m.role != "system"]]
        enforcer = self._schema_enforcer(app, request)
        await self.budgets.reserve(record, messages, params)
        question = request.messages[_last_user_index(list(request.messages))].content
        canaried = self._with_canary(request.app, messages)
        return _Prepared(canaried, params, decision, sources, enforcer=enforcer, question=question)

    def _schema_enforcer(self, app: AppSpec, request: ChatRequest) -> SchemaCheck | None:
        """The app's `response_schema` holds on every backend, whether or not guardrails are attached; where the
        app has none, a client's `response_format` schema holds the same way (a 502, never a 200 breaking it)."""
        if self.guard is not None:  # its policy's `schema` rule may turn the re-ask off
            return self.guard.schema_enforcer(request.app, request.json_schema)
        from steward.guardrails.output_rules import SchemaEnforcer  # jsonschema only: no scanner is loaded

        if app.response_schema is not None:
            return SchemaEnforcer(app.response_schema)
        if request.json_schema is not None:
            return SchemaEnforcer(request.json_schema, source=REQUEST_SCHEMA)
        return None

    async def _screen_input(
        self, app: AppSpec, messages: list[Message], ctx: _Request
    ) -> tuple[list[Message], Decision | None]:
        """Scan every turn that reaches the model, in order, so pseudonyms stay consistent across turns (a value
        in the system turn and in a user turn gets one placeholder); redact, block or hold.

        User turns get the whole input policy; system and assistant turns the client sent, the PII and secrets
        rules whose `roles` name them (`Guard.scan`). A client's system turn that the app replaces with its own
        system prompt (or a grounded prompt) never reaches the model, so it is not screened for it. Each decision
        names its turn, so the record shows what was decided for every message.
        """
        if self.guard is None:
            return messages, None
        assert ctx.request is not None
        app_name, record = ctx.request.app, ctx.record
        # see `_prepare`: the app's own system prompt, or a grounded prompt, replaces the client's system turns
        dropped = bool(app.prompt.system or (app.rag and self.retriever is not None))
        decision: Decision | None = None
        for i, message in enumerate(messages):
            if message.role == "system" and dropped:
                continue
            t0 = time.perf_counter()
            decision = await asyncio.to_thread(
                self.guard.scan, app_name, "input", message.content, conversation=decision, role=message.role
            )
            record.latency.guardrails_ms += _ms(t0)
            decision.turn = i
            record.decisions.append(decision)
            if decision.action == "block":
                raise PolicyViolation("the request was blocked by the app's input policy.", decision.reasons)
            if decision.action == "escalate":
                ctx.outcome = "escalated"
                return messages, decision
            if decision.action == "redact" and decision.text is not None:
                messages[i] = replace(message, content=decision.text)
        return messages, decision

    def _with_canary(self, app_name: str, messages: list[Message]) -> list[Message]:
        """System-prompt leakage: the guard appends a canary token that the output stage watches for."""
        if self.guard is None or not messages or messages[0].role != "system":
            return messages
        return [
            replace(messages[0], content=self.guard.system_prompt(app_name, messages[0].content)),
            *messages[1:],
        ]

    async def _screen_sources(self, app_name: str, sources: list[Source], record: Record) -> list[Source]:
        """Indirect injection: a retrieved chunk the `retrieved` stage blocks never reaches the model, and one it
        redacts (personal data, secrets in a document) reaches it redacted."""
        guard = self.guard
        if guard is None or not sources:
            return sources
        t0 = time.perf_counter()
        decisions = await asyncio.to_thread(lambda: [guard.scan(app_name, "retrieved", s.text) for s in sources])
        record.latency.guardrails_ms += _ms(t0)
        record.decisions.extend(decisions)
        return [
            replace(s, text=d.text) if d.action == "redact" and d.text is not None else s
            for s, d in zip(sources, decisions, strict=True)
            if d.action not in ("block", "escalate")
        ]

    def _note_model(self, record: Record, served_by: Any, usage: Usage, finish_reason: str) -> None:
        record.model = served_by.ref
        earlier = record.usage  # non-zero when a structured-output re-ask was needed
        usage = Usage(
            earlier.prompt_tokens + usage.prompt_tokens, earlier.completion_tokens + usage.completion_tokens
        )
        record.usage = usage
        record.finish_reason = finish_reason
        record.cost = cost_of(served_by.price, usage.prompt_tokens, usage.completion_tokens)

    async def _guard_output(self, app_name: str, text: str, prepared: _Prepared, ctx: _Request) -> str:
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

    async def _answer(self, app: AppSpec, prepared: _Prepared, ctx: _Request) -> ChatResult:
        """The model's whole answer: generated, held to the app's schema, scanned, then recorded."""
        request, record = ctx.request, ctx.record
        assert request is not None
        t0 = time.perf_counter()
        try:
            served = await self.models.route(app).complete(
                prepared.messages, prepared.params, sticky_key=request.subject
            )
        finally:
            record.latency.model_ms = _ms(t0)
        served = await self._structured(app, request, prepared, served, record)
        completion = served.completion
        record.attempts = [_attempt(a) for a in served.attempts]
        self._note_model(record, served.model, completion.usage, completion.finish_reason)
        text = await self._guard_output(request.app, completion.text, prepared, ctx)
        return await self._finish(ctx, text, completion.finish_reason)

    async def _structured(
        self, app: AppSpec, request: ChatRequest, prepared: _Prepared, served: Any, record: Record
    ) -> Any:
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
            record.attempts = [_attempt(a) for a in served.attempts]
            self._note_model(record, served.model, completion.usage, completion.finish_reason)
            cut_at = prepared.params.max_tokens if completion.finish_reason == "length" else None
            raise enforcer.fail(problems, cut_at=cut_at, constrained=constrained)
        return served

    async def _stream_model(
        self, app: AppSpec, prepared: _Prepared, ctx: _Request, state: outcomes.StreamState
    ) -> AsyncIterator[StreamEvent]:
        """The model's answer released as it streams: through the output guard's windows and, for a grounded
        app, sentence by sentence once each passed the grounding check; the result follows the record."""
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
                yield StreamEvent(text=ready)
        record.latency.model_ms = _ms(t0)
        record.attempts = [_attempt(a) for a in stream.attempts]
        if stream.model is not None:
            self._note_model(record, stream.model, usage, finish_reason)
        full = "".join(pieces)
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
                rest, grounded = HELD_FOR_REVIEW, None
            elif grounded is None:
                rest = await self._after_output(request.app, rest, prepared, ctx)
        if grounded is not None:
            rest = await asyncio.to_thread(grounded.close, rest)
            rest += await self._after_output(request.app, full, prepared, ctx, released=grounded)
        result = await self._finish(ctx, full, finish_reason)
        if rest:
            yield StreamEvent(text=rest)
        yield StreamEvent(result=result)

    async def _after_output(
        self, app_name: str, text: str, prepared: _Prepared, ctx: _Request, released: GroundedRelease | None = None
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

    # ---- the record ------------------------------------------------------------------------------------

    def _time(self, ctx: _Request) -> None:
        record = ctx.record
        record.latency.total_ms = _ms(ctx.started) + record.latency.auth_ms
        record.finished_at = time.time()

    async def _seal(
        self, ctx: _Request, status: Status | None = None, *, failed: StewardError | None = None
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
            outcomes.omit_input(record)
            record.output, record.error = None, f"{failed.code} (its message could not be scanned, so is not kept)"
        self._time(ctx)

    async def _finish(self, ctx: _Request, text: str, finish_reason: str) -> ChatResult:
        """A request answered (by the model, or early by a decline or a hold): sealed, stored, then returned."""
        record = ctx.record
        if record.output is None:
            record.output = text
        record.finish_reason = record.finish_reason or finish_reason
        await self._seal(ctx)
        await self._store(record)
        return ChatResult(
            text=text,
            finish_reason=record.finish_reason,
            usage=record.usage,
            record=record,
            steward=public_summary(record),
        )

    async def _store(self, record: Record) -> None:
        """Make the record durable, then hold it for review and report it.

        From the write on, the request has its one record: a failure after it is logged and answered as a 500
        that names the record, and the request is never recorded a second time as failed.
        """
        await self.store.write(record, alone=self._in_flight == 1)
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

    async def _blocked(self, ctx: _Request, error: PolicyViolation) -> ChatResult:
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

    async def _failure(self, ctx: _Request, exc: Exception) -> StewardError:
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

    async def _fail(self, ctx: _Request, error: StewardError) -> None:
        record = ctx.record
        record.error = error.message
        attempts = getattr(error, "attempts", None)
        if attempts:
            record.attempts = [_attempt(a) for a in attempts]
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
