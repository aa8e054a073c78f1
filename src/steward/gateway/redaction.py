"""What a record keeps of the texts of a request, under `redact_records` (privacy of logs).

`redact_for_storage` runs on every record before it is written, whatever happened to the request: each
screened turn is kept as its guardrail decision redacted it, and the texts no decision covered whole (a turn
never screened, the retrieved chunks the record names, the grounding check's reading of the answer, a stopped
stream's answer, a failure's message) are scanned for personal data and secrets here, with the conversation's
pseudonyms, so `<PERSON_1>` in a source is the same person as in the question. Many short texts are scanned as
one (a scan costs about the same for one sentence or ten) and split back. `held_text` is what a review item
may keep of an escalated request: the one other text of a request that is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from steward.config import Project
from steward.gateway import outcomes
from steward.gateway.collaborators import RecordPrivacy
from steward.gateway.grounded import is_grounding
from steward.types import Decision, Record, Stage


def map_strings(value: Any, change: Any) -> Any:
    """`value` (JSON-like) with `change` applied to every string in it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: map_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [map_strings(item, change) for item in value]
    return value


_JOIN = "\n\n\x1e\n\n"  # between texts scanned together: a record separator no entity spans


def _stored_texts(
    guard: RecordPrivacy, app: str, stage: Stage, texts: list[str], conversation: Decision | None
) -> list[str]:
    """`RecordPrivacy.stored_text` of many texts in one scan (one scan costs about as much as ten)."""
    if not texts:
        return []
    kept = guard.stored_text(app, stage, _JOIN.join(texts), conversation).split(_JOIN)
    if len(kept) == len(texts):
        return kept
    return [guard.stored_text(app, stage, text, conversation) for text in texts]  # a span crossed a separator


def redact_sources_and_explanation(guard: RecordPrivacy, record: Record, conversation: Decision | None) -> None:
    """Under `redact_records`: the retrieved chunks the record keeps, and the grounding check's sentences and
    terms (which may quote what a source said about a person), without personal data or secrets."""
    if record.sources:
        texts = _stored_texts(guard, record.app, "retrieved", [s.text for s in record.sources], conversation)
        record.sources = [replace(s, text=text) for s, text in zip(record.sources, texts, strict=True)]
    grounding = (record.explanation or {}).get("grounding")
    if grounding:
        found: list[str] = []
        map_strings(grounding, found.append)
        kept = iter(_stored_texts(guard, record.app, "output", found, conversation))
        record.explanation = {
            **(record.explanation or {}),
            "grounding": map_strings(grounding, lambda _: next(kept)),
        }


def keep_nothing(record: Record, error_code: str) -> None:
    """What the record of a failed request keeps when its texts could not be scanned: none of them, and the
    error's code instead of its message (which may quote the input)."""
    outcomes.omit_input(record)
    record.output, record.error = None, f"{error_code} (its message could not be scanned, so is not kept)"


async def redact_for_storage(guard: RecordPrivacy | None, project: Project, record: Record) -> None:
    """Privacy of logs: where policy says so, the record keeps only redacted texts, whatever happened.

    Each screened turn is kept as its decision's `stored_text` (every counted span replaced, also when the
    turn was blocked or held); the other turns (a turn never screened because the request failed first, or
    whose role the policy does not screen), the retrieved sources, the grounding check's reading of the
    answer and an answer no decision covered whole (a stopped stream) are scanned for personal data and
    secrets here, on a worker thread, with the conversation's pseudonyms.
    """
    if guard is None:
        return
    spec = project.apps.get(record.app)
    if spec is None:  # an unknown app has no policy that lets its texts be kept: keep none of them
        outcomes.omit_input(record)
        return
    if not guard.redact_records(record.app):
        return
    if outcomes.over_limits(record, spec.limits.max_input_chars, spec.limits.max_turns):
        outcomes.omit_input(record)  # scanning it is the cost the limits refuse (and spaCy stops at 1M)
    inputs = [d for d in record.decisions if d.stage == "input"]
    conversation = inputs[-1] if inputs else None

    def as_screened(stage: Stage) -> bool:
        return guard.stores_as_screened(record.app, stage)

    unscreened, rescan_output = _keep_stored_texts(record, as_screened)
    if record.explanation:  # the grounding check read the answer after its pseudonyms were restored
        record.explanation = map_strings(record.explanation, lambda text: guard.unrestore(text, conversation))
    rescan_error = record.status == "failed" and bool(record.error)  # e.g. the values a schema rejected
    grounding = bool((record.explanation or {}).get("grounding"))
    if not (unscreened or rescan_output or rescan_error or record.sources or grounding):
        return

    def redact() -> None:
        for i in unscreened:
            content = guard.stored_text(record.app, "input", record.input[i].content, conversation)
            record.input[i] = replace(record.input[i], content=content)
        if rescan_output and record.output:
            record.output = guard.stored_text(record.app, "output", record.output, conversation)
        if rescan_error and record.error:
            record.error = guard.stored_text(record.app, "output", record.error, conversation)
        redact_sources_and_explanation(guard, record, conversation)

    t0 = time.perf_counter()
    await asyncio.to_thread(redact)
    record.latency.guardrails_ms += (time.perf_counter() - t0) * 1000.0


def _keep_stored_texts(record: Record, as_screened: Callable[[Stage], bool]) -> tuple[list[int], bool]:
    """Put each decision's redacted `stored_text` in the record, in place of the text it screened.

    Returns the turns no decision kept a redacted text of, and whether the answer must be scanned here (an
    output stage ran but no decision covered the answer whole: a stopped stream; or the output stage's rules
    are narrower than what a record must not keep, such as an output rule that lets names through).
    `as_screened(stage)`: whether that stage's own `stored_text` is enough.
    """
    by_turn = {d.turn: d for d in record.decisions if d.stage == "input" and d.turn is not None}
    if not as_screened("input"):
        by_turn = {}
    unscreened: list[int] = []
    for i, message in enumerate(record.input):
        decision = by_turn.get(i)
        if decision is not None and decision.stored_text is not None:
            record.input[i] = replace(message, content=decision.stored_text)
        elif message.content:
            unscreened.append(i)
    outputs = [d for d in record.decisions if d.stage == "output" and not is_grounding(d)]  # scans of the answer
    answer = outputs[-1].stored_text if outputs and as_screened("output") else None
    if answer is not None:
        record.output = answer
    rescan_output = answer is None and bool(outputs) and bool(record.output)
    for decision in record.decisions:
        decision.stored_text = None  # now in the record's input and output; not kept twice
    return unscreened, rescan_output


def held_text(guard: RecordPrivacy, record: Record, decision: Decision) -> str | None:
    """What a review item holds of an escalated request: the withheld answer, or the question that was held,
    each as it would go on once approved (redacted by the policy; under `redact_records`, as the record keeps
    it, since the record was redacted first)."""
    if decision.stage == "output":
        inputs = [d for d in record.decisions if d.stage == "input"]
        held = record.output
        if held and not guard.redact_records(record.app):  # a stopped stream's answer was not redacted whole
            held = guard.stored_text(record.app, "output", held, inputs[-1] if inputs else None)
        return held
    turn = record.input[decision.turn].content if decision.turn is not None else None  # the turn that was held
    return turn if guard.redact_records(record.app) else (decision.text or turn)


async def redact_reasoning(guard: RecordPrivacy | None, record: Record, reasoning: str) -> str:
    """The model's reasoning as the app's records may keep it: under `redact_records`, scanned for personal data
    and secrets as the answer is, with the conversation's pseudonyms (it is stored apart, never less privately).
    Its hash in the record's body is of what is stored."""
    if guard is None or not guard.redact_records(record.app):
        return reasoning
    inputs = [d for d in record.decisions if d.stage == "input"]
    conversation = inputs[-1] if inputs else None
    kept = await asyncio.to_thread(guard.stored_text, record.app, "output", reasoning, conversation)
    if kept != reasoning and isinstance(record.explanation, dict) and "reasoning" in record.explanation:
        from steward.explain.reasoning import summary

        record.explanation = {**record.explanation, "reasoning": summary(kept)}
    return kept
