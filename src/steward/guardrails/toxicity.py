"""Toxicity, hate and harassment: a trained head over the shipped MiniLM sentence embeddings.

The score is a calibrated probability that a window is toxic (hate, offensive language or harassment), from a
head over all-MiniLM-L6-v2 embeddings trained by `scripts/train_toxicity_head.py` (docs/cards/toxicity.md):
embeddings read meaning, so hate without a rude word counts and a harmless word that looks rude ("bitcoin")
does not. Its default threshold was chosen on a validation split and is read from the weights' JSON
(`default_threshold()`, the policy default). The older three-class n-gram model (hate / offensive / neither,
`scripts/train_toxicity.py`) still names the kind of a finding and gives P(hate) and P(offensive) in its
detail, so the record keeps which kind it was. Long texts are scored per window of about 160 characters (a
sentence or two) and the worst window counts: one abusive sentence inside a long, polite prompt is still
abusive, and averaging would hide it. MiniLM costs tens of milliseconds per kilobyte on one core; `backend:
ngram` keeps the n-gram model alone (under a millisecond, threshold 0.7) for whoever must trade recall on
implicit hate for speed.

Users with a stronger checkpoint on disk (`unitary/toxic-bert`, a RoBERTa hate-speech model…) select
`backend: hub` with `model_path:`; it scores the same windows (`steward.guardrails.hub`), and the finding's kind
is "hate" when the strongest positive label names hate or identity attacks, "offensive" otherwise.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from steward.errors import ArtefactError
from steward.guardrails.base import ScanContext
from steward.guardrails.hub import HubTextClassifier
from steward.guardrails.linear import WEIGHTS_DIR, LinearTextModel, load_model
from steward.types import Finding

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_RETWEET = re.compile(r"^\s*(?:!+\s*)*RT\b:?\s*|\bRT\s+@user:?", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
WINDOW = 160  # about a sentence or two: one abusive sentence is not diluted by polite ones


def normalise(text: str) -> str:
    """The same cleaning for training tweets and scanned text: entities, mentions, links, retweet markers."""
    text = html.unescape(text)
    text = _URL.sub(" ", _MENTION.sub("@user", text))
    text = _RETWEET.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def windows(text: str, size: int = WINDOW) -> list[str]:
    """Cut at sentence ends into pieces of about `size` characters (one piece for short texts)."""
    if len(text) <= size:
        return [text]
    pieces, current = [], ""
    for sentence in re.split(r"(?<=[.!?\n])\s+", text):
        if current and len(current) + len(sentence) > size:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


@lru_cache(maxsize=1)
def _model() -> LinearTextModel:
    return load_model("toxicity")


HEAD_NAME = "toxicity_head"


def head_logits(parts: list[np.ndarray], vectors: np.ndarray) -> np.ndarray:
    """One logit per row: [w0, b0, w1, b1, …] applied with ReLU between layers (training and scanning share it)."""
    hidden = np.asarray(vectors, dtype=np.float32)
    for i in range(0, len(parts), 2):
        if i:
            hidden = np.maximum(hidden, 0.0)
        hidden = hidden @ parts[i] + parts[i + 1]
    return np.asarray(hidden, dtype=np.float64).reshape(-1)


@dataclass(frozen=True)
class EmbeddingHead:
    """The shipped head: layers, Platt scaling (a, b) and the threshold chosen on validation."""

    parts: list[np.ndarray]
    platt: tuple[float, float]
    threshold: float
    meta: dict[str, Any]

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return np.asarray(1.0 / (1.0 + np.exp(-(a * head_logits(self.parts, vectors) + b))))


@lru_cache(maxsize=1)
def load_head() -> EmbeddingHead:
    npz, meta_path = WEIGHTS_DIR / f"{HEAD_NAME}.npz", WEIGHTS_DIR / f"{HEAD_NAME}.json"
    if not npz.is_file() or not meta_path.is_file():
        raise ArtefactError(
            f"the toxicity weights {npz.name}/{meta_path.name} are missing from {WEIGHTS_DIR}; reinstall Steward "
            "or retrain them with `python scripts/train_toxicity_head.py`."
        )
    meta = json.loads(meta_path.read_text())
    with np.load(npz) as stored:
        parts = [stored[f"p{i}"] for i in range(len(stored.files))]
    a, b = meta["platt"]
    return EmbeddingHead(parts, (float(a), float(b)), float(meta["threshold"]), meta)


def default_threshold() -> float:
    """The policy's default toxicity threshold: the one chosen on validation, stored with the weights."""
    return load_head().threshold


class HubToxicityModel(HubTextClassifier):
    """A toxicity or hate-speech classifier loaded from a local folder, never a hub."""

    def __init__(self, path: str, toxic_labels: list[str] | None = None, max_length: int = 512) -> None:
        super().__init__(
            path,
            toxic_labels,
            what="toxicity",
            guess=r"toxic|hate|offensive|obscene|insult|threat|abus|harass|identity",
            option="toxic_labels",
            max_length=max_length,
        )


@lru_cache(maxsize=4)
def _hub_model(path: str, toxic_labels: tuple[str, ...] | None) -> HubToxicityModel:
    return HubToxicityModel(path, list(toxic_labels) if toxic_labels else None)


_HATE_LABEL = re.compile(r"hate|identity", re.I)


@dataclass
class ToxicityScanner:
    name: str = "toxicity"
    backend: str = "builtin"
    model_path: str | None = None
    toxic_labels: list[str] | None = None

    def __post_init__(self) -> None:
        if self.backend == "hub":
            labels = tuple(self.toxic_labels) if self.toxic_labels else None
            self.hub: HubToxicityModel | None = _hub_model(str(self.model_path), labels)
            return
        self.hub = None
        self.head = load_head() if self.backend != "ngram" else None
        if self.head is not None:  # load MiniLM with the scanner (once per process), not on the first request
            from steward.models.embeddings import Embedder

            Embedder.shared().embed(["warm up"])
        self.model = _model()
        self.hate = self.model.classes.index("hate")
        self.offensive = self.model.classes.index("offensive")

    def probabilities(self, text: str) -> tuple[float, float]:
        """(P(hate), P(offensive)) of the worst window by the n-gram model (the tone scanner's offensive-language
        cue; it needs no embedding)."""
        pieces = [p for p in (normalise(piece) for piece in windows(text)) if p] or [""]
        table = self.model.predict_proba(pieces)
        worst = int((table[:, self.hate] + table[:, self.offensive]).argmax())
        return float(table[worst, self.hate]), float(table[worst, self.offensive])

    def scores(self, text: str) -> tuple[float, float, float]:
        """(P(toxic), P(hate), P(offensive)) of the worst window: P(toxic) by the embedding head (by the n-gram
        model with `backend: ngram`), the other two by the n-gram model on that window."""
        from steward.models.embeddings import Embedder

        if self.head is None:
            hate, offensive = self.probabilities(text)
            return hate + offensive, hate, offensive
        pieces = [p for p in (normalise(piece) for piece in windows(text)) if p] or [""]
        toxic = self.head.probabilities(Embedder.shared().embed(pieces))
        worst = int(toxic.argmax())
        table = self.model.predict_proba([pieces[worst]])
        return float(toxic[worst]), float(table[0, self.hate]), float(table[0, self.offensive])

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        if not text.strip():
            return []
        if self.hub is not None:
            return [self._hub_finding(self.hub, text, context)]
        toxic, hate, offensive = self.scores(text)
        kind = "hate" if hate >= offensive else "offensive"
        detail = f"toxic={toxic:.3f} ngram_hate={hate:.3f} ngram_offensive={offensive:.3f}"
        return [Finding("toxicity", kind, round(toxic, 4), context.stage, None, None, detail)]

    def _hub_finding(self, hub: HubToxicityModel, text: str, context: ScanContext) -> Finding:
        """The worst window by the hub model; the detail names its positive labels' probabilities."""
        windowed = [hub.label_scores(piece) for piece in windows(text) if piece.strip()]
        scores = max(windowed, key=hub.combine)
        positive = {hub.labels[i]: scores[hub.labels[i]] for i in hub.positive}
        strongest = max(positive, key=lambda label: positive[label])
        kind = "hate" if _HATE_LABEL.search(strongest) else "offensive"
        detail = "classifier:hub " + " ".join(f"{label}={value:.3f}" for label, value in positive.items())
        return Finding("toxicity", kind, round(hub.combine(scores), 4), context.stage, None, None, detail)

    def reason_code(self, finding: Finding) -> str:
        return "toxicity"


def toxicity_factory(options: dict[str, Any]) -> ToxicityScanner:
    return ToxicityScanner(
        backend=options.get("backend", "builtin"),
        model_path=options.get("model_path"),
        toxic_labels=options.get("toxic_labels"),
    )
