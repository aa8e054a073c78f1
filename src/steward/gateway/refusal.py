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
}


def _describe(reason: str) -> str:
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
    what = "your message" if stage == "input" else "the answer"
    because = "; ".join(f"{_describe(r)} [{r}]" for r in refusing)
    advice = _ADVICE.get(stage, "")
    return f"{REFUSAL[:-1]}: the app's {stage} policy refused {what} because {because}. {advice}".strip()
