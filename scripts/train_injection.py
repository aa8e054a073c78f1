"""Train the shipped prompt-injection / jailbreak classifier (see docs/cards/injection.md).

Data (read from ../shared/data/injection, never copied into the repo):
  attacks  llm-guard's prompt-injection test cases (expected_valid false), BIPIA indirect-injection
           instructions (the categories that target the answer: encodings, ciphers, ads, scams, code
           snippets…), JailbreakBench JBC (one template × 100 goals; train only) and PAIR prompts
  benign   WildGuardMix benign prompts, llm-guard's valid prompt-injection cases
  training-only synthetic rows from scripts/synth_injection.py (both labels, same vocabulary)
Split: 25 % of groups held out by hash (a BIPIA category, a text); the held-out split plus the hand-written
scripts/data/benign_trigger_words.jsonl are scored once, after C and the threshold were chosen on the
training split by grouped cross-validation.

    python scripts/train_injection.py [--splits bench/results/injection]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from _training import DATA, ROOT, Row, binary_metrics, choose_c, export, fit, in_test, write_jsonl
from synth_injection import generate

from steward.guardrails.linear import WEIGHTS_DIR, featurise

# BIPIA task-like categories ("Recommend a good book") are attacks only because of where they appear (inside
# retrieved content); alone they are ordinary requests, so they are left out rather than mislabelled.
BIPIA_TASK_LIKE = {"Task Automation", "Business Intelligence", "Conversational Agent", "Research Assistance",
                   "Sentiment Analysis"}


def public_rows(folder: Path) -> list[Row]:
    rows: list[Row] = []
    for case in json.loads((folder / "llm_guard_test_cases.json").read_text()):
        if case["_file"] == "input_scanners_test_prompt_injection.py":
            label = 0 if case["expected_valid"] else 1
            rows.append(Row(case["prompt"], label, "llmguard:" + case["prompt"], "llm_guard"))
    for name in ("bipia_text_attacks.json", "bipia_code_attacks.json"):
        for category, items in json.loads((folder / name).read_text()).items():
            if category in BIPIA_TASK_LIKE:
                continue
            rows += [Row(text, 1, f"bipia:{category}", "bipia") for text in items]
    for name, source in (("jailbreakbench_jbc.json", "jbc"), ("jailbreakbench_pair.json", "pair")):
        for item in json.loads((folder / name).read_text())["jailbreaks"]:
            if item.get("prompt"):
                group = "jbc-template" if source == "jbc" else f"pair:{item['prompt']}"
                rows.append(Row(item["prompt"], 1, group, source))
    for item in json.loads((folder / "wildguard_benign.json").read_text()):
        rows.append(Row(item["prompt"], int(item["label"]), "wildguard:" + item["prompt"], "wildguard"))
    unique: dict[str, Row] = {}
    for row in rows:
        unique.setdefault(row.text.strip(), row)
    return list(unique.values())


def trigger_word_rows() -> list[Row]:
    path = ROOT / "scripts" / "data" / "benign_trigger_words.jsonl"
    return [Row(r["text"], int(r["label"]), "trigger", "benign_trigger_words") for r in map(json.loads, path.open())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "injection")
    parser.add_argument("--splits", type=Path, default=ROOT / "bench" / "results" / "injection")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    args = parser.parse_args()

    public = public_rows(args.data)
    train = [r for r in public if r.group == "jbc-template" or not in_test(r.group)]
    test = [r for r in public if r not in train]
    synthetic = [Row(s["text"], s["label"], "synthetic:" + s["text"], "synthetic") for s in generate(1500, 7)]
    train_all = train + synthetic
    print(f"train: {len(train)} public + {len(synthetic)} synthetic; test: {len(test)} public "
          f"({sum(r.label for r in test)} attacks)")

    texts, labels, groups = [r.text for r in train_all], [r.label for r in train_all], [r.group for r in train_all]
    c, cv_f1 = choose_c(texts, labels, groups, (0.3, 1.0, 3.0, 10.0, 30.0))
    model = fit(texts, labels, c)
    threshold = 0.5

    def scores(rows: list[Row]) -> np.ndarray:
        counts = model.tfidf_.transform(featurise([r.text for r in rows]))  # type: ignore[attr-defined]
        return np.asarray(model.predict_proba(counts)[:, 1])

    trigger = trigger_word_rows()
    held_out = {"public_test": binary_metrics([r.label for r in test], scores(test), threshold),
                "benign_trigger_words": binary_metrics([r.label for r in trigger], scores(trigger), threshold)}
    print(json.dumps(held_out, indent=2))
    meta = {"task": "prompt injection / jailbreak (1) vs benign (0)", "threshold": threshold, "C": c,
            "cv_f1": round(cv_f1, 4), "train_rows": len(train_all), "classifier_only_held_out": held_out,
            "trained_by": "scripts/train_injection.py"}
    export(model, "injection", ["benign", "injection"], meta).save(args.out)
    write_jsonl(test, args.splits / "test.jsonl")
    write_jsonl(train, args.splits / "train_public.jsonl")
    print(f"weights written to {args.out}; held-out split in {args.splits / 'test.jsonl'}")


if __name__ == "__main__":
    main()
