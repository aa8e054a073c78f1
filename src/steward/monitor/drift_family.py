"""One permutation test for all the record-level signals of one side (inputs or outputs) of two windows.

Until session 12 the embedding tests, the domain classifier and the length and language PSIs of one side were
separate tests, each at its Bonferroni share of alpha. They all describe the same records, so one permutation of
the window labels permutes them together: `side_family` computes, on every labelling (the observed one and each
permutation), MMD² and the neighbour counts (`drift_tests.embedding_columns`), a cross-fitted domain classifier's
ROC AUC and each feature's PSI, standardises each by a first batch of permutations, and compares the largest
standardised statistic with its exact permutation null (the max-type test of session 12, with more members).
Each signal's verdict is the single-step max-T adjustment (Westfall and Young): its own largest standardised
statistic against the null of the largest of all, which keeps the family-wise error rate at the family's alpha
with no Bonferroni split inside it. The family weighs in `drift.alpha_shares` what its members weighed before.

- the domain classifier: scikit-learn's `Ridge` fitted to the labels (±1) of four fifths of the rows (at most
  CLASSIFIER_ROWS of both windows, a label-blind random subset), each fifth
  scored by the model fitted on the others (five label-blind folds), all permutations of a batch at once as a
  multi-output fit; the statistic is the ROC AUC of those cross-fitted scores (scipy's Mann-Whitney U / (n·m)).
  Evidently's method fits on one half and scores the other; cross-fitting uses every row for both, and the
  permutation null makes its AUC exact however the folds' models differ.
- a feature (length, language): its PSI over bins taken from both windows together (deciles of the pooled values,
  or the categories), label-blind, so the null is untouched; a feature that costs time per text (language) is
  valued on a label-blind random subset of the rows.

A signal drifts when its statistic exceeds its threshold: for the AUC and the PSIs the larger of the customary
effect size (0.55, 0.2) and the value at which the max-T test rejects (the permutation maxima's critical value,
back on the statistic's scale); for MMD-and-neighbours, as before, −log10 p against −log10 alpha.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from steward.monitor import drift_tests
from steward.monitor.drift_tests import Signal

FOLDS = 5  # cross-fitting folds of the domain classifier
CLASSIFIER_ROWS = 1_000  # pooled rows the classifier sees (a label-blind random subset beyond): its fits cost the
# most per permutation batch, and an AUC on 1,000 rows is already precise to about ±0.02
RIDGE_ALPHA = 1.0  # the classifier's L2 penalty (scikit-learn's default)


@dataclass(frozen=True)
class Feature:
    """A per-record feature compared by PSI inside the family: `values` maps texts to one value each."""

    name: str
    values: Callable[[list[str]], Sequence[Any]]
    numeric: bool
    limit: int | None = None  # value at most this many of the pooled rows (a label-blind random subset)


def side_family(
    side: str,
    reference: np.ndarray,
    current: np.ndarray,
    *,
    alpha: float,
    seed: int = 0,
    texts: tuple[Sequence[str], Sequence[str]] | None = None,
    features: Sequence[Feature] = (),
) -> list[Signal]:
    """The signals `{side}.embedding.mmd_neighbours`, `{side}.embedding.domain_auc` and one per feature (which
    need `texts`, one per embedded row), decided together by one max-type permutation test at `alpha`."""
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(seed)
    embedding = drift_tests.embedding_columns(reference, current, rng, texts)
    labels = embedding.labels
    n, m = embedding.reference_rows, embedding.current_rows
    rows = np.vstack([reference[embedding.reference_index], current[embedding.current_index]]).astype(np.float32)
    classified = np.arange(len(rows))
    if len(rows) > CLASSIFIER_ROWS:
        classified = np.sort(rng.choice(len(rows), size=CLASSIFIER_ROWS, replace=False))
    folds = [held for _, held in KFold(FOLDS, shuffle=True, random_state=seed).split(classified)]
    hats = _ridge_hats(rows[classified], folds)
    aligned = texts is not None and len(texts[0]) == len(reference) and len(texts[1]) == len(current)
    binned: list[tuple[Feature, np.ndarray, np.ndarray]] = []  # (feature, rows valued, their bin)
    if aligned and texts is not None:
        pooled = [texts[0][i] for i in embedding.reference_index] + [texts[1][i] for i in embedding.current_index]
        for feature in features:
            valued = np.arange(len(pooled))
            if feature.limit is not None and len(pooled) > feature.limit:
                valued = np.sort(rng.choice(len(pooled), size=feature.limit, replace=False))
            values = feature.values([pooled[i] for i in valued])
            binned.append((feature, valued, _bins(values, feature.numeric)))

    def statistics(labellings: np.ndarray) -> np.ndarray:  # (batch, counts and MMD², AUC, one PSI per feature)
        auc = _cross_fitted_auc(hats, labellings[:, classified])
        columns = [embedding.statistics(labellings), auc[:, None]]
        columns += [_psi(bins, labellings[:, valued])[:, None] for _, valued, bins in binned]
        return np.hstack(columns)

    width = embedding.width
    groups = {"mmd_neighbours": slice(0, width), "domain_auc": slice(width, width + 1)}
    groups |= {feature.name: slice(width + 1 + i, width + 2 + i) for i, (feature, _, _) in enumerate(binned)}
    first = drift_tests.CALIBRATION_PERMUTATIONS
    calibration = statistics(np.stack([rng.permutation(labels) for _ in range(first)]))
    centre, spread = calibration.mean(axis=0), calibration.std(axis=0)
    counts = embedding.counts
    spread[counts] = np.maximum(spread[counts], np.sqrt(centre[counts] + 1.0))  # a Poisson floor for the counts
    spread[spread <= 1e-9 * (np.abs(centre) + 1.0)] = np.inf  # a statistic no permutation moves: never the max
    maxima: list[np.ndarray] = []

    def largest(labellings: np.ndarray) -> np.ndarray:
        found = np.max((statistics(labellings) - centre) / spread, axis=1)
        maxima.append(found)
        return found

    observed = statistics(labels[None, :])[0]
    standardised = (observed - centre) / spread
    _, permutations = drift_tests.permutation_p(largest, labels, alpha, rng, resolution=10.0)
    null = np.sort(np.concatenate(maxima[1:]))[::-1]  # the permutations' maxima, largest first
    critical = _critical(null, alpha)
    signals = []
    for group, columns in groups.items():
        value = float(np.max(standardised[columns]))
        p_value = (1 + int(np.sum(null >= value))) / (1 + len(null))
        name = f"{side}.embedding.{group}" if group in ("mmd_neighbours", "domain_auc") else group
        detail: dict[str, Any] = {"family": f"{side}: one permutation test, max-T", "permutations": permutations}
        if group == "mmd_neighbours":
            signals.append(_embedding_signal(name, embedding, observed, standardised, p_value, alpha, detail))
            continue
        column = columns.start
        floor = drift_tests.DOMAIN_AUC if group == "domain_auc" else drift_tests.PSI_EFFECT
        threshold = max(floor, float(centre[column] + critical * spread[column]))
        statistic = float(observed[column])
        if group == "domain_auc":
            test = f"domain classifier ROC AUC (ridge, {FOLDS}-fold cross-fitted), in {side}'s permutation max-T"
            detail |= {"reference_rows": n, "current_rows": m, "classified_rows": len(classified)}
        else:
            test = f"PSI (bins of both windows), in {side}'s permutation max-T"
            detail["rows"] = len(next(valued for f, valued, _ in binned if f.name == group))
        signals.append(Signal(name, test, statistic, threshold, statistic > threshold, p_value, detail=detail))
    return signals


def _critical(null: np.ndarray, alpha: float) -> float:
    """The standardised value a signal must exceed for its max-T p-value (1 + maxima ≥ it) / (1 + maxima) to fall
    below alpha: the (r+1)-th largest maximum, r the most maxima at or above it that p < alpha allows."""
    allowed = math.ceil(alpha * (1 + len(null)) - 1) - 1  # the largest r with (1 + r) / (1 + B) < alpha
    return float(null[allowed]) if 0 <= allowed < len(null) else math.inf


def _embedding_signal(
    name: str,
    embedding: drift_tests.EmbeddingColumns,
    observed: np.ndarray,
    standardised: np.ndarray,
    p_value: float,
    alpha: float,
    detail: dict[str, Any],
) -> Signal:
    best = int(np.argmax(standardised[: embedding.width]))
    detail |= {"mmd2": round(float(observed[0]), 6), "scales": embedding.scales,
               "reference_rows": embedding.reference_rows, "current_rows": embedding.current_rows}  # fmt: skip
    if embedding.words is not None:
        detail["lexical_weight"] = drift_tests.LEXICAL_WEIGHT
    detail |= embedding.largest(best, observed)
    joint = " on embeddings and TF-IDF" if embedding.words is not None else ""
    test = (
        f"MMD², current requests among current neighbours{joint} (k {embedding.scales}) and current clusters "
        "of a Ward tree, largest standardised, permutation max-T p"
    )
    return drift_tests._p_signal(name, test, p_value, alpha, detail)


def _ridge_hats(rows: np.ndarray, folds: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per fold, the matrix that maps the other folds' targets to this fold's ridge predictions: the fit of
    scikit-learn's `Ridge(alpha=RIDGE_ALPHA)` (with intercept) is linear in the targets, so one solve per fold
    serves every labelling of every permutation batch."""
    hats = []
    for held in folds:
        fitted = np.ones(len(rows), bool)
        fitted[held] = False
        train = rows[fitted].astype(np.float64)
        mean = train.mean(axis=0)
        centred = train - mean
        solve = np.linalg.solve(centred.T @ centred + RIDGE_ALPHA * np.eye(rows.shape[1]), centred.T)
        hat = (rows[held] - mean) @ solve  # held × fitted, applied to the targets less their mean
        hats.append((held, hat - hat.mean(axis=1, keepdims=True) + 1.0 / len(train)))  # + the intercept
    return hats


def _cross_fitted_auc(hats: list[tuple[np.ndarray, np.ndarray]], labellings: np.ndarray) -> np.ndarray:
    """Per labelling, the ROC AUC of cross-fitted ridge scores (each fold scored by a model fitted without it)."""
    from scipy import stats

    targets = np.where(labellings.T, 1.0, -1.0)  # (rows, batch): one regression target per labelling
    scores = np.empty(targets.shape)
    for held, hat in hats:
        fitted = np.ones(len(targets), bool)
        fitted[held] = False
        scores[held] = hat @ targets[fitted]
    current = labellings.T
    m = int(current[:, 0].sum())
    n = len(current) - m
    order = np.argsort(current, axis=0, kind="stable")  # per labelling: its reference rows, then its current ones
    ranked = np.take_along_axis(scores, order, axis=0)
    u = stats.mannwhitneyu(ranked[n:], ranked[:n], axis=0, method="asymptotic").statistic
    return np.asarray(u, float) / (n * m)


def _bins(values: Sequence[Any], numeric: bool) -> np.ndarray:
    """Each value's bin, from all values together (label-blind): deciles of a number, or its category."""
    if numeric:
        array = np.asarray(values, float)
        edges = np.unique(np.quantile(array, np.linspace(0, 1, 11)[1:-1]))
        return np.searchsorted(edges, array, side="right")
    index = {category: i for i, category in enumerate(sorted({str(v) for v in values}))}
    return np.array([index[str(v)] for v in values], int)


def _psi(bins: np.ndarray, labellings: np.ndarray) -> np.ndarray:
    """Per labelling (rows of booleans: current), the PSI of the current rows' bins against the reference's."""
    onehot = np.eye(int(bins.max()) + 1)[bins]  # rows × bins
    current = onehot.T @ labellings.T.astype(float)  # bins × batch
    reference = onehot.sum(axis=0)[:, None] - current
    return drift_tests.psi_of_counts(reference, current)
