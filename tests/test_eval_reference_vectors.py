"""Steward's BLEU, chrF and ROUGE equal the reference libraries' own published test vectors.

The vectors come from the test files of the sacrebleu 2.6.0 and rouge-score 0.1.2 sdists (see
tests/data/evals/PROVENANCE.md). Each case is scored through the metric registry, exactly as `steward eval
metrics` scores a file, and compared with the published value to 4 decimals (or the coarser precision the
library's own test uses where it published fewer digits).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from steward.evals.metric import Row
from steward.evals.metric_catalog import MetricSpec

DATA = Path(__file__).parent / "data" / "evals"
VECTORS = json.loads((DATA / "reference_vectors.json").read_text(encoding="utf-8"))
FOUR_DECIMALS = 0.5e-4


def _expected(text: str) -> float:
    return float(Fraction(text))


def _close(actual: float, case: dict[str, Any], expected: str) -> bool:
    return abs(actual - _expected(expected)) <= case.get("tolerance", FOUR_DECIMALS) + 1e-12


def _rows_from_streams(hypotheses: list[str], streams: list[list[str]]) -> list[Row]:
    return [Row(h, tuple(stream[i] for stream in streams)) for i, h in enumerate(hypotheses)]


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [f"{i}:{c['source'].split('::')[-1]}" for i, c in enumerate(cases)]


@pytest.mark.parametrize("case", VECTORS["bleu_corpus"], ids=_ids(VECTORS["bleu_corpus"]))
def test_corpus_bleu_matches_sacrebleu_vectors(case: dict[str, Any]) -> None:
    metric = MetricSpec("bleu", dict(case["options"])).build()
    [score] = metric.compute(_rows_from_streams(case["hypotheses"], case["reference_streams"]))
    assert score.corpus
    assert _close(score.value * case.get("scale", 1.0), case, case["expected"]), (score.value, case["expected"])


@pytest.mark.parametrize("case", VECTORS["bleu_sentence"], ids=_ids(VECTORS["bleu_sentence"]))
def test_sentence_bleu_matches_sacrebleu_vectors(case: dict[str, Any]) -> None:
    metric = MetricSpec("bleu", dict(case["options"])).build()
    [score] = metric.compute([Row(case["hypothesis"], tuple(case["references"]))])
    assert _close(score.per_row[0], case, case["expected"]), (score.per_row[0], case["expected"])


@pytest.mark.parametrize("case", VECTORS["chrf"], ids=_ids(VECTORS["chrf"]))
def test_chrf_matches_sacrebleu_vectors(case: dict[str, Any]) -> None:
    metric = MetricSpec("chrf", dict(case["options"])).build()
    [score] = metric.compute(_rows_from_streams(case["hypotheses"], case["reference_streams"]))
    assert _close(score.value, case, case["expected"]), (score.value, case["expected"])


def _rouge_text(ref: str | list[str], from_files: bool) -> list[str]:
    if not from_files:
        return ref if isinstance(ref, list) else [ref]
    name, _, line = str(ref).partition(":")
    path = DATA / "rouge" / name
    if line:
        return [path.read_text(encoding="utf-8").splitlines(keepends=True)[int(line)]]
    return [path.read_text(encoding="utf-8")]


@pytest.mark.parametrize("case", VECTORS["rouge"], ids=_ids(VECTORS["rouge"]))
def test_rouge_matches_rouge_score_vectors(case: dict[str, Any]) -> None:
    targets = _rouge_text(case["target"], case["from_files"])
    [prediction] = _rouge_text(case["prediction"], case["from_files"])
    checked = 0
    for measure in ("precision", "recall", "fmeasure"):
        options = {
            "types": case["types"],
            "use_stemmer": case["use_stemmer"],
            "sentence_split": case["sentence_split"],
            "measure": measure,
        }
        scores = {
            s.name.removesuffix(f"_{measure}"): s
            for s in MetricSpec("rouge", options).build().compute([Row(prediction, tuple(targets))])
        }
        for rouge_type, expected in case["expected"].items():
            if measure in expected:
                actual = scores[rouge_type].per_row[0]
                assert _close(actual, case, expected[measure]), (rouge_type, measure, actual, expected[measure])
                checked += 1
    assert checked == sum(len(v) for v in case["expected"].values())


def test_vectors_cover_every_library_and_are_many() -> None:
    assert len(VECTORS["bleu_corpus"]) >= 20
    assert len(VECTORS["bleu_sentence"]) >= 18
    assert len(VECTORS["chrf"]) >= 25
    assert len(VECTORS["rouge"]) >= 25
