"""The tool stages of a request: the tools it offers and the results it sends back (before the model), and the
calls the model makes (after it), all checked by `steward.agents` and recorded in the request's one record.

A request without `tools` and without tool results skips both at the cost of one look at its messages, so the
hot path of plain chat is unmoved. With them: the offered tools must be the app's (`ToolRegistry.offered`; a
caller's mistake is a recorded 400/403), the tool results are screened for indirect injection
(`ResultScreen`), and each call the model makes is checked (`ToolCallChecker`) before any of it reaches the
caller. A refused call is answered per the app's `agent.on_refusal`: `block` refuses the request with reasons
that name the tool and the rule; `tell_model` tells the model why and asks again (`max_reasks` times), then
blocks.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from typing import Any

from steward.agents import ResultScreen, ToolCallChecker, ToolRegistry, Trace
from steward.agents.checks import CallVerdict
from steward.config import AppSpec, Project
from steward.config.tools import ToolSpec
from steward.errors import PolicyViolation
from steward.gateway.context import ms_since
from steward.gateway.requests import ChatRequest
from steward.types import Decision, Message, Record, ToolCall


@dataclass(slots=True)
class ToolPlan:
    """What the tool stage prepared for the model: the offered tools (the registry's specs) and the trace."""

    offered: dict[str, ToolSpec]
    definitions: tuple[dict[str, Any], ...]
    trace: Trace
    team: str


def uses_tools(request: ChatRequest) -> bool:
    """Whether a request offers tools or carries tool results (else the tool stages are skipped)."""
    return bool(request.tools) or any(m.role == "tool" for m in request.messages)


class ToolStages:
    """The registry, the result screen and the call checker of one project (scanners built on first use)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.registry = ToolRegistry(project)
        self.screen = ResultScreen()
        self.checker = ToolCallChecker()

    async def offer(
        self, app: AppSpec, request: ChatRequest, messages: list[Message], record: Record, team: str
    ) -> tuple[list[Message], ToolPlan]:
        """The offered tools and the screened tool results: the messages the model reads, and the plan."""
        offered = self.registry.offered(request.app, request.tools)
        choice = request.tool_choice
        if choice == "none":
            offered = {}
        elif isinstance(choice, dict):
            offered = {n: s for n, s in offered.items() if n == choice["function"]["name"]}
        t0 = time.perf_counter()
        screened = await asyncio.to_thread(self.screen.screen, messages, app.agent.results)
        record.latency.guardrails_ms += ms_since(t0)
        record.decisions.extend(screened.decisions)
        record.explanation = {
            **(record.explanation or {}),
            "tools": {
                "offered": sorted(offered),
                "results_flagged": screened.trace.flagged_results,
                "calls": [],
            },
        }
        if screened.blocked is not None:
            raise PolicyViolation(
                "a tool result was refused by the app's agent policy: it reads as instructions to the assistant.",
                screened.blocked.reasons,
            )
        plan = ToolPlan(offered, self.registry.definitions(offered), screened.trace, team)
        return screened.messages, plan

    async def check(self, app: AppSpec, plan: ToolPlan, calls: tuple[ToolCall, ...]) -> list[CallVerdict]:
        """Each call's verdict, on a worker thread (the argument scanners are CPU-bound)."""
        policy = app.agent

        def run() -> list[CallVerdict]:
            return [self.checker.check(call, plan.offered, policy, plan.team, plan.trace) for call in calls]

        return await asyncio.to_thread(run)


def call_entry(verdict: CallVerdict) -> dict[str, Any]:
    """A checked call as the record's explanation keeps it (`tools.calls`)."""
    return {
        "id": verdict.call.id,
        "name": verdict.call.name,
        "arguments": verdict.call.arguments,
        "action": verdict.decision.action,
        "reasons": verdict.decision.reasons,
        "needs_approval": verdict.needs_approval,
    }


def refusal_message(verdicts: list[CallVerdict]) -> str:
    """What the caller (or the model) reads about refused calls: each tool and the rules it broke, in words."""
    parts = []
    for verdict in verdicts:
        if verdict.allowed:
            continue
        why = "; ".join(f"{f.kind.replace('_', ' ')} ({f.detail})" for f in verdict.findings)
        parts.append(f"the call of tool {verdict.call.name!r} was refused: {why}")
    return "Steward refused the model's tool call: " + ". ".join(parts) + "."


def told(messages: list[Message], text: str, verdicts: list[CallVerdict]) -> list[Message]:
    """The conversation with the model's refused turn and, for each call, why it was not run: for a re-ask."""
    calls = tuple(v.call for v in verdicts)
    out = [*messages, Message("assistant", text, tool_calls=calls)]
    for verdict in verdicts:
        reason = (
            "not run: another call of this turn was refused; call it again if it is still needed."
            if verdict.allowed
            else refusal_message([verdict])
        )
        out.append(Message("tool", reason, tool_call_id=verdict.call.id))
    return out


def blocking_decision(verdicts: list[CallVerdict]) -> Decision:
    """One decision for the refused calls of a turn (the refusal names every tool and rule)."""
    refused = [v for v in verdicts if not v.allowed]
    return Decision(
        stage="tool_call",
        action="block",
        reasons=sorted({r for v in refused for r in v.decision.reasons}),
        findings=[f for v in refused for f in v.findings],
    )


def allowed_calls(verdicts: list[CallVerdict]) -> tuple[ToolCall, ...]:
    return tuple(replace(v.call) for v in verdicts if v.allowed)
