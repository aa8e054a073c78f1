"""Train the shipped toxicity model: a head over all-MiniLM-L6-v2 sentence embeddings (docs/cards/toxicity.md).

The n-gram model (`scripts/train_toxicity.py`) reads words and character runs; it misses hate that uses no rude
word ("They breed like rabbits") and flags harmless words that look like abuse ("bitcoin"). This head reads the
sentence embedding the shipped MiniLM computes, so meaning counts.

Data, each source split by a hash of its group so near-duplicates never straddle a split:
- Davidson tweets (hate or offensive = toxic), the n-gram model's 20 % held-out split by normalised text;
- HateCheck's functional cases, held out by template (`templ_id`, 25 %); a second run holds out whole target
  identities (Muslims, trans people) to measure identities never seen as targets (`--report` figures only);
- benign assistant-like text: WildGuardMix benign prompts (25 % held out, the injection split), HaluEval
  instructions and answers (halves by the shared salted hash), the benign prompts of synth_injection.py;
- generated rows (`scripts/synth_toxicity.py`: implicit hate, benign text about identities, insults, questions on
  money and crypto, complaints), held out by template (25 %).
The training split is cut again (10 % by group) into fitting and validation parts. The head (logistic
regression or a small MLP, and its C / alpha) is chosen on validation F1; Platt scaling fitted on validation
makes its scores probabilities; the threshold is the one with the best mean F1 over the validation sources
that have toxic rows while false alarms on validation assistant texts (worst window) stay under
ASSISTANT_FPR_CAP. The held-out splits are scored once, after, and written as jsonl for `steward guard eval`
(the n-gram model is scored on the same files with the same command, side by side, in docs/cards/toxicity.md).
`--stack-only` keeps the shipped head and refits only the stack and the threshold (round 5).

    python scripts/train_toxicity_head.py [--splits bench/results/toxicity] [--cache .steward/tox_emb.npz]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _training import DATA, ROOT, Row, binary_metrics, in_test, write_jsonl
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from synth_forum_train import generate_forum_train
from synth_toxicity import generate, generate_forum_extra
from train_toxicity import benign_prompts, halueval_benign, rows

from steward.guardrails.linear import WEIGHTS_DIR
from steward.guardrails.toxicity import HEAD_NAME, encoder_pieces

HELD_OUT_IDENTITIES = ("Muslims", "trans people")
BENIGN_SOURCES = ("wildguard", "halueval", "synthetic")  # assistant-like text, all labelled 0
TOXIC_SOURCES = ("davidson", "hatecheck", "generated", "forum")  # the threshold balances their F1
# Most false alarms the threshold may make on the stack split's assistant texts (WildGuard / HaluEval, ~1,900).
# Round 4 used 0.5 %; with forum comments in proportion that cap alone held the threshold at 0.55 (stack-split
# forum F1 0.36). The goal is ≤ 1 % on unseen assistant text; 0.75 % keeps a margin under it (1 % of 1,900 is
# 19 texts, give or take 4 by chance).
ASSISTANT_FPR_CAP = 0.0075


def stack_part(group: str, percent: int) -> bool:
    """A second salted cut: rows neither base model trains on, to fit the stack, calibrate it and choose the
    threshold (the rest of the held-out part is scored once, at the end)."""
    return in_test("stack:" + group, percent)


def hatecheck(path: Path) -> list[tuple[Row, str]]:
    """(row, target identity); group = template id so that held-out templates are unseen."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            row = Row(record["test_case"].strip(), int(record["label_gold"] == "hateful"), "", "hatecheck")
            row.group = f"hatecheck:{record['templ_id']}"
            out.append((row, record["target_ident"]))
    return out


def synthetic() -> list[tuple[Row, str]]:
    """Generated rows; the forum-comment family is its own source (its figures are reported apart). The extra
    forum comments of round 5 (group `synth:forum_extra_…`) all go to the stack split, and round 6's composed forum
    comments (`synth:forum_train:…`) to the head or the stack, never to a held-out file (`collect`)."""
    out = []
    for e in generate() + generate_forum_extra():
        source = "forum" if e.kind.startswith("forum_") else "generated:" + e.kind
        out.append((Row(e.text, e.label, "synth:" + e.template, source), e.target))
    out += [(Row(f.text, f.label, "synth:" + f.group, "forum"), "") for f in generate_forum_train()]
    return out


def never_held_out(row: Row) -> bool:
    """Round 6's training comments: the held-out files stay those of rounds 4 and 5, so figures compare."""
    return row.group.startswith("synth:forum_train:")


def stack_only(row: Row) -> bool:
    """Rows written to steer the stack and the threshold: never held out, never trained on by the head."""
    return row.group.startswith("synth:forum_extra_")


def benign_pieces(rows_: list[Row], most: int = 3) -> list[Row]:
    """Long benign texts as the head sees them: up to `most` encoder windows each (one when a text fits)."""
    return [Row(piece, 0, row.group, row.source) for row in rows_ for piece in encoder_pieces(row.text)[:most]]


def collect(data: Path, identity_split: bool) -> tuple[list[Row], list[Row], dict[str, list[Row]]]:
    """(head training rows, stack rows, held-out rows by source). Davidson, WildGuard and HaluEval rows the n-gram
    model never trained on are cut in two: one part fits the stack, the other is held out. HateCheck and
    generated rows are cut by template: 25 % held out, 35 % of the rest fits the stack, the rest trains the head.
    With `identity_split`, HateCheck and generated rows about HELD_OUT_IDENTITIES are held out and none trains."""
    tweets = rows(data / "toxicity" / "davidson_labeled.csv")
    davidson = [Row(r.text, int(r.label < 2), r.group, "davidson") for r in tweets]
    wild_train, wild_test = benign_prompts(data / "injection")
    halu_train, halu_test = halueval_benign(data / "hallucination" / "halueval_general.json")
    train = [r for r in davidson if not in_test(r.group, 20)] + benign_pieces(wild_train + halu_train)
    stack: list[Row] = []
    test: dict[str, list[Row]] = {}
    unseen = [r for r in davidson if in_test(r.group, 20)]
    unseen += [Row(r.text, 0, r.group, r.source) for r in wild_test + halu_test]  # class 2 ("neither") is 0 here
    for row in unseen:
        (stack if stack_part(row.group, 40) else test.setdefault(row.source, [])).append(row)
    cases = hatecheck(data / "toxicity" / "hatecheck_cases.csv")
    for row, target in cases + synthetic():
        name = row.source.split(":")[0]
        if stack_only(row) or (never_held_out(row) and stack_part(row.group, 30)):
            stack.append(row)
        elif never_held_out(row):
            train.append(row)
        elif (identity_split and target in HELD_OUT_IDENTITIES) or (not identity_split and in_test(row.group, 25)):
            test.setdefault(name, []).append(row)
        elif stack_part(row.group, 35):
            stack.append(row)
        else:
            train.append(row)
    return train, stack, test


def embed_all(texts: list[str], cache: Path) -> np.ndarray:
    """MiniLM vectors of (already normalised) pieces, cached by hash (~40k texts on one core take minutes)."""
    from steward.models.embeddings import Embedder

    known: dict[str, np.ndarray] = {}
    if cache.exists():
        stored = np.load(cache)
        known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        print(f"embedding {len(missing)} texts …", flush=True)
        vectors = Embedder.shared().embed([t for _, t in missing])
        known.update(zip([k for k, _ in missing], vectors, strict=True))
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys])


def text_features(parts: list[np.ndarray], rows_: list[Row], cache: Path) -> np.ndarray:
    """The stack's features of whole texts, computed as the scanner computes them."""
    from steward.guardrails.toxicity import ToxicityScanner, head_logits, head_pieces, stack_features

    ngram = ToxicityScanner(backend="ngram")
    worst = [ngram.worst_window(r.text) for r in rows_]
    pieces = [head_pieces(r.text, w[2]) for r, w in zip(rows_, worst, strict=True)]
    flat = head_logits(parts, embed_all([p for ps in pieces for p in ps], cache))
    bounds = np.cumsum([0] + [len(ps) for ps in pieces])
    head = np.array([flat[bounds[i] : bounds[i + 1]].max() for i in range(len(rows_))])
    hate, offensive = np.array([w[:2] for w in worst]).T
    return stack_features(head, hate, offensive)


def source_weights(rows_: list[Row]) -> np.ndarray:
    """Each source family weighs the same in total, so 20k tweets do not drown 2k cases of implicit hate, and
    within a family toxic and harmless rows weigh the same: 83 % of Davidson's tweets are toxic, and unbalanced
    they taught the head that the informal register of a tweet is itself toxic (21 % false alarms on "neither").
    Forum comments are a family of their own since round 6 (before, they counted as generated rows), and the
    assistant texts, which hold no toxic row, weigh as much as a family with both classes (before, half as much:
    with forum comments apart, that let the head fire on poems and stories)."""
    family = [r.source.split(":")[0] if r.source.split(":")[0] not in BENIGN_SOURCES else "benign" for r in rows_]
    keys = list(zip(family, [r.label for r in rows_], strict=True))
    counts = Counter(keys)
    share = {k: 2.0 if k[0] == "benign" else 1.0 for k in counts}
    return np.array([len(rows_) * share[k] / (sum(share.values()) * counts[k]) for k in keys])


def candidates() -> list[tuple[str, Callable[[], object]]]:
    out: list[tuple[str, Callable[[], object]]] = [
        (f"logistic C={c}", lambda c=c: LogisticRegression(C=c, max_iter=3000)) for c in (1.0,)
    ]
    for alpha in (1e-3, 1e-2):  # 1e-4, C 4 and 16 lost on validation in rounds 3 and 4 (card)
        out.append(
            (
                f"mlp 256 alpha={alpha}",
                lambda a=alpha: MLPClassifier((256,), alpha=a, max_iter=60, early_stopping=True, random_state=15),
            )
        )
    return out


def layers(model: object) -> list[np.ndarray]:
    """The head as [w0, b0, w1, b1, …]; ReLU between layers, the last gives one logit."""
    if isinstance(model, LogisticRegression):
        return [model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)]
    assert isinstance(model, MLPClassifier)
    out = []
    for w, b in zip(model.coefs_, model.intercepts_, strict=True):
        out += [w.astype(np.float32), b.astype(np.float32)]
    return out


def logits(parts: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    from steward.guardrails.toxicity import head_logits

    return head_logits(parts, x)


def balanced_f1(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """F1 as if toxic and harmless rows were equally many: recall and false-alarm rate, not the source's mix, count
    (Davidson is 83 % toxic, forum comments in the wild are mostly civil; plain F1 would reward flagging all)."""
    recall = float(np.mean(scores[labels == 1] >= threshold))
    fpr = float(np.mean(scores[labels == 0] >= threshold)) if (labels == 0).any() else 0.0
    return 2 * recall / (2 * recall + fpr + (1 - recall)) if recall else 0.0


def choose_threshold(scores: np.ndarray, rows_: list[Row]) -> tuple[float, dict[str, float]]:
    """Best mean F1 over the sources with toxic rows, with ≤ ASSISTANT_FPR_CAP false alarms on assistant texts."""
    labels = np.array([r.label for r in rows_])
    family = np.array([r.source.split(":")[0] for r in rows_])
    assistant = np.isin(family, ("wildguard", "halueval"))
    best: tuple[float, float, dict[str, float]] = (0.5, -1.0, {})
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        if float(np.mean(scores[assistant] >= t)) > ASSISTANT_FPR_CAP:
            continue
        f1s = {
            f: binary_metrics(list(labels[family == f]), scores[family == f], float(t))["f1"]
            for f in TOXIC_SOURCES
        }
        mean = float(np.mean(list(f1s.values())))
        if mean > best[1]:
            best = (float(t), mean, f1s)
    fpr = float(np.mean(scores[assistant] >= best[0]))
    return best[0], {"mean_balanced_f1": round(best[1], 4), **best[2], "assistant_fpr": round(fpr, 4)}


def fit_head(train: list[Row], x: np.ndarray) -> tuple[str, list[np.ndarray]]:
    """The head (logistic regression or a small MLP) chosen on a 10 % validation part of its training rows."""
    is_val = np.array([in_test("validation:" + r.group, 10) for r in train])
    y = np.array([r.label for r in train])
    w = source_weights(train)
    best: tuple[float, str, object] = (-1.0, "", None)
    for name, make in candidates():
        model = make()
        if isinstance(model, MLPClassifier):  # MLPClassifier takes no sample weights: resample by weight
            fitting = np.flatnonzero(~is_val)
            picks = np.random.default_rng(15).choice(fitting, size=len(fitting), p=w[fitting] / w[fitting].sum())
            model.fit(x[picks], y[picks])
        else:
            model.fit(x[~is_val], y[~is_val], sample_weight=w[~is_val])
        f1 = binary_metrics(list(y[is_val]), logits(layers(model), x[is_val]), 0.0)["f1"]
        print(f"  {name}: validation F1 at logit 0 = {f1}", flush=True)
        if f1 > best[0]:
            best = (f1, name, model)
    return best[1], layers(best[2])


def fit_stack(features: np.ndarray, rows_: list[Row]) -> LogisticRegression:
    """Logistic regression over the two models' logits on rows neither trained on: it weighs them and is the
    calibration (Platt scaling over both). Source families weigh the same in total, as for the head."""
    y = np.array([r.label for r in rows_])
    return LogisticRegression(C=1.0, max_iter=1000).fit(features, y, sample_weight=source_weights(rows_))


def held_out_figures(probabilities: np.ndarray, rows_: list[Row], threshold: float) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in sorted({r.source.split(":")[0] for r in rows_}):
        pick = [i for i, r in enumerate(rows_) if r.source.split(":")[0] == name]
        out[name] = binary_metrics([rows_[i].label for i in pick], probabilities[pick], threshold)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--splits", type=Path, default=ROOT / "bench" / "results" / "toxicity")
    parser.add_argument("--cache", type=Path, default=ROOT / ".steward" / "toxicity_pieces.npz")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--identity-split", action="store_true", help="hold out whole identities; report only")
    parser.add_argument(
        "--stack-only",
        action="store_true",
        help="keep the shipped head; refit only the stack and the threshold on the stack split (round 5)",
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "1")))  # the machine is shared

    train, stack, test = collect(args.data, args.identity_split)
    print(
        f"head {len(train)}; stack {len(stack)}; held out " + ", ".join(f"{k} {len(v)}" for k, v in test.items())
    )
    if args.stack_only:
        shipped = np.load(args.out / f"{HEAD_NAME}.npz")
        parts = [shipped[f"p{i}"] for i in range(len(shipped.files))]
        head_name = json.loads((args.out / f"{HEAD_NAME}.json").read_text())["head"]
    else:
        head_name, parts = fit_head(train, embed_all([encoder_pieces(r.text)[0] for r in train], args.cache))
    stacker = fit_stack(stack_x := text_features(parts, stack, args.cache), stack)
    threshold, at_threshold = choose_threshold(stacker.predict_proba(stack_x)[:, 1], stack)
    print(f"chose {head_name}; stack {stacker.coef_[0].round(3)} {stacker.intercept_[0]:.3f}; "
          f"threshold {threshold} {at_threshold}", flush=True)  # fmt: skip
    held: dict[str, object] = {"scored_by": "scripts/make_toxicity_checks.py + steward guard eval (card)"}
    if not args.stack_only:  # with --stack-only the held-out files are scored once, apart, after the choice
        held_rows = [r for rows_ in test.values() for r in rows_]
        features = text_features(parts, held_rows, args.cache)
        held = held_out_figures(stacker.predict_proba(features)[:, 1], held_rows, threshold)
        print("held out (stack at its threshold):", json.dumps(held), flush=True)
    suffix = "_identities" if args.identity_split else ""
    for name, rows_ in test.items():
        write_jsonl(rows_, args.splits / f"head_{name}{suffix}.jsonl")
    meta = {
        "task": "toxic (hate, offensive, insults, threats, harassment) vs not: MiniLM head stacked with n-grams",
        "embedder": "sentence-transformers/all-MiniLM-L6-v2",
        "head": head_name,
        "stack": {
            "features": ["head_logit", "ngram_toxic_logit", "ngram_hate_logit"],
            "coef": stacker.coef_[0].tolist(),
            "intercept": float(stacker.intercept_[0]),
        },
        "threshold": threshold,
        "stack_split_at_threshold": at_threshold,
        "held_out": held,
        "head_rows": len(train),
        "stack_rows": len(stack),
        "held_out_identities": list(HELD_OUT_IDENTITIES) if args.identity_split else [],
        "trained_by": "scripts/train_toxicity_head.py",
    }
    if args.identity_split:
        print(json.dumps(meta, indent=1))
        print(f"held-out files written to {args.splits} (*{suffix}.jsonl); weights not written")
        return
    if not args.stack_only:
        np.savez_compressed(args.out / f"{HEAD_NAME}.npz", **{f"p{i}": p for i, p in enumerate(parts)})
    (args.out / f"{HEAD_NAME}.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"weights written to {args.out / HEAD_NAME}.npz/.json; held-out files in {args.splits}")


if __name__ == "__main__":
    main()
