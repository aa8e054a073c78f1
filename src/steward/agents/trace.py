"""What a conversation so far says about where a value came from: the provenance check's evidence.

An agent that read a poisoned tool result and then sends money to an IBAN that appears only in that result's
injected instructions is the textbook indirect injection. `Trace` keeps the texts a value may come from, in two
kinds: trusted (the user's and the system's turns, tool results without an injection finding, and the parts of
a flagged result outside its flagged segments) and untrusted (a flagged result's flagged segments). A
`provenance` argument's value must be found in trusted text; found only in untrusted text, or nowhere, the call
is refused. Values are compared case- and space-insensitively, so `US13 3000…` and `us133000…` match.

Free-text arguments (an e-mail's body, a message) are composed by the model, so they are not required to come
from anywhere; what is checked in them is taint: an identifier in them (a URL, a domain, an e-mail address, an
IBAN-shaped code, a long number) that appears in untrusted text and in no trusted text came from the injection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from steward.types import Message

Source = Literal["trusted", "untrusted", "nowhere"]
_SPACE = re.compile(r"\s+")
_IDENTIFIER = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/[^\s'\"<>]*)?"  # a URL or a domain
    r"|\b[A-Z]{2}\d{2}[A-Z0-9]{8,30}\b"  # an IBAN-shaped code
    r"|\b\d{6,}\b",  # a long number (an account, a phone)
    re.IGNORECASE,
)


def folded(text: str) -> str:
    """The form values and texts are compared in: lower case, no white space."""
    return _SPACE.sub("", text).casefold()


def argument_values(value: Any) -> list[str]:
    """The scalar values of an argument (strings and numbers; lists and objects are walked)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, list):
        return [v for item in value for v in argument_values(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in argument_values(item)]
    return []


@dataclass(slots=True)
class Trace:
    """The texts of a conversation by trust, folded for comparison."""

    trusted: list[str] = field(default_factory=list)
    untrusted: list[str] = field(default_factory=list)
    flagged_results: int = 0  # tool results with an injection finding so far

    def add_trusted(self, text: str) -> None:
        if text:
            self.trusted.append(folded(text))

    def add_result(self, text: str, flagged_segments: list[tuple[int, int]]) -> None:
        """A tool result: its flagged segments (character spans) are untrusted, the rest trusted."""
        if not flagged_segments:
            self.add_trusted(text)
            return
        self.flagged_results += 1
        cursor = 0
        for start, end in sorted(flagged_segments):
            self.add_trusted(text[cursor:start])
            self.untrusted.append(folded(text[start:end]))
            cursor = max(cursor, end)
        self.add_trusted(text[cursor:])

    @classmethod
    def of_user(cls, messages: list[Message]) -> Trace:
        """A trace of the user's and system's turns (tool results are added as they are screened)."""
        trace = cls()
        for message in messages:
            if message.role in ("user", "system"):
                trace.add_trusted(message.content)
        return trace

    def tainted(self, text: str) -> list[str]:
        """The identifiers in `text` found in untrusted text and in no trusted text."""
        if not self.untrusted:
            return []
        found = []
        for match in _IDENTIFIER.finditer(text):
            identifier = match.group(0).rstrip(".,;:!?)")
            if self.source(identifier) == "untrusted":
                found.append(identifier)
        return found

    def source(self, value: str) -> Source:
        """Where `value` can be found: in trusted text, only in untrusted text, or nowhere."""
        needle = folded(value)
        if not needle:
            return "trusted"
        if any(needle in text for text in self.trusted):
            return "trusted"
        if any(needle in text for text in self.untrusted):
            return "untrusted"
        return "nowhere"
