"""A grounded answer, streamed: each sentence is released once it has passed the grounding check.

The grounding check used to read the whole answer before anything was released, so a streamed answer of a
grounded app arrived in one piece when the model had finished (about 10 s on the demo). `GroundedRelease`
takes what the output guard releases (or the model's deltas when no guard is attached), cuts it into
sentences and checks each window against the request's sources with the collection's policy. A supported
window is released at once, without citation markers that name no given source. The first unsupported one
stops the stream under the `replace` policy: it and the rest are withheld and the policy's decline follows
what was already released (under `flag` it is released and only recorded). With no source retrieved there is
nothing to check, and every citation marker is removed: an answer never cites a source it was not given.
The windows' verdicts go into the record beside the whole answer's. A window is checked with the first
refusal before it and the user's turn, and the whole answer's verdict also applies, so a streamed answer
reaches the status the same answer reaches unstreamed; the one difference is that what was released before
the failing sentence stays released (the decline follows it). A declined answer's record gets a decision with
a public reason (`grounding:unsupported`; `grounding:not_found` when an identifier of the question is in no
source), so the caller and the record say which rule declined, not only what else the guardrails did.
"""

from __future__ import annotations

from typing import Any

from steward.gateway.collaborators import Retriever
from steward.language import cut_window
from steward.types import Decision, Source

UNSUPPORTED = "grounding:unsupported"  # sources were found, the answer said more than they support
NOT_FOUND = "grounding:not_found"  # an identifier of the question (a PNR) is in no readable source


def grounding_decision(reason: str) -> Decision:
    """The record's trace of a grounding decline: not a guardrail scan, but the rule that replaced the answer."""
    return Decision(stage="retrieved" if reason == NOT_FOUND else "output", action="block", reasons=[reason])


def is_grounding(decision: Decision) -> bool:
    return (
        bool(decision.reasons)
        and all(r.startswith("grounding:") for r in decision.reasons)
        and not (decision.findings or decision.scanner_ms)
    )


class GroundedRelease:
    """`feed(text) -> releasable text`; `close() -> the rest`; `summary()` for the record."""

    def __init__(
        self, retriever: Retriever, app: str, sources: list[Source], *, windowed: bool = False, question: str = ""
    ) -> None:
        """`windowed`: what is fed comes cut into complete windows by the output guard (`cut_window`), so each
        is checked at once, also one that ends in "gate B12." (which, cut here from raw deltas, may go on)."""
        self.retriever = retriever
        self.windowed = windowed
        self.question = question  # the user's turn: what the user said is not the model's claim
        self.refusal = ""  # the first window that declined to answer: it excuses the uncoded windows after it
        self.app = app
        self.sources = sources
        self.pending = ""
        self.released = 0  # windows released
        self.windows: list[dict[str, Any]] = []
        self.removed: set[int] = set()
        self.declined = False

    def completes(self, text: str) -> bool:
        """Whether `feed(text)` would check a window (the gateway runs only those on a worker thread)."""
        return not self.declined and self._cut(self.pending + text) > 0

    def feed(self, text: str) -> str:
        if self.declined:
            return ""
        self.pending += text
        cut = self._cut(self.pending)
        if cut == 0:
            return ""
        window, self.pending = self.pending[:cut], self.pending[cut:]
        return self._check(window)

    def _cut(self, buffer: str) -> int:
        # the output guard's window "… 23 kg." arrives before the space after it: waiting here for that space
        # (that is, for the next window) would hold every sentence until the next one was complete
        if self.windowed and buffer.strip():
            return len(buffer)
        return cut_window(buffer, at_end=True)

    def close(self, rest: str = "") -> str:
        """Check and release what is left (the output guard's last window included)."""
        out = self.feed(rest) if rest else ""
        if self.declined or not self.pending:
            return out
        window, self.pending = self.pending, ""
        return out + self._check(window)

    def _check(self, window: str) -> str:
        if not window.strip():
            return window
        if self.sources:
            # a window after a refusal is checked with it, so it is judged as in the whole answer
            verdict = self.retriever.check(self.app, self.refusal + window, self.sources, self.question)
            if verdict.declined and not self.refusal:
                self.refusal = window
            entry = {"chars": len(window), "supported": verdict.supported, "score": round(verdict.score, 4)}
            self.windows.append(entry)
            if verdict.replacement:
                entry["released"], self.declined = False, True
                return ("\n\n" if self.released else "") + verdict.replacement
            entry["released"] = True
        text, removed = self.retriever.strip_citations(window, self.sources)
        self.removed.update(removed)
        self.released += 1
        return text

    def decline_whole(self, replacement: str) -> str:
        """The whole answer failed the check though no window did (a claim spread over two windows): the decline
        follows what was released, as when a window fails; released sentences cannot be recalled."""
        if self.declined:
            return ""
        self.declined = True
        return ("\n\n" if self.released else "") + replacement

    def summary(self) -> dict[str, Any]:
        """What the record keeps of the release: every window's verdict, whether the rest was withheld."""
        return {"windows": self.windows, "withheld": self.declined, "citations_removed": sorted(self.removed)}
