"""Exact per-n-gram and per-word contributions of a `LinearTextModel` (steward.guardrails.linear) to its log-odds.

The model is linear in its features: log-odds = intercept + Σ_j u_j·w_j, where u is the text's TF-IDF vector
(sublinear counts × IDF, L2-normalised over this text) and w the coefficients. So u_j·w_j is exactly feature j's
share of the score, and the shares sum to the log-odds less the intercept: a decomposition, not an approximation
(no sampling, no ablation; the normalisation is this text's, so a share says what the feature added *in this
text*). Features are hashed, so each is named back by hashing the text's own n-grams (word 1–2-grams, character
3–5-grams within words) with the vectorizer's own hash; a column two n-grams share is shown with both. A word's
share is the sum over the n-gram occurrences inside it (character n-grams never cross a word; a word bigram counts
half to each word), so the per-word shares also sum exactly to the log-odds less the intercept, and are shown
against the text. A multi-class model is decomposed on the log-odds of one class against another (softmax
log-odds are differences of linear scores, so they decompose the same way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, pairwise

import numpy as np
from sklearn.utils import murmurhash3_32

from steward.guardrails.linear import LinearTextModel, _vectorizers, featurise

_WORD_TOKEN = re.compile(r"(?u)\b\w+\b")  # the word analyzer's token pattern
_SPACED = re.compile(r"\S+")  # the char_wb analyzer's words (it splits on whitespace)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One feature's or one word's share of a linear model's log-odds."""

    name: str  # the n-gram ("previous instructions", "ign" of a word) or the word as written
    kind: str  # "word n-gram", "character n-gram" or "word"
    value: float  # its share of the log-odds
    start: int | None = None  # where it is in the explained text (words, and n-grams of one place)
    end: int | None = None


@dataclass(frozen=True, slots=True)
class Decomposition:
    """A linear model's log-odds for one text, split exactly into its intercept, features and words."""

    log_odds: float
    intercept: float
    features: list[Contribution]  # the `top` features with the largest |share|, largest first
    words: list[Contribution]  # every word of the text, in text order
    feature_count: int  # how many features have a share (all of them sum to log_odds − intercept)
    shared: float  # the sum of every feature's share

    @property
    def residual(self) -> float:
        """What the shares leave unexplained (float rounding only): log-odds − intercept − Σ shares."""
        return self.log_odds - self.intercept - self.shared


@lru_cache(maxsize=100_000)
def _column(ngram: str, bits: int, offset: int) -> int:
    return abs(murmurhash3_32(ngram, seed=0, positive=False)) % 2**bits + offset


@lru_cache(maxsize=50_000)
def _char_grams(word: str, bits: int) -> tuple[tuple[str, ...], np.ndarray]:
    """The character n-grams of one lower-cased word as the char_wb analyzer makes them, and their columns."""
    grams = tuple(_vectorizers(bits)[1].build_analyzer()(word))
    return grams, np.fromiter((_column(g, bits, 2**bits) for g in grams), np.int64, len(grams))


@dataclass(frozen=True)
class _Layout:
    """Every n-gram occurrence of a text that counts in a column, as arrays: its n-gram, column, the whitespace
    word it counts for and its weight there (a word bigram counts half for each of its two words)."""

    grams: list[str]
    columns: np.ndarray
    words: np.ndarray
    weights: np.ndarray
    spans: list[tuple[int, int]]  # the whitespace-separated words


@lru_cache(maxsize=16)  # the injection and harm models read one text: its layout is made once
def _layout(text: str, bits: int) -> _Layout:
    spans = [m.span() for m in _SPACED.finditer(text)]
    starts = np.fromiter((a for a, _ in spans), np.int64, len(spans))
    found = [(m.group().lower(), m.start()) for m in _WORD_TOKEN.finditer(text)]
    tokens = [token for token, _ in found]
    at = np.maximum(np.searchsorted(starts, [a for _, a in found], side="right") - 1, 0).astype(np.int64)
    bigrams = [f"{a} {b}" for a, b in pairwise(tokens)]
    unigram_columns = np.fromiter((_column(t, bits, 0) for t in tokens), np.int64, len(tokens))
    bigram_columns = np.fromiter((_column(b, bits, 0) for b in bigrams), np.int64, len(bigrams))
    per_word = [_char_grams(text[a:b].lower(), bits) for a, b in spans]
    sizes = np.fromiter((len(g) for g, _ in per_word), np.int64, len(per_word))
    # a bigram counts half for each of its two words: it appears twice, once per word
    return _Layout(
        tokens + bigrams + bigrams + list(chain.from_iterable(g for g, _ in per_word)),
        np.concatenate([unigram_columns, bigram_columns, bigram_columns, *(c for _, c in per_word)]),
        np.concatenate([at, at[:-1], at[1:], np.repeat(np.arange(len(spans)), sizes)]),
        np.concatenate([np.ones(len(tokens)), np.full(2 * len(bigrams), 0.5), np.ones(int(sizes.sum()))]),
        spans,
    )


def decompose(
    model: LinearTextModel, text: str, positive: int = 1, against: int | None = None, top: int = 12
) -> Decomposition:
    """The log-odds of class `positive` (a binary model's one score when it has one coefficient row; against
    class `against` for a multi-class model) for `text`, split into features (the `top` largest named) and
    words."""
    columns, counts = _features(text, model.bits)
    weighted = counts.astype(np.float64) * model.idf[columns]
    norm = float(np.sqrt(np.sum(weighted**2))) or 1.0
    if model.coef.shape[0] == 1:
        coef, intercept = model.coef[0, columns], float(model.intercept[0])
    else:
        other = 0 if against is None else against
        coef = model.coef[positive, columns] - model.coef[other, columns]
        intercept = float(model.intercept[positive] - model.intercept[other])
    shares = (weighted / norm) * coef.astype(np.float64)
    layout = _layout(text, model.bits)
    per_word = _spread(columns, shares, layout)
    features = []
    for i in np.argsort(-np.abs(shares))[:top].tolist():
        column, value = int(columns[i]), float(shares[i])
        kind = "character n-gram" if column >= 2**model.bits else "word n-gram"
        at = np.flatnonzero(layout.columns == column).tolist()
        names = sorted({layout.grams[j] for j in at}) or [f"#{column}"]
        places = {int(layout.words[j]) for j in at}
        start, end = layout.spans[places.pop()] if len(places) == 1 else (None, None)
        features.append(Contribution(" | ".join(names), kind, value, start, end))
    shared = float(shares.sum())
    words = [
        Contribution(text[a:b], "word", float(v), a, b) for (a, b), v in zip(layout.spans, per_word, strict=True)
    ]
    return Decomposition(intercept + shared, intercept, features, words, len(columns), shared)


@lru_cache(maxsize=16)  # the injection and harm models share their features: a text is featurised once
def _features(text: str, bits: int) -> tuple[np.ndarray, np.ndarray]:
    matrix = featurise([text], bits)
    return matrix.indices.astype(np.int64), matrix.data


def _spread(columns: np.ndarray, shares: np.ndarray, layout: _Layout) -> np.ndarray:
    """Each column's share spread over its occurrences by weight, summed per whitespace word."""
    if not len(layout.columns) or not len(columns):
        return np.zeros(len(layout.spans))
    order = np.argsort(columns)
    known, values = columns[order], shares[order]
    at = np.minimum(np.searchsorted(known, layout.columns), len(known) - 1)
    share = np.where(known[at] == layout.columns, values[at], 0.0)
    _, inverse = np.unique(layout.columns, return_inverse=True)
    total = np.bincount(inverse, weights=layout.weights)
    return np.bincount(layout.words, weights=share * layout.weights / total[inverse], minlength=len(layout.spans))


def forget_text() -> None:
    """Drop the per-text caches (layouts, features), keeping the per-word ones (benchmarks time a text afresh)."""
    _layout.cache_clear()
    _features.cache_clear()
