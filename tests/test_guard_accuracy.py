"""The shipped detectors keep their held-out accuracy (public data in ../shared/data; skipped when absent).

The held-out splits are rebuilt exactly as the training scripts build them (same hash of the same groups), so
these rows were never trained or tuned on. Thresholds are the policy defaults the figures in docs/cards use.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.guard_fixtures import import_script, shared

from steward.evals.scanners import evaluate_binary, evaluate_pii, make_scanner

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
def test_toxicity_on_held_out_tweets_and_forum_comments() -> None:
    """Davidson tweets and generated forum comments that neither model nor the stack saw (the held-out files of
    scripts/make_toxicity_checks.py, rebuilt here): F1 on both, and fewer false alarms on "neither" tweets."""
    path = shared("toxicity/davidson_labeled.csv")
    train_toxicity, training = import_script("train_toxicity"), import_script("_training")
    head = import_script("train_toxicity_head")
    tweets = [
        {"text": r.text, "label": int(r.label < 2)}
        for r in train_toxicity.rows(path)
        if training.in_test(r.group, 20) and not head.stack_part(r.group, 40)
    ]
    forum = [
        {"text": r.text, "label": r.label}
        for r, _ in head.synthetic()
        if r.source == "forum"
        and training.in_test(r.group, 25)
        and not head.stack_only(r)
        and not head.never_held_out(r)
    ]
    scanner, threshold = make_scanner("toxicity")
    on_tweets = evaluate_binary(scanner, tweets, threshold)
    on_forum = evaluate_binary(scanner, forum, threshold)
    assert on_tweets["n"] == 2949 and on_forum["n"] == 175  # split by `clean`, the key the n-gram model used
    assert on_tweets["f1"] >= FLOORS["davidson_f1"] and on_tweets["fpr"] <= FLOORS["davidson_fpr"]
    assert on_forum["f1"] >= FLOORS["forum_f1"]


@pytest.mark.slow
def test_toxicity_on_forum_family_2() -> None:
    """Forum family 2 (scripts/synth_toxicity.py `generate_forum2`): written before round 5 chose its threshold and
    never trained or tuned on; Civil Comments-style insults, threats and identity attacks against heated but civil
    replies."""
    forum2 = [{"text": e.text, "label": e.label} for e in import_script("synth_toxicity").generate_forum2()]
    scanner, threshold = make_scanner("toxicity")
    figures = evaluate_binary(scanner, forum2, threshold)
    assert figures["n"] == 307
    assert figures["f1"] >= FLOORS["forum2_f1"] and figures["fpr"] <= FLOORS["forum2_fpr"]


@pytest.mark.slow
def test_toxicity_on_forum_family_3() -> None:
    """Forum family 3 (scripts/synth_forum3.py): written before round 6 trained anything, scored only on fixed
    weights (round 5's: F1 0.575; round 6's: 0.851, FPR 5.7 %; the card says when); comment-section register."""
    forum3 = [{"text": c.text, "label": c.label} for c in import_script("synth_forum3").generate_forum3()]
    scanner, threshold = make_scanner("toxicity")
    figures = evaluate_binary(scanner, forum3, threshold)
    assert figures["n"] == 355
    assert figures["f1"] >= FLOORS["forum3_f1"] and figures["fpr"] <= FLOORS["forum3_fpr"]


@pytest.mark.slow
def test_toxicity_false_alarms_on_held_out_assistant_text() -> None:
    """HaluEval instructions and answers no model here trained or tuned on (goal: at most 1 %)."""
    halueval = import_script("train_toxicity").halueval_benign(shared("hallucination/halueval_general.json"))[1]
    head = import_script("train_toxicity_head")
    rows = [{"text": r.text, "label": 0} for r in halueval if not head.stack_part(r.group, 40)]
    scanner, threshold = make_scanner("toxicity")
    assert evaluate_binary(scanner, rows, threshold)["fpr"] <= 0.01


@pytest.mark.slow
def test_the_detector_bench_takes_the_toxicity_training_split() -> None:
    """bench/detectors.py scores the training script's held-out rows (it crashed unpacking collect's 3 parts)."""
    shared("toxicity/hatecheck_cases.csv")
    sys.path.insert(0, str(SCRIPTS.parent / "bench"))
    try:
        detectors = __import__("detectors")
    finally:
        sys.path.remove(str(SCRIPTS.parent / "bench"))
    sizes = {name.split(",")[0]: len(rows) for name, (rows, _) in detectors.toxicity_sets().items()}
    assert sizes["HateCheck"] == 926 and sizes["Davidson tweets"] == 2949 and sizes["HaluEval user queries"] > 500


# a few points under the held-out figures in docs/cards/toxicity.md (round 6, threshold 0.54: Davidson F1 0.944,
# FPR 8.1 %; forum F1 0.947; forum family 2, development data since round 6, F1 0.855, FPR 3.3 %; forum family 3,
# unseen, F1 0.851, FPR 5.7 %)
FLOORS = {
    "davidson_f1": 0.92,
    "davidson_fpr": 0.11,
    "forum_f1": 0.90,
    "forum2_f1": 0.80,
    "forum2_fpr": 0.06,
    "forum3_f1": 0.80,
    "forum3_fpr": 0.08,
}


@pytest.mark.slow
def test_pii_entity_f1_on_presidio_recognizer_cases() -> None:
    path = shared("pii/presidio_recognizer_cases.json")
    make_pii_eval = import_script("make_pii_eval")
    rows = make_pii_eval.presidio_rows(path)
    types = sorted(set(make_pii_eval.TYPE_OF_FILE.values()))
    scanner, threshold = make_scanner("pii", types)
    assert evaluate_pii(scanner, rows, threshold)["f1"] >= 0.85
