"""Train the shipped toxicity classifier (see docs/cards/toxicity.md).

Data: ../shared/data/toxicity/davidson_labeled.csv (Davidson et al. 2017, 24,783 tweets; class 0 hate speech,
1 offensive, 2 neither), never copied into the repo. Tweets are normalised the same way the scanner normalises
its input (`steward.guardrails.toxicity.normalise`: HTML entities, @mentions, URLs, retweet markers).
Tweets are not what an assistant reads, and polite customer-service text is far from Davidson's "neither"
tweets, so benign non-tweet texts are added to "neither": WildGuardMix benign prompts
(../shared/data/injection/wildguard_benign.json; 25 % held out by hash, the same split as the injection model)
and the benign customer-service prompts of scripts/synth_injection.py. Round 2 (session 6) adds HaluEval's
instructions and ChatGPT answers (../shared/data/hallucination/halueval_general.json), everyday assistant text,
split in halves by the injection model's salted hash: the training half joins "neither", the held-out half
measures false alarms on text like an assistant's (written to `halueval_benign.jsonl` for `steward guard eval`).
Split: 20 % of distinct normalised tweets held out by hash. C is chosen on a 10 % validation part of the
training split; the held-out splits are scored once, after, and the figures are stored in the model's JSON.

    python scripts/train_toxicity.py [--splits bench/results/toxicity] [--splits-only]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from _training import DATA, HALUEVAL_SALT, ROOT, Row, binary_metrics, export, fit, in_test, write_jsonl
from sklearn.metrics import classification_report

from steward.guardrails.linear import WEIGHTS_DIR, featurise
from steward.guardrails.toxicity import clean, normalise

CLASSES = ["hate", "offensive", "neither"]


def rows(path: Path) -> list[Row]:
    unique: dict[str, Row] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            key = clean(record["tweet"])  # split and deduplicate by a key the disguise rules cannot move
            if key:
                unique.setdefault(key, Row(normalise(record["tweet"]), int(record["class"]), key, "davidson"))
    return list(unique.values())


def benign_prompts(folder: Path) -> tuple[list[Row], list[Row]]:
    """(train, held-out) benign non-tweet texts labelled "neither" (class 2)."""
    from synth_injection import generate

    train, test = [], []
    for item in json.loads((folder / "wildguard_benign.json").read_text()):
        row = Row(item["prompt"], 2, "wildguard:" + item["prompt"], "wildguard")
        (test if in_test(row.group) else train).append(row)
    train += [Row(str(r["text"]), 2, "synthetic", "synthetic") for r in generate(1500, 7) if r["label"] == 0]
    return train, test


def halueval_benign(path: Path) -> tuple[list[Row], list[Row]]:
    """(train, held-out) HaluEval instructions and answers, deduplicated, labelled "neither"."""
    unique: dict[str, None] = {}
    for line in path.open(encoding="utf-8"):
        if line.strip():
            item = json.loads(line)
            for text in (item["user_query"], item["chatgpt_response"]):
                if text and text.strip():
                    unique.setdefault(text.strip(), None)
    train, test = [], []
    for text in unique:
        row = Row(text, 2, "halueval:" + text, "halueval")
        (test if in_test(f"{HALUEVAL_SALT}:{text}", 50) else train).append(row)
    return train, test


def toxic_scores(model: object, texts: list[str]) -> np.ndarray:
    probabilities = model.predict_proba(model.tfidf_.transform(featurise(texts)))  # type: ignore[attr-defined]
    return np.asarray(probabilities[:, 0] + probabilities[:, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "toxicity" / "davidson_labeled.csv")
    parser.add_argument("--splits", type=Path, default=ROOT / "bench" / "results" / "toxicity")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--splits-only", action="store_true", help="write the held-out files and stop")
    args = parser.parse_args()

    data = rows(args.data)
    train = [r for r in data if not in_test(r.group, 20)]
    test = [r for r in data if in_test(r.group, 20)]
    benign_train, benign_test = benign_prompts(args.data.parents[1] / "injection")
    halueval = args.data.parents[1] / "hallucination" / "halueval_general.json"
    halueval_train, halueval_test = halueval_benign(halueval)
    write_jsonl([Row(r.text, int(r.label < 2), r.group, r.source) for r in test], args.splits / "test.jsonl")
    write_jsonl([Row(r.text, 0, r.group, r.source) for r in halueval_test], args.splits / "halueval_benign.jsonl")
    if args.splits_only:
        print(f"held-out files written to {args.splits}")
        return
    train += benign_train + halueval_train
    fitting = [r for r in train if not in_test("validation:" + r.group, 10)]
    validation = [r for r in train if in_test("validation:" + r.group, 10)]
    print(f"train {len(fitting)} + validation {len(validation)}; test {len(test)}")

    best = (0.0, -1.0)
    for c in (1.0, 3.0, 10.0):
        model = fit([r.text for r in fitting], [r.label for r in fitting], c, multiclass=True)
        f1 = binary_metrics(
            [int(r.label < 2) for r in validation], toxic_scores(model, [r.text for r in validation]), 0.5
        )["f1"]
        print(f"  C={c}: validation toxic F1={f1}")
        if f1 > best[1]:
            best = (c, f1)
    model = fit([r.text for r in train], [r.label for r in train], best[0], multiclass=True)

    scores = toxic_scores(model, [r.text for r in test])
    held_out = binary_metrics([int(r.label < 2) for r in test], scores, 0.5)
    predicted = model.predict(model.tfidf_.transform(featurise([r.text for r in test])))  # type: ignore[attr-defined]
    per_class = classification_report(
        [r.label for r in test], predicted, target_names=CLASSES, output_dict=True, zero_division=0
    )
    benign_fpr = binary_metrics([0] * len(benign_test), toxic_scores(model, [r.text for r in benign_test]), 0.5)[
        "fpr"
    ]
    halueval_scores = toxic_scores(model, [r.text for r in halueval_test])
    halueval_fpr = binary_metrics([0] * len(halueval_test), halueval_scores, 0.5)["fpr"]
    print(json.dumps(held_out, indent=2), f"held-out FPR: benign prompts {benign_fpr}, HaluEval {halueval_fpr}")
    print(classification_report([r.label for r in test], predicted, target_names=CLASSES, zero_division=0))
    meta = {
        "task": "toxic (hate or offensive) vs neither; classes hate/offensive/neither",
        "threshold": 0.5,
        "C": best[0],
        "validation_f1": best[1],
        "train_rows": len(train),
        "held_out_toxic_vs_neither": held_out,
        "held_out_benign_prompts_fpr": benign_fpr,
        "held_out_halueval_fpr": halueval_fpr,
        "held_out_per_class": {k: {m: round(v, 4) for m, v in per_class[k].items()} for k in CLASSES},
        "trained_by": "scripts/train_toxicity.py",
    }
    export(model, "toxicity", CLASSES, meta).save(args.out)
    print(f"weights written to {args.out}; held-out split (toxic=1) in {args.splits / 'test.jsonl'}")


if __name__ == "__main__":
    main()
