"""The refusal a user reads when a policy blocks a request or withholds an answer: which rule, in words.

A bare "I can't help with that request." left the user guessing what to change. The refusal names the stage and
the rules that refused, by their public reason codes and in plain words, and never echoes the text or the
values that were found. Personal data is usually masked rather than refused, so when another rule refused too
the personal-data reasons are left out (they were masked, not the cause); when only personal data is named,
it is what the policy refuses outright (`block_entities`).
"""

from __future__ import annotations

from steward.types import Decision

REFUSAL = "I can't help with that request."

_WORDS = {
    "prompt_injection": "it looks like an attempt to override the assistant's instructions",
    "toxicity": "it contains offensive or abusive language",
    "secret": "it contains a secret such as an API key, token or password",
    "system_prompt_leak": "it would reveal the assistant's own instructions",
    "invalid_structured_output": "it does not follow the required format",
    "unprofessional_tone": "its tone is not acceptable here",
}
_ADVICE = {
    "input": "Please rephrase your message without it.",
    "retrieved": "Please ask a member of staff.",
    "output": "Please rephrase your question or ask a member of staff.",
    "tool_call": "Nothing was called.",
    "tool_result": "Check what the tool returned before sending it again.",
}


_TOOL_RULES = {
    "unknown_tool": "the request does not offer that tool",
    "invalid_arguments": "its arguments do not match the tool's schema",
    "rate_limited": "the tool's rate limit is reached",
    "secret": "its arguments carry a secret",
    "personal_data": "its arguments carry personal data the tool may not receive",
    "provenance": "an argument's value does not come from you or a trusted tool result",
    "tainted_argument": "an argument carries data from a tool result that held injected instructions",
}


def _describe(reason: str) -> str:
    if reason.startswith("tool:"):
        _, rule, tool = reason.split(":", 2)
        return f"the call of tool {tool!r} was refused: {_TOOL_RULES.get(rule, rule)}"
    if reason.startswith("pii:"):
        entity = reason[4:].replace("_", " ")
        return f"it contains personal data that this assistant does not accept ({entity})"
    return _WORDS.get(reason, f"of the rule {reason!r}")


def refusal_text(decision: Decision | None, reasons: list[str]) -> str:
    """The refusal for a blocked stage: `decision` is the blocking one (None when unknown)."""
    codes = sorted(set(decision.reasons if decision is not None and decision.reasons else reasons))
    refusing = [r for r in codes if not r.startswith("pii:")] or codes
    if not refusing:
        return REFUSAL
    stage = decision.stage if decision is not None else "input"
    what = {"input": "your message", "tool_call": "the model's tool call", "tool_result": "a tool result"}.get(
        stage, "the answer"
    )
    because = "; ".join(f"{_describe(r)} [{r}]" for r in refusing)
    advice = _ADVICE.get(stage, "")
    policy = "agent" if stage.startswith("tool") else stage
    return f"{REFUSAL[:-1]}: the app's {policy} policy refused {what} because {because}. {advice}".strip()
