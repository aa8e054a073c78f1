"""Session 13: should the domain classifier and the PSIs join the embedding permutation test's max?

    python bench/monitor_drift_fold.py --scenario mmlu --seed 777 --windows 60 --shifts 0,0.1,0.05

Development data only (`mmlu` or `assistant`, a seed other than bench/monitor_drift.py's 20261207). Window
pairs are drawn as bench/monitor_drift.py draws them. For each pair every candidate statistic is computed on the
same 1,800 label permutations (200 standardise, 1,600 give the p-value), as in bench/monitor_drift_variants.py:

- `j k s`: the shipped neighbour counts on joint rows (centred embedding beside 0.5 × centred TF-IDF SVD-100),
  k 5-60 × share 0.6-0.9, and `m`: MMD² with a Gaussian kernel at the median bandwidth (the shipped test's max);
- `r mean`, `r auc`: a cross-fitted linear classifier: scikit-learn's Ridge (alpha 1) fitted to the labels of
  four fifths of the rows, each fifth scored by the model fitted on the others (five folds, label-blind), all
  permutations of a batch at once as a multi-output fit; its statistic is the current rows' mean score less the
  reference rows' (`mean`) or the ROC AUC of the scores (`auc`, scipy's Mann-Whitney U / (n·m)). On the raw
  embeddings (`r`) and on the joint rows (`rj`);
- `psi length`, `psi language`: the PSI of log length (bins at the pooled deciles, label-blind) and of the
  language mix, per labelling;
- `cls`: Steward's shipped domain classifier (held-out half, its own Mann-Whitney p), `length`, `language`:
  its shipped PSI tests, for the Bonferroni families.

A variant is a weighted Bonferroni family (as in bench/monitor_drift_variants.py): `("perm", columns, w)` is a
max-type permutation test of those columns. Printed per variant: the share of pairs called drifted per level.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _drift_dev as dev  # noqa: E402
import monitor_drift_variants as variants_bench  # noqa: E402

KS = (5, 10, 20, 30, 40, 60)
SHARES = (0.6, 0.7, 0.8, 0.9)
FOLDS = 5
BATCHES = 9


def columns() -> list[tuple]:
    keys: list[tuple] = [("j", k, s) for k in KS for s in SHARES] + [("m",)]
    keys += [("r", "mean"), ("r", "auc"), ("rj", "mean"), ("rj", "auc"), ("psi", "length"), ("psi", "language")]
    return keys


def ridge_scores(rows: np.ndarray, targets: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Cross-fitted Ridge scores (rows × batch) of each column of `targets` (labels as ±1)."""
    from sklearn.linear_model import Ridge

    scores = np.empty(targets.shape, np.float64)
    for fold in range(FOLDS):
        held = folds == fold
        model = Ridge(alpha=1.0).fit(rows[~held], targets[~held])
        scores[held] = model.predict(rows[held]).reshape(int(held.sum()), -1)
    return scores


def classifier_columns(scores: np.ndarray, labellings: np.ndarray) -> list[np.ndarray]:
    from scipy import stats

    cur = labellings.T
    m = int(cur[:, 0].sum())
    n = len(cur) - m
    mean = (np.sum(scores * cur, 0) / m) - (np.sum(scores * ~cur, 0) / n)
    order = np.argsort(cur, axis=0, kind="stable")  # reference rows first, then current, per column
    ranked = np.take_along_axis(scores, order, axis=0)
    u = stats.mannwhitneyu(ranked[n:], ranked[:n], axis=0, method="asymptotic").statistic
    return [mean, np.asarray(u) / (n * m)]


def psi_column(bins: np.ndarray, labellings: np.ndarray) -> np.ndarray:
    onehot = np.eye(int(bins.max()) + 1, dtype=np.float32)[bins]  # rows × bins
    cur = onehot.T @ labellings.T.astype(np.float32)  # bins × batch
    total = onehot.sum(0)[:, None]
    ref = total - cur
    m, n = cur.sum(0), ref.sum(0)
    p = (ref + 0.5) / (n + 0.5 * len(total))
    q = (cur + 0.5) / (m + 0.5 * len(total))
    return np.sum((q - p) * np.log(q / p), axis=0)


def statistics(ref_texts, cur_texts, ref, cur, rng):
    from steward.monitor import drift, drift_tests

    raw = np.vstack([ref, cur]).astype(np.float32)
    n, m = len(ref), len(cur)
    labels = np.concatenate([np.zeros(n, bool), np.ones(m, bool)])
    words = drift_tests._lexical(ref_texts + cur_texts)
    joint = np.hstack([drift_tests._centred(raw), drift_tests.LEXICAL_WEIGHT * words])
    near = drift_tests._nearest(joint, max(KS))
    rings = [drift_tests._adjacency(near[:, a:k]) for a, k in zip([0, *KS], KS, strict=False)]
    kernel = drift_tests._gaussian_kernel(raw, rng)
    folds = np.arange(n + m) % FOLDS
    rng.shuffle(folds)
    lengths = np.asarray(drift._lengths(ref_texts + cur_texts))
    edges = np.unique(np.quantile(lengths, np.linspace(0, 1, 11)[1:-1]))
    length_bins = np.searchsorted(edges, lengths, side="right")
    languages = drift.languages(ref_texts + cur_texts)
    index = {c: i for i, c in enumerate(sorted(set(languages)))}
    language_bins = np.array([index[c] for c in languages])

    def batch(labellings: np.ndarray) -> np.ndarray:
        as_current = labellings.T.astype(np.float32)
        found, out = np.zeros(as_current.shape, np.float32), []
        for k, ring in zip(KS, rings, strict=True):
            found += ring @ as_current
            out += [np.sum((found >= math.ceil(s * k)) & labellings.T, axis=0) for s in SHARES]
        signs = np.where(labellings, -1.0 / m, 1.0 / n).astype(np.float32).T
        out.append(np.einsum("ij,ij->j", signs, kernel @ signs))
        targets = np.where(labellings.T, 1.0, -1.0)
        out += classifier_columns(ridge_scores(raw, targets, folds), labellings)
        out += classifier_columns(ridge_scores(joint, targets, folds), labellings)
        out += [psi_column(length_bins, labellings), psi_column(language_bins, labellings)]
        return np.stack(out, 1).astype(np.float64)

    observed = batch(labels[None])[0]
    permuted = np.vstack([batch(np.stack([rng.permutation(labels) for _ in range(200)])) for _ in range(BATCHES)])
    return observed, permuted


def p_value(row: dict, keys: list[tuple]) -> float:
    index = [columns().index(key) for key in keys]
    calibration, rest = row["permuted"][:200, index], row["permuted"][200:, index]
    centre, spread = calibration.mean(0), calibration.std(0)
    floor = np.array([math.sqrt(c + 1) if key[0] == "j" else 1e-12 for c, key in zip(centre, keys, strict=True)])
    spread = np.maximum(spread, floor)
    observed = np.max((row["observed"][index] - centre) / spread)
    return float((1 + np.sum(np.max((rest - centre) / spread, axis=1) >= observed)) / (1 + len(rest)))


def drifted(row: dict, family: list[tuple], alpha: float = 0.01) -> bool:
    total = sum(weight for _, _, weight in family)
    for kind, keys, weight in family:
        share = alpha * weight / total
        if kind == "perm" and p_value(row, keys) < share:
            return True
        if kind != "perm":
            statistic, p = row[{"cls": "auc"}.get(kind, kind)]
            if p < share and statistic > (0.55 if kind == "cls" else 0.2):
                return True
    return False


def variants() -> dict[str, list[tuple]]:
    shipped = [("j", k, s) for k in KS for s in SHARES] + [("m",)]
    cls, length, language = ("cls", [], 1.0), ("length", [], 1.0), ("language", [], 1.0)
    ridge = [("r", "mean"), ("r", "auc")]
    ridge_joint = [("rj", "mean"), ("rj", "auc")]
    psis = [("psi", "length"), ("psi", "language")]
    shipped_family = [("perm", shipped, 6), cls, length, language]
    return {
        "shipped: joint counts + MMD 6/9, classifier, length, language": shipped_family,
        "shipped + cross-fitted ridge (emb) in the max, 6/9": [("perm", shipped + ridge, 6), *shipped_family[1:]],
        "classifier folded: shipped + ridge (emb), 7/9": [("perm", shipped + ridge, 7), length, language],
        "classifier folded: shipped + ridge (joint), 7/9": [("perm", shipped + ridge_joint, 7), length, language],
        "classifier folded: shipped + ridge AUC (emb) only, 7/9": [
            ("perm", [*shipped, ("r", "auc")], 7), length, language],
        "all folded: shipped + ridge (emb) + PSIs, whole alpha": [("perm", shipped + ridge + psis, 1)],
        "all folded: shipped + ridge AUC (emb) + PSIs, whole alpha": [
            ("perm", [*shipped, ("r", "auc"), *psis], 1)],
        "shipped at the whole alpha (a bound)": [("perm", shipped, 1)],
        "ridge (emb) alone, whole alpha": [("perm", ridge, 1)],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    dev.add_window_options(parser, seed=None, windows=60, shifts="0,0.1,0.05")
    args = parser.parse_args(argv)
    rows = []
    for pair in dev.pairs(args):
        observed, permuted = statistics(pair.ref_texts, pair.cur_texts, pair.ref, pair.cur,
                                        np.random.default_rng(args.seed + pair.index))  # fmt: skip
        row = {"level": pair.level, "observed": observed, "permuted": permuted}
        others = variants_bench.others(pair.ref_texts, pair.cur_texts, pair.ref, pair.cur, args.seed + pair.index)
        rows.append(row | others)
    levels = dev.levels(args)
    for name, family in variants().items():
        found = [np.mean([drifted(r, family) for r in rows if r["level"] == level]) for level in levels]
        print(f"{name:62s}", "  ".join(f"{lv:.0%}: {share:.3f}" for lv, share in zip(levels, found, strict=True)))


if __name__ == "__main__":
    main()
