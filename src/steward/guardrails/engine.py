"""The policy engine: run a stage's scanners, weigh their findings by the policy, decide once.

For each rule of the stage the engine runs its scanner, times it, and counts a finding when its score reaches
the rule's threshold; the finding then asks for the rule's action. The stage's action is the most severe one
asked for (allow < warn < redact < escalate < block, `steward.types.ACTION_SEVERITY`). PII entities listed
in `block_entities` ask for `block` whatever the rule's action. `redact` replaces the spans of the findings that
asked for it (PII by the policy's mode, anything else masked); a redact asked by a finding without a span
cannot remove anything, so it is treated as `block` (fail closed). Compliance rules then check the answer as a
whole and may append their required text (a `redact`: the text changed), block, escalate or warn.
Scanners read the text through `steward.guardrails.normalise` (zero-width characters, homoglyphs and, for the
word-level classifiers, leetspeak undone); their spans are mapped back to the text as sent.

Every finding — also those under threshold — goes into the decision (and so the record) with its score;
the client sees only the public reason codes. Where the policy keeps only redacted records (`keep_redacted`),
the decision also carries `stored_text`: the text with the span of every PII or secrets finding at or above its
threshold replaced, whatever the action (a blocked text is never redacted for the model, but its record must
not keep personal data either). An escalated text gets `text` too: redacted as it would go on once approved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from steward.config.guardrails import ComplianceRule, PiiRule, Rule, StagePolicy
from steward.guardrails.base import ScanContext, Scanner
from steward.guardrails.normalise import Normalised
from steward.guardrails.output_rules import compliance_findings
from steward.guardrails.redact import Vault, replace_spans
from steward.types import ACTION_SEVERITY, Action, Decision, Finding, Stage

WHOLE_TEXT_SCANNERS = frozenset({"schema"})  # need the complete answer: never run on a stream window
# Scanners whose spans hold personal data or secrets, replaced in `stored_text` (an injection span is evidence)
SPAN_SCANNERS = frozenset({"pii", "secrets"})


@dataclass
class CompiledStage:
    """A stage of one policy with its scanners built."""

    policy: str
    version: str
    stage: Stage
    rules: dict[str, tuple[Rule, Scanner]]
    compliance: list[ComplianceRule] = field(default_factory=list)

    @property
    def pii(self) -> PiiRule | None:
        entry = self.rules.get("pii")
        return entry[0] if entry and isinstance(entry[0], PiiRule) else None

    @classmethod
    def build(
        cls, policy: str, version: str, stage: Stage, spec: StagePolicy, make: Callable[[str, Rule], Scanner]
    ) -> CompiledStage:
        rules = {name: (rule, make(name, rule)) for name, rule in spec.rules().items()}
        return cls(policy, version, stage, rules, list(spec.compliance))


@dataclass
class _Tally:
    action: Action = "allow"
    reasons: set[str] = field(default_factory=set)
    to_redact: list[Finding] = field(default_factory=list)
    appended: list[str] = field(default_factory=list)
    sensitive: list[Finding] = field(default_factory=list)  # every counted finding with a span
    flagged: set[str] = field(default_factory=set)  # rules with a finding at or above their threshold

    def ask(self, action: Action, reason: str) -> None:
        self.reasons.add(reason)
        if ACTION_SEVERITY[action] > ACTION_SEVERITY[self.action]:
            self.action = action


def _weigh(name: str, rule: Rule, scanner: Scanner, findings: list[Finding], tally: _Tally) -> None:
    pii = rule if isinstance(rule, PiiRule) else None
    for finding in findings:
        if finding.score < rule.threshold:
            continue
        tally.flagged.add(name)
        if finding.start is not None and finding.scanner in SPAN_SCANNERS:
            tally.sensitive.append(finding)
        action: Action = rule.action
        if (pii is not None and finding.kind in pii.block_entities) or (
            action == "redact" and finding.start is None
        ):
            action = "block"
        if action == "allow":
            continue
        tally.ask(action, scanner.reason_code(finding))
        if action == "redact":
            tally.to_redact.append(finding)


def evaluate(
    compiled: CompiledStage,
    text: str,
    context: ScanContext,
    *,
    vault: Vault,
    hash_key: bytes,
    include: Callable[[str], bool] = lambda name: True,
    compliance: bool = True,
    keep_redacted: bool = False,
) -> Decision:
    """Scan `text` with the stage's rules (those `include` accepts) and decide."""
    tally, findings, timings = _Tally(), [], {}
    normalised = Normalised(text)  # what hides a value or a word from a scanner, undone once per text
    for name, (rule, scanner) in compiled.rules.items():
        if not include(name):
            continue
        started = time.perf_counter()
        found = normalised.scan(name, scanner, context)
        timings[name] = round((time.perf_counter() - started) * 1000.0, 3)
        findings.extend(found)
        _weigh(name, rule, scanner, found, tally)
    if compliance and compiled.compliance:
        started = time.perf_counter()
        for requirement, finding in compliance_findings(text, compiled.compliance, compiled.stage):
            findings.append(finding)
            tally.flagged.add("compliance")
            if requirement.otherwise == "append":
                tally.ask("redact", finding.kind)
                tally.appended.append(requirement.append or "")
            else:
                tally.ask(requirement.otherwise, finding.kind)
        timings["compliance"] = round((time.perf_counter() - started) * 1000.0, 3)
    decision = Decision(
        stage=compiled.stage,
        action=tally.action,
        reasons=sorted(tally.reasons),
        findings=findings,
        policy=compiled.policy,
        policy_version=compiled.version,
        scanner_ms=timings,
        flagged=sorted(tally.flagged),
    )
    appended = tally.appended if tally.action == "redact" else []
    if tally.action == "redact" or (tally.action == "escalate" and tally.to_redact):
        # an escalated text is held as it would go on once a human approves it: redacted like any other
        decision.text = _redacted(compiled, text, tally.to_redact, appended, vault, hash_key)
    if keep_redacted:
        same = tally.action == "redact" and len(tally.sensitive) == len(tally.to_redact)
        decision.stored_text = (
            decision.text if same else _redacted(compiled, text, tally.sensitive, appended, vault, hash_key)
        )
    return decision


def _redacted(
    compiled: CompiledStage,
    text: str,
    spans: list[Finding],
    appended: list[str],
    vault: Vault,
    hash_key: bytes,
) -> str:
    pii_mode = compiled.pii.mode if compiled.pii else "mask"
    modes: dict[str, str] = {f.kind: pii_mode for f in spans if f.scanner == "pii"}
    out = replace_spans(text, spans, modes, vault, hash_key)
    for extra in appended:
        out = f"{out.rstrip()}\n\n{extra}"
    return out
