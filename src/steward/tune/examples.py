"""One training example: chat messages whose last turn is the answer to learn, and where it came from."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

ROLES = ("system", "user", "assistant")
_SPACE = re.compile(r"\s+")


@dataclass(slots=True)
class Example:
    """`messages`: role/content turns, the last one the assistant's answer. `origin`: where it came from (a
    record id, or a file and line), for the card's examples and for an erasure request."""

    messages: list[dict[str, str]]
    origin: str
    record_id: str | None = None
    subject: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # answer_from, correction … kept in the row

    @property
    def prompt_turns(self) -> list[dict[str, str]]:
        return self.messages[:-1]

    @property
    def answer(self) -> str:
        return self.messages[-1]["content"]

    @property
    def user_text(self) -> str:
        """What users wrote (the turns an injection scanner reads)."""
        return "\n".join(m["content"] for m in self.messages[:-1] if m["role"] == "user")

    @property
    def prompt_text(self) -> str:
        return "\n".join(f"{m['role']}: {m['content']}" for m in self.prompt_turns)

    def texts(self) -> list[str]:
        return [m["content"] for m in self.messages]

    def with_texts(self, texts: list[str]) -> None:
        for message, text in zip(self.messages, texts, strict=True):
            message["content"] = text

    def row(self, split: str) -> dict[str, Any]:
        """The JSONL row written and kept in the registry."""
        row: dict[str, Any] = {"messages": self.messages, "split": split, "origin": self.origin}
        if self.record_id is not None:
            row["record_id"] = self.record_id
        row.update(self.meta)
        return row


def normalise(text: str) -> str:
    """Case, width and spacing folded: what makes two texts the same for duplicates and for the split."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def normalised_prompt(example: Example) -> str:
    return normalise(example.prompt_text)


def normalised_whole(example: Example) -> str:
    return normalise(example.prompt_text + "\nassistant: " + example.answer)


def excerpt(example: Example, limit: int = 160) -> str:
    """A short, already redacted view of an example for the data card."""
    text = f"{example.prompt_text} → {example.answer}".replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
