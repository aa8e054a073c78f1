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
that have toxic rows while false alarms on validation assistant texts (worst window) stay ≤ 0.5 %. The
held-out splits are scored once, after, and written as jsonl for `steward guard eval` (the n-gram model is
scored on the same files with the same command, side by side, in docs/cards/toxicity.md).

    python scripts/train_toxicity_head.py [--splits bench/results/toxicity] [--cache .steward/tox_emb.npz]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _training import DATA, ROOT, Row, binary_metrics, in_test, write_jsonl
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from synth_toxicity import generate
from train_toxicity import benign_prompts, halueval_benign, rows

from steward.guardrails.linear import WEIGHTS_DIR
from steward.guardrails.toxicity import HEAD_NAME, normalise, windows

HELD_OUT_IDENTITIES = ("Muslims", "trans people")
BENIGN_SOURCES = ("wildguard", "halueval", "synthetic")  # assistant-like text, all labelled 0


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
    return [(Row(e.text, e.label, "synth:" + e.template, "generated:" + e.kind), e.target) for e in generate()]


def benign_windows(rows_: list[Row], most: int = 3) -> list[Row]:
    """Long benign texts as the scanner sees them: up to `most` windows each, all benign."""
    out = []
    for row in rows_:
        for piece in windows(row.text)[:most]:
            out.append(Row(piece, 0, row.group, row.source))
    return out


def collect(data: Path, identity_split: bool) -> tuple[list[Row], dict[str, list[Row]]]:
    """(training rows, held-out rows by source). With `identity_split`, HateCheck and generated rows about
    HELD_OUT_IDENTITIES are held out whatever their template, and none of them trains."""
    tweets = rows(data / "toxicity" / "davidson_labeled.csv")
    davidson = [Row(r.text, int(r.label < 2), r.group, "davidson") for r in tweets]
    wild_train, wild_test = benign_prompts(data / "injection")
    halu_train, halu_test = halueval_benign(data / "hallucination" / "halueval_general.json")
    train = [r for r in davidson if not in_test(r.group, 20)] + benign_windows(wild_train + halu_train)
    test: dict[str, list[Row]] = {
        "davidson": [r for r in davidson if in_test(r.group, 20)],
        "wildguard": [Row(r.text, 0, r.group, r.source) for r in wild_test],  # class 2 ("neither") is 0 here
        "halueval": [Row(r.text, 0, r.group, r.source) for r in halu_test],
    }
    cases = hatecheck(data / "toxicity" / "hatecheck_cases.csv")
    for name, labelled in (("hatecheck", cases), ("generated", synthetic())):
        for row, target in labelled:
            held = target in HELD_OUT_IDENTITIES if identity_split else in_test(row.group, 25)
            if held:
                test.setdefault(name, []).append(row)
            elif not (identity_split and target in HELD_OUT_IDENTITIES):
                train.append(row)
    return train, test


def embed_all(texts: list[str], cache: Path) -> np.ndarray:
    """MiniLM vectors of normalised texts, cached by text hash (embedding ~40k texts on one core takes minutes)."""
    from steward.models.embeddings import Embedder

    known: dict[str, np.ndarray] = {}
    if cache.exists():
        stored = np.load(cache)
        known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    keys = [hashlib.sha1(normalise(t).encode()).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        print(f"embedding {len(missing)} texts …", flush=True)
        vectors = Embedder.shared().embed([normalise(t) or " " for _, t in missing])
        known.update(zip([k for k, _ in missing], vectors, strict=True))
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys])


def source_weights(rows_: list[Row]) -> np.ndarray:
    """Each source family weighs the same in total, so 20k tweets do not drown 2k cases of implicit hate."""
    family = [r.source.split(":")[0] if r.source.split(":")[0] not in BENIGN_SOURCES else "benign" for r in rows_]
    counts = {f: family.count(f) for f in set(family)}
    weights = np.array([len(rows_) / (len(counts) * counts[f]) for f in family])
    return weights


def candidates() -> list[tuple[str, Callable[[], object]]]:
    out: list[tuple[str, Callable[[], object]]] = [
        (f"logistic C={c}", lambda c=c: LogisticRegression(C=c, max_iter=3000)) for c in (1.0, 4.0, 16.0)
    ]
    for alpha in (1e-4, 1e-3):
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


def choose_threshold(scores: np.ndarray, validation: list[Row]) -> tuple[float, dict[str, float]]:
    """Best mean F1 over sources with toxic rows, with ≤ 0.5 % false alarms on validation assistant texts."""
    labels = np.array([r.label for r in validation])
    family = np.array([r.source.split(":")[0] for r in validation])
    benign = np.isin(family, BENIGN_SOURCES)
    # The scanner flags a text when its worst window crosses the threshold: false alarms count per text.
    worst: dict[str, float] = {}
    for row, score, is_benign in zip(validation, scores, benign, strict=True):
        if is_benign:
            key = row.group if row.group != "synthetic" else row.text
            worst[key] = max(worst.get(key, 0.0), float(score))
    per_text = np.array(list(worst.values()))
    best = (0.5, -1.0, {})
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        if per_text.size and float(np.mean(per_text >= t)) > 0.005:
            continue
        f1s = {
            f: binary_metrics(list(labels[family == f]), scores[family == f], float(t))["f1"]
            for f in ("davidson", "hatecheck", "generated")
        }
        mean = float(np.mean(list(f1s.values())))
        if mean > best[1]:
            best = (float(t), mean, f1s)
    return best[0], {"mean_f1": round(best[1], 4), **best[2]}


def fit_head(train: list[Row], x: np.ndarray) -> dict[str, object]:
    """Choose the head on validation, calibrate it, choose the threshold; refit nothing (validation is used)."""
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
        raw = logits(layers(model), x[is_val])
        f1 = binary_metrics(list(y[is_val]), raw, 0.0)["f1"]
        print(f"  {name}: validation F1 at logit 0 = {f1}", flush=True)
        if f1 > best[0]:
            best = (f1, name, model)
    parts = layers(best[2])
    raw = logits(parts, x[is_val])
    platt = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), y[is_val])
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    calibrated = 1 / (1 + np.exp(-(a * raw + b)))
    validation = [r for r, v in zip(train, is_val, strict=True) if v]
    threshold, at_threshold = choose_threshold(calibrated, validation)
    print(f"chose {best[1]}; Platt a={a:.3f} b={b:.3f}; threshold {threshold} {at_threshold}", flush=True)
    return {
        "parts": parts,
        "a": a,
        "b": b,
        "threshold": threshold,
        "head": best[1],
        "validation": at_threshold,
        "fitting_rows": int((~is_val).sum()),
        "validation_rows": int(is_val.sum()),
    }


def score_held_out(head: dict[str, object], test: dict[str, list[Row]], cache: Path) -> dict[str, object]:
    """The short-text held-out sources scored once by the head at its threshold (Davidson and HaluEval are
    scored through the scanner, windows and all, by `steward guard eval`)."""
    out: dict[str, object] = {}
    parts, a, b = head["parts"], float(head["a"]), float(head["b"])  # type: ignore[arg-type]
    assert isinstance(parts, list)
    for name in ("hatecheck", "generated", "wildguard"):
        rows_ = test.get(name, [])
        if rows_:
            raw = logits(parts, embed_all([r.text for r in rows_], cache))
            scores = 1 / (1 + np.exp(-(a * raw + b)))
            out[name] = binary_metrics([r.label for r in rows_], scores, float(head["threshold"]))  # type: ignore[arg-type]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--splits", type=Path, default=ROOT / "bench" / "results" / "toxicity")
    parser.add_argument("--cache", type=Path, default=ROOT / ".steward" / "toxicity_embeddings.npz")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--identity-split", action="store_true", help="hold out whole identities; report only")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "1")))  # the machine is shared

    train, test = collect(args.data, args.identity_split)
    print(f"train {len(train)}; held out " + ", ".join(f"{k} {len(v)}" for k, v in test.items()), flush=True)
    x = embed_all([r.text for r in train], args.cache)
    head = fit_head(train, x)
    held_out = score_held_out(head, test, args.cache)
    print("held out (embedding head on whole texts):", json.dumps(held_out), flush=True)
    suffix = "_identities" if args.identity_split else ""
    for name, held in test.items():
        write_jsonl(held, args.splits / f"head_{name}{suffix}.jsonl")
    meta = {
        "task": "toxic (hate, offensive, harassment) vs not, on MiniLM sentence embeddings",
        "embedder": "sentence-transformers/all-MiniLM-L6-v2",
        "head": head["head"],
        "platt": [head["a"], head["b"]],
        "threshold": head["threshold"],
        "validation_at_threshold": head["validation"],
        "held_out": held_out,
        "train_rows": len(train),
        "fitting_rows": head["fitting_rows"],
        "validation_rows": head["validation_rows"],
        "held_out_identities": list(HELD_OUT_IDENTITIES) if args.identity_split else [],
        "trained_by": "scripts/train_toxicity_head.py",
    }
    if args.identity_split:
        print(json.dumps(meta, indent=1))
        print(f"held-out files written to {args.splits} (*{suffix}.jsonl); weights not written")
        return
    parts = head["parts"]
    assert isinstance(parts, list)
    np.savez_compressed(args.out / f"{HEAD_NAME}.npz", **{f"p{i}": p for i, p in enumerate(parts)})
    (args.out / f"{HEAD_NAME}.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"weights written to {args.out / HEAD_NAME}.npz/.json; held-out files in {args.splits}")


if __name__ == "__main__":
    main()
