"""What a record keeps of the texts the gateway did not screen whole, under `redact_records` (privacy of logs).

The retrieved chunks a record names and the grounding check's reading of the answer are scanned for personal
data and secrets before the record is written, with the conversation's pseudonyms, so `<PERSON_1>` in a source
is the same person as in the question. Many short texts are scanned as one (a scan costs about the same for one
sentence or ten) and split back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

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
    guard: Any, app: str, stage: Stage, texts: list[str], conversation: Decision | None
) -> list[str]:
    """`Guard.stored_text` of many texts in one scan (a scan costs about the same for one sentence or ten)."""
    if not texts:
        return []
    kept = guard.stored_text(app, stage, _JOIN.join(texts), conversation).split(_JOIN)
    if len(kept) == len(texts):
        return kept
    return [guard.stored_text(app, stage, text, conversation) for text in texts]  # a span crossed a separator


def redact_sources_and_explanation(guard: Any, record: Record, conversation: Decision | None) -> None:
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
