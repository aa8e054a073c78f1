"""Train the shipped prompt-injection / jailbreak classifier (see docs/cards/injection.md).

Data (read from ../shared/data/injection, never copied into the repo):
  attacks  llm-guard's prompt-injection test cases (expected_valid false), BIPIA indirect-injection
           instructions (the categories that target the answer: encodings, ciphers, ads, scams, code
           snippets…), JailbreakBench JBC (one template × 100 goals; train only) and PAIR prompts
  benign   WildGuardMix benign prompts, llm-guard's valid prompt-injection cases
  training-only synthetic rows from scripts/synth_injection.py (both labels, same vocabulary), and benign
  sentences from the docstrings of Python's standard library that use the trigger words
Split: 25 % of groups held out by hash (a BIPIA category, a text) as the public test split. Of the remaining
WildGuard rows, those with a trigger word ("ignore", "pretend", "act as"…) are halved by a salted hash and one half
is removed before anything is fitted (`is_fresh_public`): with the generated fresh families in scripts/data it
makes the fresh benign trigger-word evaluation. The synthetic share, C and the threshold are chosen (`choose`) by
grouped cross-validation on the training split and on benign trigger-word validation rows (`validation_rows`).
Only the public test split is scored here, once, after the choice; the fresh sets are scored by
`steward guard eval` on the final scanner.

    python scripts/train_injection.py [--splits bench/results/injection]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sysconfig
from pathlib import Path

import numpy as np
from _training import DATA, ROOT, Row, binary_metrics, export, fit, in_test, out_of_fold, write_jsonl
from synth_injection import generate

from steward.guardrails.linear import WEIGHTS_DIR, featurise

# BIPIA task-like categories ("Recommend a good book") are attacks only because of where they appear (inside
# retrieved content); alone they are ordinary requests, so they are left out rather than mislabelled.
BIPIA_TASK_LIKE = {
    "Task Automation",
    "Business Intelligence",
    "Conversational Agent",
    "Research Assistance",
    "Sentiment Analysis",
}


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


# Words that attacks use and benign prompts use too; the fresh public evaluation rows are WildGuard benign
# prompts containing one of them.
TRIGGER_WORDS = re.compile(
    r"\b(ignor\w*|instructions?|system prompts?|forget\w*|overrid\w*|pretend\w*|act as|acting as|disregard\w*|"
    r"bypass\w*|jailbreak\w*|role-?play\w*|imagine you|you are now)\b",
    re.IGNORECASE,
)


def trigger_word_rows(name: str) -> list[Row]:
    path = ROOT / "scripts" / "data" / f"{name}.jsonl"
    return [Row(r["text"], int(r["label"]), "trigger", name) for r in map(json.loads, path.open())]


def validation_rows(fresh_public: list[Row]) -> list[Row]:
    """Benign trigger-word prompts used to choose the threshold, none of them a test any more: the hand-written
    dev set; the first hand-written test set (scored three times during development); and the first fresh set,
    generated family and public half, scored once in round 1 (see docs/cards/injection.md)."""
    names = ("benign_trigger_words_dev", "benign_trigger_words", "benign_trigger_words_fresh")
    return [row for name in names for row in trigger_word_rows(name)] + fresh_public


def is_fresh_public(row: Row) -> bool:
    """WildGuard benign rows with trigger words, half of them by a salted hash: never trained on, never used for
    any choice; scored once, with the generated fresh family, as the fresh trigger-word evaluation."""
    return row.source == "wildguard" and bool(TRIGGER_WORDS.search(row.text)) and in_test("fresh:" + row.text, 50)


def stdlib_rows() -> list[Row]:
    """Benign sentences that use the trigger words: docstrings of Python's standard library (PSF licence)."""
    trigger = re.compile(r"\b(ignor\w*|instructions?|disregard\w*|forget\w*|overrid\w*|prompt\w*|system)\b", re.I)
    found: set[str] = set()
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        if {"test", "tests", "idlelib", "site-packages"} & set(path.parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="ignore"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
                for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", ast.get_docstring(node) or ""):
                    sentence = " ".join(sentence.split())
                    letters = sum(c.isalpha() or c == " " for c in sentence) / max(len(sentence), 1)
                    if 30 <= len(sentence) <= 250 and letters > 0.85 and trigger.search(sentence):
                        found.add(sentence)
    return [Row(text, 0, "stdlib:" + text, "stdlib_docstrings") for text in sorted(found)]


def split_rows(public: list[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    """(train, test, fresh public half): the test split by group hash, then the fresh half out of the rest."""
    rest = [r for r in public if r.group == "jbc-template" or not in_test(r.group)]
    test = [r for r in public if r not in rest]
    fresh_public = [r for r in rest if is_fresh_public(r)]
    return [r for r in rest if not is_fresh_public(r)], test, fresh_public


def synthetic_rows(n: int) -> list[Row]:
    return [Row(s["text"], int(s["label"]), "synthetic:" + str(s["text"]), "synthetic") for s in generate(n, 7)]


def choose(train: list[Row], dev: list[Row]) -> dict[str, float]:
    """Pick the synthetic share, C and threshold on the training split and the validation rows only.

    The objective is F1 on the public rows' grouped out-of-fold scores, subject to a false-positive rate of at
    most 2 % on public benign rows, 3 % on synthetic benign trigger-word rows and 3 % on the benign trigger-word
    validation rows (`validation_rows`; none of them is a test set).
    """
    best: dict[str, float] = {"cv_f1": -1.0}
    for n_synthetic, weight in ((1500, 0.3), (1500, 0.6), (3000, 0.3)):
        rows = train + synthetic_rows(n_synthetic)
        labels = [r.label for r in rows]
        weights = [weight if r.source in ("synthetic", "stdlib_docstrings") else 1.0 for r in rows]
        public = [i for i, r in enumerate(rows) if r.source not in ("synthetic", "stdlib_docstrings")]
        synthetic_benign = [i for i, r in enumerate(rows) if r.source == "synthetic" and r.label == 0]
        for c in (3.0, 10.0, 30.0):
            oof = out_of_fold([r.text for r in rows], labels, [r.group for r in rows], c, weights)
            full = fit([r.text for r in rows], labels, c, weights=weights)
            dev_scores = full.predict_proba(full.tfidf_.transform(featurise([r.text for r in dev])))[:, 1]
            for threshold in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
                dev_fpr = float(np.mean(dev_scores >= threshold))
                fig = binary_metrics([labels[i] for i in public], oof[public], threshold)
                synthetic_fpr = float(np.mean(oof[synthetic_benign] >= threshold))
                print(
                    f"  synthetic={n_synthetic}x{weight} C={c} t={threshold}: F1={fig['f1']} "
                    f"FPR={fig['fpr']} synthetic-benign FPR={synthetic_fpr:.3f} dev FPR={dev_fpr:.3f}"
                )
                ok = fig["fpr"] <= 0.02 and synthetic_fpr <= 0.03 and dev_fpr <= 0.03
                if ok and fig["f1"] > best["cv_f1"]:
                    best = {
                        "cv_f1": fig["f1"],
                        "cv_fpr": fig["fpr"],
                        "dev_fpr": dev_fpr,
                        "synthetic_n": n_synthetic,
                        "synthetic_weight": weight,
                        "C": c,
                        "threshold": threshold,
                    }
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "injection")
    parser.add_argument("--splits", type=Path, default=ROOT / "bench" / "results" / "injection")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    args = parser.parse_args()

    train, test, fresh_public = split_rows(public_rows(args.data))
    train += stdlib_rows()
    print(f"train: {len(train)} public rows; test: {len(test)} public ({sum(r.label for r in test)} attacks)")
    choice = choose(train, validation_rows(fresh_public))
    print(f"chosen on the training split: {choice}")
    synthetic = synthetic_rows(choice["synthetic_n"])
    rows = train + synthetic
    weights = [choice["synthetic_weight"] if r.source in ("synthetic", "stdlib_docstrings") else 1.0 for r in rows]
    model = fit([r.text for r in rows], [r.label for r in rows], choice["C"], weights=weights)
    threshold = choice["threshold"]

    def scores(rows: list[Row]) -> np.ndarray:
        counts = model.tfidf_.transform(featurise([r.text for r in rows]))  # type: ignore[attr-defined]
        return np.asarray(model.predict_proba(counts)[:, 1])

    # Only the public test split is scored here; the fresh trigger-word sets are scored once, by
    # `steward guard eval`, after the shipped scanner is final (see docs/cards/injection.md).
    held_out = {"public_test": binary_metrics([r.label for r in test], scores(test), threshold)}
    print(json.dumps(held_out, indent=2))
    meta = {
        "task": "prompt injection / jailbreak (1) vs benign (0)",
        "threshold": threshold,
        **choice,
        "train_rows": len(rows),
        "classifier_only_held_out": held_out,
        "trained_by": "scripts/train_injection.py",
    }
    export(model, "injection", ["benign", "injection"], meta).save(args.out)
    write_jsonl(test, args.splits / "test.jsonl")
    write_jsonl(fresh_public, args.splits / "fresh_benign_trigger_public.jsonl")
    test_trigger = [r for r in test if r.label == 0 and r.source == "wildguard" and TRIGGER_WORDS.search(r.text)]
    write_jsonl(test_trigger, args.splits / "test_benign_trigger_public.jsonl")
    write_jsonl([r for r in train if r.source != "stdlib_docstrings"], args.splits / "train_public.jsonl")
    print(f"weights written to {args.out}; held-out split in {args.splits / 'test.jsonl'}")


if __name__ == "__main__":
    main()
