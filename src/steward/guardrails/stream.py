"""Output guardrails for streamed answers: release text only after the scanners have passed it.

Deltas are buffered until a sentence ends (or, for run-on text, a long stretch ends at a space); the
complete window is scanned by the output stage and only then released — redacted, with pseudonyms
restored. A window that the policy blocks or escalates stops the stream: nothing of it, or after it, is
released, and `close()` returns the stopping decision. Rules that need the whole answer (a JSON schema, a
compliance rule that blocks or escalates, `stream: whole`) make the guard hold everything until `close()`.
Compliance rules that only append run on the whole answer at `close()` and their text is released last.

`close()` merges the windows' decisions into one for the record: the most severe action, every finding with
its span shifted to the whole answer, scanner times summed, the scanned (never the restored) text when a window
was redacted, and, when the policy keeps only redacted records, the windows' `stored_text` joined (none when
the stream was stopped: the gateway then redacts the whole answer for the record itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from steward.guardrails.redact import Vault
from steward.language import cut_window
from steward.types import ACTION_SEVERITY, Decision, Finding

if TYPE_CHECKING:
    from steward.guardrails.guard import Guard


class OutputStreamGuard:
    """`feed(delta) -> releasable text`; `close() -> (rest, decision)`."""

    def __init__(self, guard: Guard, app: str, input_decision: Decision | None = None) -> None:
        self.guard = guard
        self.app = app
        self.input_decision = input_decision
        self.hold_all = guard.needs_whole_answer(app)
        self.vault = Vault.from_values(guard.pseudonyms.of(input_decision))
        self.pending = ""
        self.scanned: list[str] = []  # the windows as scanned (redacted, not restored)
        self.stored: list[str | None] = []  # the windows as a record under `redact_records` may keep them
        self.windows: list[tuple[int, Decision]] = []  # (offset in the whole answer, decision)
        self.offset = 0
        self.stopped: Decision | None = None

    def feed(self, delta: str) -> str:
        if self.stopped is not None:
            return ""
        self.pending += delta
        if self.hold_all:
            return ""
        cut = cut_window(self.pending)
        if cut == 0:
            return ""
        window, self.pending = self.pending[:cut], self.pending[cut:]
        return self._release(window, final=False)

    def scans_on(self, delta: str) -> bool:
        """Whether `feed(delta)` would complete a window and scan it (the gateway runs only those on a worker
        thread; the other deltas are a string append, not worth a thread hand-off per token)."""
        return self.stopped is None and not self.hold_all and cut_window(self.pending + delta) > 0

    def _release(self, window: str, *, final: bool) -> str:
        said = "".join(self.scanned) + window
        decision = self.guard._scan(
            self.app,
            "output",
            window,
            vault=self.vault,
            compliance=final,
            cumulative=said,
            include=None if final else _window_scanners,
        )
        self.windows.append((self.offset, decision))
        self.offset += len(window)
        if decision.action in ("block", "escalate"):
            self.stopped = decision
            return ""
        out = decision.text if decision.action == "redact" and decision.text is not None else window
        self.scanned.append(out)
        self.stored.append(decision.stored_text)
        if self.input_decision is not None:
            return self.guard.restore(self.app, out, self.input_decision)
        return out

    def close(self) -> tuple[str, Decision]:
        """Scan and release what is left; the merged decision of the whole answer."""
        rest = ""
        if self.stopped is None and (self.pending or not self.windows):
            window, self.pending = self.pending, ""
            rest = self._release(window, final=self.hold_all)  # when holding, this window is the whole answer
        if self.stopped is None and not self.hold_all and self._has_compliance():
            rest += self._final_compliance()
        return ("" if self.stopped is not None else rest), self._merged()

    def _has_compliance(self) -> bool:
        policy = self.guard.policy_for(self.app)
        return bool(policy and policy.output.compliance)

    def _final_compliance(self) -> str:
        """Compliance rules over the whole answer (they only append or warn here; others hold the stream)."""
        whole = "".join(self.scanned)
        decision = self.guard._scan(self.app, "output", whole, vault=self.vault, include=lambda name: False)
        self.windows.append((0, decision))
        if decision.action in ("block", "escalate"):
            self.stopped = decision
            return ""
        kept = whole.rstrip()  # the engine appends after the answer without its trailing space
        if decision.action == "redact" and decision.text is not None and decision.text.startswith(kept):
            appended = decision.text[len(kept) :]
            self.scanned.append(appended)
            self.stored.append(appended)
            return appended
        return ""

    def _merged(self) -> Decision:
        decisions = [d for _, d in self.windows]
        if not decisions:
            return Decision(stage="output", action="allow")
        worst = max(decisions, key=lambda d: ACTION_SEVERITY[d.action])
        findings: list[Finding] = []
        timings: dict[str, float] = {}
        for offset, decision in self.windows:
            findings += [_shifted(f, offset) for f in decision.findings]
            for name, ms in decision.scanner_ms.items():
                timings[name] = round(timings.get(name, 0.0) + ms, 3)
        merged = Decision(
            stage="output",
            action=worst.action,
            reasons=sorted({r for d in decisions for r in d.reasons}),
            findings=findings,
            policy=worst.policy,
            policy_version=worst.policy_version,
            scanner_ms=timings,
            flagged=sorted({name for d in decisions for name in d.flagged or ()}),
        )
        self.guard.pseudonyms.remember(merged, self.vault.values)
        if any(d.text is not None for d in decisions) and merged.action not in ("block", "escalate"):
            merged.text = "".join(self.scanned)
        if self.stopped is None and self.stored and all(text is not None for text in self.stored):
            merged.stored_text = "".join(text or "" for text in self.stored)
        return merged


def _window_scanners(name: str) -> bool:
    from steward.guardrails.engine import WHOLE_TEXT_SCANNERS

    return name not in WHOLE_TEXT_SCANNERS


def _shifted(finding: Finding, offset: int) -> Finding:
    if finding.start is None or offset == 0:
        return finding
    return Finding(
        finding.scanner,
        finding.kind,
        finding.score,
        finding.stage,
        finding.start + offset,
        (finding.end or finding.start) + offset,
        finding.detail,
    )
