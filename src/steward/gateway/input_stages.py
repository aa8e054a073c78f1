"""The input stages of a request: who may call the app, its parameters, input guardrails, retrieval and its
guardrails, the prompt, the token budget.

What comes out (`Prepared`) is either what goes to the model or the answer that replaces the model call (a
decline, a held-for-review notice). Streamed and non-streamed requests run these stages alike. Every scan runs on
a worker thread: scanners are CPU-bound, and the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from steward.config import AppSpec, Project
from steward.errors import InvalidRequest, PermissionDenied, PolicyViolation
from steward.explain import reasoning
from steward.gateway import outcomes
from steward.gateway.collaborators import InputGuard, Retriever, SchemaCheck
from steward.gateway.context import Prepared, RequestContext, last_user_index, ms_since
from steward.gateway.grounded import NOT_FOUND, grounding_decision
from steward.gateway.requests import ChatRequest
from steward.gateway.review_release import HELD_FOR_REVIEW
from steward.gateway.tools import ToolPlan, ToolStages, uses_tools
from steward.language import is_small_talk
from steward.types import Decision, GenerationParams, Message, Principal, Record, Source

REQUEST_SCHEMA = "the request's response_format schema"


class InputStages:
    """Everything before the model call, for the apps of one project."""

    def __init__(
        self,
        project: Project,
        guard: InputGuard | None,
        retriever: Retriever | None,
        budgets: outcomes.Reservations,
        tools: ToolStages | None = None,
    ) -> None:
        self.project = project
        self.guard = guard
        self.retriever = retriever
        self.budgets = budgets
        self.tools = tools or ToolStages(project)

    def authorise(self, request: ChatRequest, principal: Principal) -> AppSpec:
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

    async def prepare(self, app: AppSpec, ctx: RequestContext, *, screen: bool = True) -> Prepared:
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
            return Prepared(messages, params, decision, [], early_answer=HELD_FOR_REVIEW)
        plan: ToolPlan | None = None
        if uses_tools(request):  # else skipped: plain chat's hot path does not move
            messages, plan = await self.tools.offer(app, request, messages, record, ctx.principal.team)
            params = replace(
                params, tools=plan.definitions, tool_choice=request.tool_choice if plan.offered else None
            )
        last = last_user_index(messages)
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
            record.latency.retrieval_ms = ms_since(t0)
            sources = await self._screen_sources(request.app, list(grounding.sources), record)
            record.sources = sources
            if grounding.decline is None and grounding.sources and not sources:
                # the `retrieved` stage removed every source: answering now would be ungrounded
                grounding.decline = self.retriever.spec(app.rag).grounding.decline
            if grounding.decline is not None:
                ctx.outcome = "declined"
                if grounding.sources == [] and grounding.identifiers:  # an identifier of the question is nowhere
                    record.decisions.append(grounding_decision(NOT_FOUND))
                return Prepared(messages, params, decision, sources, early_answer=grounding.decline)
            if sources == list(grounding.sources):
                messages = list(grounding.messages)
            else:  # chunks were screened out or redacted: rebuild the prompt from what passed, as it passed
                messages = list(self.retriever.compose(request.app, messages, sources))
        elif app.prompt.system:  # the app's system prompt is authoritative: a client's system messages are dropped
            messages = [Message("system", app.prompt.system), *[m for m in messages if m.role != "system"]]
        if app.reasoning is not None:  # the model is asked to reason inside the app's markers
            messages = reasoning.with_ask(messages, app.reasoning)
        enforcer = self._schema_enforcer(app, request)
        await self.budgets.reserve(record, messages, params)
        question = request.messages[last_user_index(list(request.messages))].content
        canaried = self._with_canary(request.app, messages)
        return Prepared(canaried, params, decision, sources, enforcer=enforcer, question=question, tools=plan)

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
        self, app: AppSpec, messages: list[Message], ctx: RequestContext
    ) -> tuple[list[Message], Decision | None]:
        """Scan every turn that reaches the model, in order, so pseudonyms stay consistent across turns (a value
        in the system turn and in a user turn gets one placeholder); redact, block or hold.

        User turns get the whole input policy; system and assistant turns the client sent, the PII and secrets
        rules whose `roles` name them (`Scanning.scan`). A client's system turn that the app replaces with its own
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
            record.latency.guardrails_ms += ms_since(t0)
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
        record.latency.guardrails_ms += ms_since(t0)
        record.decisions.extend(decisions)
        return [
            replace(s, text=d.text) if d.action == "redact" and d.text is not None else s
            for s, d in zip(sources, decisions, strict=True)
            if d.action not in ("block", "escalate")
        ]
