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
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

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


def _column(ngram: str, bits: int, offset: int) -> int:
    return abs(murmurhash3_32(ngram, seed=0, positive=False)) % 2**bits + offset


@lru_cache(maxsize=50_000)
def _char_grams(word: str, bits: int) -> tuple[tuple[str, int], ...]:
    """The character n-grams of one lower-cased word as the char_wb analyzer makes them, with their columns."""
    analyzer = _vectorizers(bits)[1].build_analyzer()
    return tuple((gram, _column(gram, bits, 2**bits)) for gram in analyzer(word))


def _occurrences(text: str, bits: int) -> list[tuple[str, int, tuple[int, int], float]]:
    """Every n-gram occurrence that counts in a column: (n-gram, column, the word span it counts for, weight),
    a word bigram counted half for each of its two words."""
    found: list[tuple[str, int, tuple[int, int], float]] = []
    tokens = [(m.group().lower(), m.span()) for m in _WORD_TOKEN.finditer(text)]
    for i, (token, span) in enumerate(tokens):
        found.append((token, _column(token, bits, 0), span, 1.0))
        if i + 1 < len(tokens):
            bigram = f"{token} {tokens[i + 1][0]}"
            column = _column(bigram, bits, 0)
            found += [(bigram, column, span, 0.5), (bigram, column, tokens[i + 1][1], 0.5)]
    for match in _SPACED.finditer(text):
        found += [(gram, column, match.span(), 1.0) for gram, column in _char_grams(match.group().lower(), bits)]
    return found


def decompose(
    model: LinearTextModel, text: str, positive: int = 1, against: int | None = None, top: int = 12
) -> Decomposition:
    """The log-odds of class `positive` (a binary model's one score when it has one coefficient row; against
    class `against` for a multi-class model) for `text`, split into features (the `top` largest named) and words."""
    matrix = featurise([text], model.bits)
    columns, counts = matrix.indices, matrix.data
    weighted = counts.astype(np.float64) * model.idf[columns]
    norm = float(np.sqrt(np.sum(weighted**2))) or 1.0
    if model.coef.shape[0] == 1:
        coef, intercept = model.coef[0, columns], float(model.intercept[0])
    else:
        other = 0 if against is None else against
        coef = model.coef[positive, columns] - model.coef[other, columns]
        intercept = float(model.intercept[positive] - model.intercept[other])
    shares = (weighted / norm) * coef.astype(np.float64)
    share_of = dict(zip(columns.tolist(), shares.tolist(), strict=True))
    occurrences = _occurrences(text, model.bits)
    weight_in: dict[int, float] = defaultdict(float)  # each column's occurrences, to spread its share over them
    for _, column, _, weight in occurrences:
        weight_in[column] += weight
    by_word: dict[tuple[int, int], float] = defaultdict(float)
    names: dict[int, set[str]] = defaultdict(set)
    places: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for gram, column, span, weight in occurrences:
        by_word[span] += share_of.get(column, 0.0) * weight / weight_in[column]
        names[column].add(gram)
        places[column].add(span)
    features = []
    for i in np.argsort(-np.abs(shares))[:top].tolist():
        column, value = int(columns[i]), float(shares[i])
        kind = "character n-gram" if column >= 2**model.bits else "word n-gram"
        where = places.get(column, set())
        start, end = (min(where)[0], max(where)[1]) if len(where) == 1 else (None, None)
        features.append(Contribution(" | ".join(sorted(names.get(column, {f"#{column}"}))), kind, value, start, end))
    shared = float(shares.sum())
    return Decomposition(intercept + shared, intercept, features, _words(text, by_word), len(columns), shared)


def _words(text: str, shares: dict[tuple[int, int], float]) -> list[Contribution]:
    """The shares of word tokens gathered per whitespace-separated word (the one each token starts in)."""
    spaced = [m.span() for m in _SPACED.finditer(text)]
    starts = [a for a, _ in spaced]
    totals = [0.0] * len(spaced)
    for (start, _), value in shares.items():
        at = bisect_right(starts, start) - 1
        if at >= 0:
            totals[at] += value
    return [Contribution(text[a:b], "word", v, a, b) for (a, b), v in zip(spaced, totals, strict=True)]
