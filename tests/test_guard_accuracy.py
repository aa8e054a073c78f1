"""The shipped detectors keep their held-out accuracy (public data in ../shared/data; skipped when absent).

The held-out splits are rebuilt exactly as the training scripts build them (same hash of the same groups), so
these rows were never trained or tuned on. Thresholds are the policy defaults the figures in docs/cards use.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.guard_fixtures import import_script, shared

from steward.guardrails.evaluate import evaluate_binary, evaluate_pii, make_scanner

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.mark.slow
def test_injection_f1_on_the_public_held_out_split() -> None:
    folder = shared("injection")
    train_injection, training = import_script("train_injection"), import_script("_training")
    rows = [
        r for r in train_injection.public_rows(folder) if r.group != "jbc-template" and training.in_test(r.group)
    ]
    scanner, threshold = make_scanner("injection")
    figures = evaluate_binary(scanner, [{"text": r.text, "label": r.label} for r in rows], threshold)
    assert figures["n"] == 306
    assert figures["f1"] >= 0.90 and figures["fpr"] <= 0.05


def test_injection_false_alarms_on_the_benign_trigger_word_dev_set() -> None:
    import json

    rows = [json.loads(line) for line in (SCRIPTS / "data" / "benign_trigger_words_dev.jsonl").open()]
    scanner, threshold = make_scanner("injection")
    assert evaluate_binary(scanner, rows, threshold)["fpr"] <= 0.05


@pytest.mark.slow
def test_toxicity_f1_on_held_out_tweets() -> None:
    path = shared("toxicity/davidson_labeled.csv")
    train_toxicity, training = import_script("train_toxicity"), import_script("_training")
    rows = [r for r in train_toxicity.rows(path) if training.in_test(r.group, 20)]
    scanner, threshold = make_scanner("toxicity")
    figures = evaluate_binary(scanner, [{"text": r.text, "label": int(r.label < 2)} for r in rows], threshold)
    assert figures["f1"] >= 0.80


@pytest.mark.slow
def test_pii_entity_f1_on_presidio_recognizer_cases() -> None:
    path = shared("pii/presidio_recognizer_cases.json")
    make_pii_eval = import_script("make_pii_eval")
    rows = make_pii_eval.presidio_rows(path)
    types = sorted(set(make_pii_eval.TYPE_OF_FILE.values()))
    scanner, threshold = make_scanner("pii", types)
    assert evaluate_pii(scanner, rows, threshold)["f1"] >= 0.85
