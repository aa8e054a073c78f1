"""Guardrail findings marked in the text they were found in, as segments a template escapes one by one.

A finding's `start`/`end` index the text its scanner read. A record keeps that text as it was when its decision
left it unchanged; where the decision redacted it (`text` or `stored_text` set), the offsets no longer fit what is
shown, so the redaction placeholders (`<EMAIL_ADDRESS>`, `<PERSON_1>`) are marked instead. Nothing here builds
markup: a segment is (text, label or None), and the template writes `<mark>` around the labelled ones with the
text autoescaped.
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*(?:_\d+)?>")

Segment = tuple[str, str | None]


def _spans(findings: list[dict[str, Any]], length: int) -> list[tuple[int, int, str]]:
    spans = []
    for finding in findings:
        start, end = finding.get("start"), finding.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length:
            spans.append((start, end, f"{finding.get('scanner', '')}: {finding.get('kind', '')}"))
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, label in spans:  # overlapping findings are one mark, labelled with both
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), f"{last[2]}; {label}")
        else:
            merged.append((start, end, label))
    return merged


def segments(text: str | None, decisions: list[dict[str, Any]]) -> list[Segment]:
    """`text` cut into plain and marked segments by the findings of `decisions` (those that scanned it)."""
    if not text:
        return []
    redacted = any(d.get("text") is not None or d.get("stored_text") is not None for d in decisions)
    if redacted:
        spans = [(m.start(), m.end(), "redacted") for m in PLACEHOLDER.finditer(text)]
    else:
        spans = _spans([f for d in decisions for f in d.get("findings") or []], len(text))
    out: list[Segment] = []
    at = 0
    for start, end, label in spans:
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], label))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return out


def messages(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's turns and its answer, each with its segments and the decisions that screened it."""
    decisions = record.get("decisions") or []
    shown = []
    turns = record.get("input") or []
    for i, turn in enumerate(turns):
        # an input decision names the turn it screened; one without a turn screened the last message
        screened = [
            d
            for d in decisions
            if d.get("stage") == "input"
            and (d.get("turn") == i or (d.get("turn") is None and i == len(turns) - 1))
        ]
        content = turn.get("content") if isinstance(turn.get("content"), str) else str(turn.get("content"))
        shown.append({"role": turn.get("role"), "segments": segments(content, screened), "decisions": screened})
    if record.get("output") is not None:
        screened = [d for d in decisions if d.get("stage") == "output"]
        shown.append({"role": "answer", "segments": segments(record["output"], screened), "decisions": screened})
    return shown


def unplaced(record: dict[str, Any], shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's decisions that screened no message `messages` shows: the retrieved documents' (injection in a
    source, `grounding:not_found`), or an output decision where no answer was kept. A declined record's reason is
    often only here, so the page lists them rather than drop them."""
    placed = {id(d) for message in shown for d in message["decisions"]}
    return [d for d in record.get("decisions") or [] if id(d) not in placed]
