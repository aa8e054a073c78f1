"""The model's chain of thought, captured and governed: split from the answer, never sent, stored apart.

An app with `reasoning:` asks its model to reason inside markers (`<think>…</think>` by default) and the gateway
splits what the model writes (`ReasoningSplit`, fed whole answers or streamed deltas alike): the text between the
markers is the reasoning, the rest the answer. The client receives the answer only; the record's body keeps the
reasoning's sha256 and length (`explanation.reasoning`) and the reasoning itself goes to the `explanations` table
(kind `reasoning`), written in the record's own transaction. Who may read it is `may_read`: operators and auditors,
end users only where the app allows (`reasoning.end_users`). A marker split across two streamed deltas is held
back until it is complete, so no piece of a marker and no reasoning reaches the client.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from steward.config.schema import ReasoningSpec
from steward.store import StoredExplanation, payload_digest
from steward.types import Record

METHOD = "steward.reasoning-markers"
VERSION = "1"


@dataclass
class ReasoningSplit:
    """Splits a model's text into answer and reasoning as it arrives (`feed`, then `close`)."""

    open: str = "<think>"
    close_marker: str = "</think>"
    reasoning: list[str] = field(default_factory=list)
    _inside: bool = False
    _held: str = ""  # a tail that may be the start of a marker

    @classmethod
    def of(cls, spec: ReasoningSpec) -> ReasoningSplit:
        return cls(spec.open, spec.close)

    def feed(self, text: str) -> str:
        """The part of `text` that belongs to the answer and is safe to release now."""
        pending, out = self._held + text, list[str]()
        self._held = ""
        while pending:
            marker = self.close_marker if self._inside else self.open
            at = pending.find(marker)
            if at >= 0:
                (self.reasoning if self._inside else out).append(pending[:at])
                pending, self._inside = pending[at + len(marker) :], not self._inside
                continue
            keep = _partial_marker(pending, marker)
            body, self._held = pending[: len(pending) - keep], pending[len(pending) - keep :]
            (self.reasoning if self._inside else out).append(body)
            break
        return "".join(out)

    def close(self) -> str:
        """The rest of the answer once the model has finished (an unclosed reasoning stays reasoning)."""
        held, self._held = self._held, ""
        if self._inside:
            self.reasoning.append(held)
            return ""
        return held

    @property
    def text(self) -> str | None:
        """The reasoning, or None when the model gave none."""
        joined = "".join(self.reasoning).strip()
        return joined or None


def _partial_marker(text: str, marker: str) -> int:
    """How many characters at the end of `text` could begin `marker` (held back until the next delta)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


def split(text: str, spec: ReasoningSpec) -> tuple[str, str | None]:
    """(answer, reasoning) of a whole text."""
    splitter = ReasoningSplit.of(spec)
    answer = splitter.feed(text) + splitter.close()
    return answer.strip() if splitter.text is not None else answer, splitter.text


def digest(reasoning: str) -> str:
    return hashlib.sha256(reasoning.encode()).hexdigest()


def summary(reasoning: str) -> dict[str, Any]:
    """What the record's body keeps of the reasoning: its hash and length, never the text."""
    return {"sha256": digest(reasoning), "chars": len(reasoning), "stored": "explanations"}


def payload(reasoning: str) -> dict[str, Any]:
    """The `reasoning` explanation's payload (the table's row holds it apart from the body)."""
    return {"text": reasoning, "sha256": digest(reasoning)}


def with_ask(messages: list[Any], spec: ReasoningSpec) -> list[Any]:
    """The messages with the app's request for reasoning added to the system prompt (or as one)."""
    from dataclasses import replace

    from steward.types import Message

    if not spec.ask:
        return messages
    if messages and messages[0].role == "system":
        return [replace(messages[0], content=f"{messages[0].content}\n\n{spec.ask}"), *messages[1:]]
    return [Message("system", spec.ask), *messages]


def may_read(audience: str, spec: ReasoningSpec | None) -> bool:
    """Whether an audience may read an app's captured reasoning."""
    if audience in ("operator", "auditor"):
        return True
    return spec is not None and spec.end_users


def stored(record: Record, reasoning: str) -> StoredExplanation:
    """The `explanations` row of a record's reasoning, written with the record."""
    body = payload(reasoning)
    return StoredExplanation(
        record.id,
        "reasoning",
        METHOD,
        VERSION,
        body,
        payload_digest(body),
        record.created_at,
        record.app,
        record.team,
    )
