"""A grounded answer, streamed: each sentence is released once it has passed the grounding check.

The grounding check used to read the whole answer before anything was released, so a streamed answer of a
grounded app arrived in one piece when the model had finished (about 10 s on the demo). `GroundedRelease`
takes what the output guard releases (or the model's deltas when no guard is attached), cuts it into
sentences and checks each window against the request's sources with the collection's policy. A supported
window is released at once, without citation markers that name no given source. The first unsupported one
stops the stream under the `replace` policy: it and the rest are withheld and the policy's decline follows
what was already released (under `flag` it is released and only recorded). With no source retrieved there is
nothing to check, and every citation marker is removed: an answer never cites a source it was not given.
The windows' verdicts go into the record beside the whole answer's.
"""

from __future__ import annotations

from typing import Any

from steward.language import cut_window
from steward.types import Source


class GroundedRelease:
    """`feed(text) -> releasable text`; `close() -> the rest`; `summary()` for the record."""

    def __init__(self, retriever: Any, app: str, sources: list[Source], *, windowed: bool = False) -> None:
        """`windowed`: what is fed comes cut into complete windows by the output guard (`cut_window`), so each
        is checked at once, also one that ends in "gate B12." (which, cut here from raw deltas, may go on)."""
        self.retriever = retriever
        self.windowed = windowed
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
            verdict = self.retriever.check(self.app, window, self.sources)
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

    def summary(self) -> dict[str, Any]:
        """What the record keeps of the release: every window's verdict, whether the rest was withheld."""
        return {"windows": self.windows, "withheld": self.declined, "citations_removed": sorted(self.removed)}
