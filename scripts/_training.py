"""Shared steps of the classifier training scripts: deterministic splits, fitting, export, held-out metrics.

Splits are by a hash of a *group* key (a template, a category, or the text itself), so near-duplicates never
straddle train and test. Hyper-parameters (C, threshold) are chosen by grouped cross-validation on the
training split only; the test split is scored once, after the choice, and its figures are written into the
model's JSON so the shipped weights carry the measurement that describes them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from steward.guardrails.linear import FEATURE_BITS, LinearTextModel, featurise  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Row:
    text: str
    label: int
    group: str
    source: str


# HaluEval prompts are halved by this salt for every model that trains on them (injection, toxicity), so the same
# half stays unseen by all of them (and by scripts/make_injection_checks.py, which scores it).
HALUEVAL_SALT = "steward-injection-round3-halueval"


def in_test(group: str, percent: int = 25) -> bool:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % 100 < percent


def fit(
    texts: list[str], labels: list[int], c: float, multiclass: bool = False, weights: list[float] | None = None
) -> LogisticRegression:
    """Fit TF-IDF + logistic regression; returns the classifier with `tfidf_` attached."""
    return fit_counts(featurise(texts), labels, c, multiclass, weights)


def fit_counts(
    counts: sp.csr_matrix,
    labels: list[int],
    c: float,
    multiclass: bool = False,
    weights: list[float] | None = None,
) -> LogisticRegression:
    tfidf = TfidfTransformer(sublinear_tf=False, smooth_idf=True)
    features = tfidf.fit_transform(counts)
    model = LogisticRegression(
        C=c, class_weight="balanced", max_iter=2000, solver="liblinear" if not multiclass else "lbfgs"
    )
    model.fit(features, labels, sample_weight=weights)
    model.tfidf_ = tfidf  # type: ignore[attr-defined]
    return model


def export(model: LogisticRegression, name: str, classes: list[str], meta: dict[str, object]) -> LinearTextModel:
    idf = model.tfidf_.idf_.astype(np.float32)  # type: ignore[attr-defined]
    n_docs = meta["train_rows"]
    idf_default = float(np.log((1 + n_docs) / 1) + 1)  # smooth idf of a feature never seen in training
    coef = model.coef_.astype(np.float32)
    coef[np.abs(coef) < 1e-4] = 0.0  # prune what cannot move a probability, to keep the file small
    return LinearTextModel(
        name,
        tuple(classes),
        idf,
        coef,
        model.intercept_.astype(np.float32),
        FEATURE_BITS,
        {**meta, "idf_default": idf_default},
    )


def out_of_fold(
    texts: list[str], labels: list[int], groups: list[str], c: float, weights: list[float] | None = None
) -> np.ndarray:
    """Grouped 5-fold out-of-fold positive-class probabilities on the training split."""
    y, scores = np.array(labels), np.zeros(len(texts))
    w = np.array(weights) if weights is not None else np.ones(len(texts))
    counts = featurise(texts)
    for train_idx, val_idx in GroupKFold(n_splits=5).split(texts, y, groups):
        model = fit_counts(counts[train_idx], list(y[train_idx]), c, weights=list(w[train_idx]))
        scores[val_idx] = model.predict_proba(model.tfidf_.transform(counts[val_idx]))[:, 1]
    return scores


def choose_c(
    texts: list[str], labels: list[int], groups: list[str], grid: tuple[float, ...]
) -> tuple[float, float]:
    """Grouped 5-fold CV on the training split: the C with the best F1 (positive class) at 0.5."""
    best = (grid[0], -1.0)
    for c in grid:
        scores = out_of_fold(texts, labels, groups, c)
        f1 = float(f1_score(labels, scores >= 0.5))
        print(f"  C={c:<6} cv F1={f1:.3f}")
        if f1 > best[1]:
            best = (c, f1)
    return best


def binary_metrics(labels: list[int], scores: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (scores >= threshold).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, average="binary", zero_division=0
    )
    negatives = [p for p, y in zip(predicted, labels, strict=True) if y == 0]
    fpr = float(np.mean(negatives)) if negatives else 0.0
    return {
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "fpr": round(fpr, 4),
        "n": len(labels),
        "positives": int(sum(labels)),
    }


def write_jsonl(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({"text": row.text, "label": row.label, "source": row.source}) + "\n")
