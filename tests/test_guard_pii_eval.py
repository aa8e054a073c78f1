"""Span matching rules of `steward guard eval pii` on hand-made spans: exact, overlap, any type, distractors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steward.errors import InvalidRequest
from steward.evals.pii_spans import PiiScore, Span
from steward.evals.scanners import evaluate_file, evaluate_pii
from steward.guardrails.base import ScanContext
from steward.types import Finding

GOLD = [Span(0, 10, "PERSON"), Span(20, 40, "STREET_ADDRESS")]
# One finding with the exact boundaries of the name, one covering half of the address under another type, and
# one far from anything.
FOUND = [Span(0, 10, "PERSON"), Span(25, 45, "LOCATION"), Span(60, 65, "PERSON")]


def score(match: str, any_type: bool, gold: list[Span] = GOLD, found: list[Span] = FOUND) -> dict:
    tally = PiiScore(match=match, any_type=any_type)  # type: ignore[arg-type]
    tally.add(gold, found)
    return tally.result()


def test_exact_needs_the_same_boundaries_and_type() -> None:
    result = score("exact", False)
    assert result["per_type"]["PERSON"]["recall"] == 1.0
    assert result["per_type"]["PERSON"]["precision"] == 0.5  # the far finding is a false alarm
    assert result["per_type"]["STREET_ADDRESS"]["recall"] == 0.0
    assert result["recall"] == 0.5 and result["precision"] == pytest.approx(1 / 3, abs=1e-4)


def test_exact_rejects_a_span_that_only_overlaps() -> None:
    result = score("exact", True, found=[Span(1, 10, "PERSON")])
    assert result["per_type"]["PERSON"]["recall"] == 0.0


def test_overlap_without_any_type_still_needs_the_type() -> None:
    result = score("overlap", False)
    assert result["per_type"]["STREET_ADDRESS"]["recall"] == 0.0
    assert result["per_type"]["LOCATION"]["precision"] == 0.0


def test_overlap_with_any_type_credits_the_gold_type() -> None:
    result = score("overlap", True)
    assert result["per_type"]["STREET_ADDRESS"]["recall"] == 1.0
    assert result["per_type"]["STREET_ADDRESS"]["precision"] == 1.0  # the LOCATION finding counts for the address
    assert "LOCATION" not in result["per_type"]
    assert result["recall"] == 1.0 and result["precision"] == pytest.approx(2 / 3, abs=1e-4)


def test_exact_with_any_type_credits_a_mistyped_span() -> None:
    result = score("exact", True, found=[Span(20, 40, "LOCATION")])
    assert result["per_type"]["STREET_ADDRESS"]["recall"] == 1.0
    assert result["per_type"]["PERSON"]["recall"] == 0.0


def test_touching_spans_do_not_overlap() -> None:
    assert score("overlap", True, found=[Span(10, 20, "PERSON")])["recall"] == 0.0


def test_false_alarm_rate_counts_rows_without_that_type() -> None:
    tally = PiiScore(match="overlap")
    tally.add([Span(0, 5, "PERSON")], [Span(0, 5, "PERSON")])
    tally.add([], [Span(0, 5, "PERSON")])
    tally.add([], [])
    tally.add([], [])
    assert tally.result()["per_type"]["PERSON"]["fpr"] == pytest.approx(1 / 3, abs=1e-4)


def test_a_finding_on_a_distractor_is_a_false_alarm_and_is_reported() -> None:
    tally = PiiScore(match="overlap", any_type=True)
    tally.add([], [Span(0, 6, "LOCATION")], [Span(0, 6, "CITY")])
    result = tally.result()
    assert result["precision"] == 0.0 and result["per_type"]["LOCATION"]["found"] == 1
    assert result["distractors"] == {"CITY": {"n": 1, "flagged": 1}}


class Fixed:
    """A scanner that reports fixed spans, whatever the text."""

    name = "fixed"

    def __init__(self, spans: list[tuple[int, int, str, float]]) -> None:
        self.spans = spans

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        return [Finding("pii", kind, score, context.stage, s, e) for s, e, kind, score in self.spans]


def test_evaluate_pii_applies_threshold_trimming_and_the_rule() -> None:
    rows = [
        {
            "text": "Anna Keller lives at 5 Elm Street, Leeds.",
            "spans": [
                {"start": 0, "end": 11, "type": "PERSON"},
                {"start": 21, "end": 33, "type": "STREET_ADDRESS"},
                {"start": 35, "end": 40, "type": "CITY", "personal": False},
            ],
        }
    ]
    scanner = Fixed([(0, 12, "PERSON", 0.9), (21, 40, "LOCATION", 0.9), (35, 40, "LOCATION", 0.2)])
    exact = evaluate_pii(scanner, rows, 0.4, match="exact")  # type: ignore[arg-type]
    assert exact["per_type"]["PERSON"]["recall"] == 1.0  # "Anna Keller " trimmed to the gold span
    assert exact["per_type"]["STREET_ADDRESS"]["recall"] == 0.0
    overlap = evaluate_pii(scanner, rows, 0.4, any_type=True, match="overlap")  # type: ignore[arg-type]
    assert overlap["recall"] == 1.0 and overlap["precision"] == 1.0  # the 0.2 finding is under the threshold
    assert overlap["distractors"]["CITY"] == {"n": 1, "flagged": 1}


def test_bad_match_rule_and_presidio_for_a_classifier_are_clear_errors(tmp_path: Path) -> None:
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"text": "hi", "spans": []}) + "\n")
    with pytest.raises(InvalidRequest, match="exact, overlap"):
        evaluate_file("pii", data, match="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="PII detection only"):
        evaluate_file("injection", data, presidio=True)
