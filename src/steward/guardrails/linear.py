"""Small linear text classifiers shipped as data (npz + json), not pickles.

Features are hashed (scikit-learn's `HashingVectorizer`: word 1–2-grams and character 3–5-grams within word
boundaries), weighted by TF-IDF and L2-normalised; the model is a logistic regression. Hashing means no
vocabulary has to be shipped: the file holds only the IDF and coefficients of the features seen in training,
as sparse arrays. Training (`scripts/train_*.py`) and inference share `featurise`, so a shipped model
scores exactly as it did when it was measured. Inference is a sparse dot product: well under a millisecond
for a 1 kB prompt on one core.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from steward.errors import ArtefactError

WEIGHTS_DIR = Path(__file__).with_name("weights")
FEATURE_BITS = 18  # per analyzer; 2 × 2^18 hashed features


@lru_cache(maxsize=4)
def _vectorizers(bits: int) -> tuple[HashingVectorizer, HashingVectorizer]:
    common: dict[str, Any] = {
        "n_features": 2**bits,
        "alternate_sign": False,
        "norm": None,
        "lowercase": True,
        "dtype": np.float32,
    }
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", **common)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common)
    return words, chars


WORD_CACHE_SIZE = 100_000  # words; ~2 kB each, emptied when full
_word_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}


def _word_char_ngrams(words: set[str], bits: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Hashed character n-gram counts of each lower-cased word, exactly as the char_wb vectorizer counts them
    (columns offset past the word features). Unseen words go through the vectorizer in one call."""
    missing = sorted(w for w in words if (w, bits) not in _word_cache)
    if missing:
        if len(_word_cache) + len(missing) > WORD_CACHE_SIZE:
            _word_cache.clear()
        rows = _vectorizers(bits)[1].transform(missing)
        for i, word in enumerate(missing):
            start, end = rows.indptr[i], rows.indptr[i + 1]
            _word_cache[(word, bits)] = (rows.indices[start:end].astype(np.int64) + 2**bits, rows.data[start:end])
    return {w: _word_cache[(w, bits)] for w in words}


def clear_word_cache() -> None:
    _word_cache.clear()


def featurise(texts: list[str], bits: int = FEATURE_BITS) -> sp.csr_matrix:
    """Raw hashed counts, sublinear (1 + log tf), of word and character n-grams side by side.

    The character counts are assembled from per-word counts (`_word_char_ngrams`): the char_wb vectorizer's
    n-grams never cross a word (it splits on whitespace and pads each word), so a text's counts are the sum of its
    words', and words repeat across prompts, so a cache saves most of the Python n-gram loop. The result is
    identical to `featurise_reference` (a test checks it).
    """
    words, _ = _vectorizers(bits)
    word_counts = words.transform(texts).tocoo()
    split = [text.lower().split() for text in texts]
    cached = _word_char_ngrams({w for ws in split for w in ws}, bits)
    columns, values = [word_counts.col.astype(np.int64)], [word_counts.data]
    lengths = []
    for text_words in split:
        size = 0
        for word in text_words:
            indices, counts = cached[word]
            columns.append(indices)
            values.append(counts)
            size += len(indices)
        lengths.append(size)
    rows = np.concatenate([word_counts.row.astype(np.int64), np.repeat(np.arange(len(texts)), lengths)])
    counts = sp.csr_matrix(
        (np.concatenate(values), (rows, np.concatenate(columns))),
        shape=(len(texts), 2 * 2**bits),
        dtype=np.float32,
    )  # COO to CSR sums the duplicates
    counts.data = 1.0 + np.log(counts.data)
    return counts


def featurise_reference(texts: list[str], bits: int = FEATURE_BITS) -> sp.csr_matrix:
    """`featurise` computed by the two vectorizers directly, without the per-word cache (for tests)."""
    words, chars = _vectorizers(bits)
    counts = sp.hstack([words.transform(texts), chars.transform(texts)], format="csr")
    counts.data = 1.0 + np.log(counts.data)
    return counts


@dataclass(frozen=True)
class LinearTextModel:
    """A logistic regression over TF-IDF weighted hashed n-grams."""

    name: str
    classes: tuple[str, ...]
    idf: np.ndarray  # dense (n_features,) float32, unseen features at `idf_default`
    coef: np.ndarray  # dense (n_classes or 1, n_features) float32
    intercept: np.ndarray  # (n_classes or 1,)
    bits: int
    meta: dict[str, Any]

    def decision_function(self, texts: list[str]) -> np.ndarray:
        """(n, n_classes or 1) raw scores: TF-IDF weighting, L2 norm and the dot product, on the sparse data."""
        matrix = featurise(texts, self.bits)
        rows = np.repeat(np.arange(len(texts)), np.diff(matrix.indptr))
        data = matrix.data * self.idf[matrix.indices]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
        norms[norms == 0] = 1.0
        data = data / norms[rows]
        columns = [
            np.bincount(rows, weights=data * self.coef[k, matrix.indices], minlength=len(texts))
            for k in range(self.coef.shape[0])
        ]
        return np.stack(columns, axis=1) + self.intercept

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """(n, n_classes) probabilities; a binary model has classes (negative, positive)."""
        scores = self.decision_function(texts)
        if scores.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, folder: Path) -> Path:
        """Write `<name>.npz` (sparse IDF and coefficients) and `<name>.json` (classes, meta)."""
        used = np.flatnonzero(np.any(self.coef != 0, axis=0)).astype(np.int32)
        path = folder / f"{self.name}.npz"
        np.savez_compressed(
            path,
            indices=used,
            idf=self.idf[used].astype(np.float32),
            coef=self.coef[:, used].astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            idf_default=np.float32(self.meta["idf_default"]),
        )
        info = {"name": self.name, "classes": list(self.classes), "bits": self.bits, **self.meta}
        (folder / f"{self.name}.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        return path


def load_model(name: str, folder: Path | None = None) -> LinearTextModel:
    """Load a shipped classifier by name (`injection`, `toxicity`), or one trained into `folder`."""
    return _load(name, str(folder or WEIGHTS_DIR))


@lru_cache(maxsize=8)
def _load(name: str, folder: str) -> LinearTextModel:
    npz_path, json_path = Path(folder) / f"{name}.npz", Path(folder) / f"{name}.json"
    if not npz_path.is_file() or not json_path.is_file():
        raise ArtefactError(
            f"classifier weights {npz_path} are missing; reinstall steward or retrain with "
            f"`python scripts/train_{name}.py`."
        )
    info = json.loads(json_path.read_text(encoding="utf-8"))
    bits = int(info["bits"])
    n_features = 2 * 2**bits
    with np.load(npz_path) as data:
        idf = np.full(n_features, float(data["idf_default"]), dtype=np.float32)
        idf[data["indices"]] = data["idf"]
        rows = data["coef"].shape[0]
        coef = np.zeros((rows, n_features), dtype=np.float32)
        coef[:, data["indices"]] = data["coef"].astype(np.float32)
        intercept = data["intercept"].astype(np.float32)
    meta = {k: v for k, v in info.items() if k not in ("name", "classes", "bits")}
    return LinearTextModel(name, tuple(info["classes"]), idf, coef, intercept, bits, meta)
