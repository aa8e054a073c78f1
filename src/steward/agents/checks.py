"""One tool call the model made, checked before it reaches the caller.

The checks run cheapest first and every one that fails is a reason, so the record says all that was wrong with
the call: the tool is offered by the request (else it does not exist for this request, or the app may not call
it), its arguments are a JSON object valid against the tool's schema, the tool is under its rate limit, no
secret and no personal data the tool does not admit leaves through its arguments, and each `provenance`
argument's value comes from trusted text (`trace`). Reasons are public codes that name the rule and the tool
(`tool:invalid_arguments:send_money`); what was found stays in the findings' details, never in the reason.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jsonschema

from steward.agents.trace import Trace, argument_values
from steward.config.guardrails import PiiRule, SecretsRule
from steward.config.tools import AgentPolicy, ToolSpec
from steward.guardrails.base import ScanContext, Scanner, build_scanner
from steward.types import Decision, Finding, ToolCall


@lru_cache(maxsize=1024)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def validator_for(spec: ToolSpec) -> jsonschema.Draft202012Validator:
    return _validator(json.dumps(spec.parameters, sort_keys=True))


class RateLimiter:
    """Calls of a tool per team in a sliding window, in this process (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._calls: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, tool: str, team: str, calls: int, seconds: float) -> bool:
        now = self.clock()
        with self._lock:
            window = self._calls.setdefault((tool, team), deque())
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= calls:
                return False
            window.append(now)
            return True


@dataclass(slots=True)
class CallVerdict:
    """The verdict on one call: its decision, its parsed arguments, and whether a human must approve it."""

    call: ToolCall
    decision: Decision
    arguments: dict[str, Any] | None = None
    needs_approval: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.decision.action != "block"


def _finding(rule: str, tool: str, detail: str, start: int | None = None, end: int | None = None) -> Finding:
    return Finding(scanner="tool", kind=rule, score=1.0, stage="tool_call", start=start, end=end, detail=detail)


class ToolCallChecker:
    """Checks tool calls against the registry and the app's agent policy; scanners are built once."""

    def __init__(
        self, pii: Scanner | None = None, secrets: Scanner | None = None, limiter: RateLimiter | None = None
    ) -> None:
        self._pii = pii
        self._secrets = secrets
        self.limiter = limiter or RateLimiter()

    @property
    def pii(self) -> Scanner:
        if self._pii is None:
            self._pii = build_scanner("pii", PiiRule().model_dump(mode="json"))
        return self._pii

    @property
    def secrets(self) -> Scanner:
        if self._secrets is None:
            self._secrets = build_scanner("secrets", SecretsRule().model_dump(mode="json"))
        return self._secrets

    def check(
        self, call: ToolCall, offered: dict[str, ToolSpec], policy: AgentPolicy, team: str, trace: Trace
    ) -> CallVerdict:
        """The verdict on one call (`block` with every failed rule as a reason, else `allow`)."""
        t0 = time.perf_counter()
        spec = offered.get(call.name)
        findings: list[Finding] = []
        arguments: dict[str, Any] | None = None
        if spec is None:
            findings.append(_finding("unknown_tool", call.name, "the request does not offer this tool"))
        else:
            arguments, problem = _parse(call.arguments, spec)
            if problem is not None:
                findings.append(_finding("invalid_arguments", call.name, problem))
            else:
                assert arguments is not None
                findings += self._scan(call, spec, arguments, policy, trace)
                rate = spec.rate
                if (
                    rate is not None
                    and not findings
                    and not self.limiter.admit(call.name, team, rate.calls, rate.seconds)
                ):
                    detail = f"more than {rate.calls} calls in {rate.seconds:g} s"
                    findings.append(_finding("rate_limited", call.name, detail))
        reasons = sorted({f"tool:{f.kind}:{call.name}" for f in findings})
        decision = Decision(
            stage="tool_call",
            action="block" if findings else "allow",
            reasons=reasons,
            findings=findings,
            scanner_ms={"tool": (time.perf_counter() - t0) * 1000.0},
            flagged=sorted({f.kind for f in findings}),
        )
        approval = spec is not None and arguments is not None and spec.approval.needed(arguments)
        return CallVerdict(call, decision, arguments, needs_approval=approval, findings=findings)

    def _personal_data(
        self, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any], context: ScanContext
    ) -> list[Finding]:
        """Personal data of kinds the tool does not admit, by argument, from one scan of all its values."""
        text, starts = _joined(arguments)
        if not text:
            return []
        kinds: dict[str, set[str]] = {}
        for finding in self.pii.scan(text, context):
            if finding.kind in spec.personal_data:
                continue
            at = finding.start or 0
            name = next((n for start, n in reversed(starts) if start <= at), starts[0][1])
            kinds.setdefault(name, set()).add(finding.kind)
        return [
            _finding("personal_data", call.name, f"argument {name!r} holds {', '.join(sorted(found))}")
            for name, found in kinds.items()
        ]

    def _scan(
        self, call: ToolCall, spec: ToolSpec, arguments: dict[str, Any], policy: AgentPolicy, trace: Trace
    ) -> list[Finding]:
        """Secrets, personal data the tool does not admit, and provenance, over the arguments' values."""
        findings: list[Finding] = []
        context = ScanContext(stage="tool_call")
        if policy.personal_data:
            findings += self._personal_data(call, spec, arguments, context)
        for name, value in arguments.items():
            for text in argument_values(value) if policy.secrets else ():
                if len(text) >= 3 and self.secrets.scan(text, context):
                    findings.append(_finding("secret", call.name, f"argument {name!r} holds a secret"))
            if policy.taint and trace.untrusted:
                tainted = [t for text in argument_values(value) for t in trace.tainted(text)]
                if tainted:
                    detail = f"argument {name!r} carries {len(tainted)} identifier(s) from a flagged tool result"
                    findings.append(_finding("tainted_argument", call.name, detail))
            if policy.provenance and name in spec.provenance:
                for text in argument_values(value):
                    source = trace.source(text)
                    if source != "trusted":
                        where = (
                            "only in a tool result flagged as an injection"
                            if source == "untrusted"
                            else ("in no message of the user nor any clean tool result")
                        )
                        findings.append(_finding("provenance", call.name, f"argument {name!r}'s value is {where}"))
                        break
        return findings


def _joined(arguments: dict[str, Any]) -> tuple[str, list[tuple[int, str]]]:
    """The arguments' values as one text (a blank line between values, so no span runs from one into the next)
    and where each value starts, with its argument's name: one scan for the whole call."""
    parts: list[str] = []
    starts: list[tuple[int, str]] = []
    offset = 0
    for name, value in arguments.items():
        for text in argument_values(value):
            if len(text) < 3:
                continue
            starts.append((offset, name))
            parts.append(text)
            offset += len(text) + 2
    return "\n\n".join(parts), starts


def _parse(arguments: str, spec: ToolSpec) -> tuple[dict[str, Any] | None, str | None]:
    """The arguments as an object valid against the tool's schema, or why they are not."""
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError as exc:
        return None, f"the arguments are not JSON ({exc.msg} at character {exc.pos})"
    if not isinstance(parsed, dict):
        return None, "the arguments must be a JSON object"
    errors = sorted(validator_for(spec).iter_errors(parsed), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(the arguments)"
        return None, f"{where}: {first.message}"[:300]
    return parsed, None
