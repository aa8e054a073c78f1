"""Span scoring for `steward guard eval pii`: the matching rules, per-type figures, and stock Presidio beside it.

Gold rows are `{"text", "spans": [{"start", "end", "type", "personal"?}]}`; a span with `"personal": false` is a
distractor (a city, an airport, an organisation, a flight number): it counts for no recall, and a finding that
matches only distractors is a false alarm. Spans are compared after trimming surrounding spaces and punctuation.

Matching (`match`):
- `exact`: a finding matches a gold span with the same boundaries;
- `overlap`: a finding matches a gold span it shares at least one character with.
Unless `any_type`, a match also needs the same type. Recall of a type is the share of its gold spans matched by
some finding; precision is the share of findings that match some personal gold span. With `any_type` each gold
span's recall is reported under its gold type, and a matching finding is counted under the gold type it matched
(a phone number found as `US_SSN` counts for `PHONE_NUMBER`); a finding that matches nothing is counted under its
own type. The false-alarm rate of a type is the share of rows without a gold span of that type in which a
finding of that type matched nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from steward.evals.figures import figures
from steward.guardrails.base import ScanContext
from steward.types import Finding

MatchRule = Literal["exact", "overlap"]
MATCH_RULES: tuple[MatchRule, ...] = ("exact", "overlap")
TRIM = " \t\n.,;:!?\"'()[]{}<>"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


@dataclass
class Tally:
    """Counts for one type: gold spans matched/missed, findings matched/unmatched, rows for false alarms."""

    gold_hit: int = 0
    gold_miss: int = 0
    found_hit: int = 0
    found_miss: int = 0
    gold_rows: int = 0
    false_alarm_rows: int = 0

    def figures(self, rows: int) -> dict[str, Any]:
        return figures(
            self.gold_hit,
            self.gold_miss,
            self.found_hit,
            self.found_miss,
            self.false_alarm_rows,
            rows - self.gold_rows,
        )


@dataclass
class PiiScore:
    """Running tallies over rows (`add`), then the figures (`result`)."""

    match: MatchRule = "exact"
    any_type: bool = False
    rows: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    distractors: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def matches(self, found: Span, gold: Span) -> bool:
        if not (self.any_type or found.type == gold.type):
            return False
        if self.match == "exact":
            return (found.start, found.end) == (gold.start, gold.end)
        return found.start < gold.end and gold.start < found.end

    def add(self, gold: list[Span], found: list[Span], distractors: list[Span] | None = None) -> None:
        """Score one row: its personal gold spans, the scanner's findings, and its non-personal spans."""
        self.rows += 1
        gold, found = sorted(set(gold), key=_order), sorted(set(found), key=_order)
        for g in gold:
            hit = any(self.matches(f, g) for f in found)
            tally = self.tallies[g.type]
            tally.gold_hit, tally.gold_miss = tally.gold_hit + hit, tally.gold_miss + (not hit)
        alarmed: set[str] = set()
        for f in found:
            matched = next((g for g in gold if self.matches(f, g)), None)
            if matched is None:
                self.tallies[f.type].found_miss += 1
                alarmed.add(f.type)
            else:
                self.tallies[matched.type if self.any_type else f.type].found_hit += 1
        present = {g.type for g in gold}
        for kind in present:
            self.tallies[kind].gold_rows += 1
        for kind in alarmed - present:
            self.tallies[kind].false_alarm_rows += 1
        for d in distractors or []:
            self.distractors[d.type][0] += 1
            self.distractors[d.type][1] += any(f.start < d.end and d.start < f.end for f in found)

    def result(self) -> dict[str, Any]:
        total = Tally(
            *(sum(getattr(t, name) for t in self.tallies.values()) for name in ("gold_hit", "gold_miss"))
        )
        total.found_hit = sum(t.found_hit for t in self.tallies.values())
        total.found_miss = sum(t.found_miss for t in self.tallies.values())
        micro = total.figures(self.rows)
        del micro["fpr"]  # a per-type notion: rows without that type
        return {
            **micro,
            "per_type": {kind: t.figures(self.rows) for kind, t in sorted(self.tallies.items())},
            "distractors": {k: {"n": v[0], "flagged": v[1]} for k, v in sorted(self.distractors.items())},
            "match": self.match,
            "any_type": self.any_type,
        }


def _order(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.type)


def trimmed(text: str, start: int, end: int, kind: str) -> Span:
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return Span(start, end, kind)


def gold_spans(row: dict[str, Any]) -> tuple[list[Span], list[Span]]:
    """(personal spans, distractor spans) of a gold row."""
    text = row["text"]
    personal: list[Span] = []
    other: list[Span] = []
    for s in row["spans"]:
        span = trimmed(text, int(s["start"]), int(s["end"]), str(s["type"]))
        (personal if s.get("personal", True) else other).append(span)
    return personal, other


class StockPresidio:
    """Presidio's AnalyzerEngine as shipped (all its English recognisers, its context enhancer, the full spaCy
    pipeline of the same model Steward loads), as a scanner: the reference `--presidio` reports beside Steward."""

    name = "presidio"

    def __init__(self) -> None:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from steward.guardrails.pii import SPACY_MODEL, _offline_tldextract

        _offline_tldextract()
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
            }
        )
        self.engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def reason_code(self, finding: Finding) -> str:
        return f"pii:{finding.kind}"

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        return [
            Finding("pii", r.entity_type, round(float(r.score), 4), context.stage, r.start, r.end, "presidio")
            for r in self.engine.analyze(text=text, language="en")
        ]
