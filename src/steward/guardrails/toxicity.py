"""Toxicity, hate and harassment: MiniLM sentence embeddings with a trained head, stacked with the n-gram model.

The score is a calibrated probability that a text is toxic (hate, offensive language, insults, threats or
harassment). Two models read the text (`scripts/train_toxicity_head.py`, docs/cards/toxicity.md):
- a head over the all-MiniLM-L6-v2 embedding of the whole text: embeddings read meaning, so hate without a rude
  word counts and a harmless word that looks rude ("bitcoin") does not. A text that fits the encoder (256 word
  pieces, about 1 kB) is embedded once; a longer one is cut into overlapping windows of word pieces and its
  worst window counts, so one abusive paragraph inside a long, polite prompt is still abusive;
- the older three-class n-gram model (hate / offensive / neither, `scripts/train_toxicity.py`) on windows of
  about 160 characters, worst window: it reads words, so an insult inside a long text is not diluted.
A logistic regression over the two (the "stack", fitted on a split neither model trained on) gives the
probability; its threshold was chosen on that split and is read from the weights' JSON (`default_threshold()`,
the policy default). The n-gram model's P(hate) and P(offensive) name the kind of a finding in its detail.
`backend: ngram` keeps the n-gram model alone (under a millisecond, threshold 0.7) for whoever must trade recall
on implicit hate for speed.

Text is read as a person reads it (`normalise_for_detection`: NFKC, no zero-width characters, homoglyphs and
leet digits mapped), so "y0u 4re an 1d10t" scores as "you are an idiot".

Users with a stronger checkpoint on disk (`unitary/toxic-bert`, a RoBERTa hate-speech model…) select
`backend: hub` with `model_path:`; it scores windows (`steward.guardrails.hub`), and the finding's kind
is "hate" when the strongest positive label names hate or identity attacks, "offensive" otherwise.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from steward.errors import ArtefactError
from steward.guardrails.base import ScanContext
from steward.guardrails.hub import HubTextClassifier
from steward.guardrails.linear import WEIGHTS_DIR, LinearTextModel, load_model
from steward.guardrails.normalise import normalise_for_detection
from steward.types import Finding

if TYPE_CHECKING:
    from steward.models.embeddings import Precision

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_RETWEET = re.compile(r"^\s*(?:!+\s*)*RT\b:?\s*|\bRT\s+@user:?", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
WINDOW = 160  # the n-gram model's window, about a sentence or two: one abusive sentence is not diluted
MAX_TOKENS = 254  # MiniLM reads 256 word pieces, [CLS] and [SEP] included
STRIDE = 192  # windows of a longer text overlap by 62 word pieces, so no sentence is only ever cut in half


def clean(text: str) -> str:
    """HTML entities, mentions, links and retweet markers out. It is also the key the training scripts split and
    deduplicate tweets by: it never changes, so a later change to the disguise rules cannot move a tweet the
    models trained on into a held-out split."""
    return _strip_markup(html.unescape(text))


def normalise(text: str) -> str:
    """The same reading for training tweets and scanned text: `clean`, with disguises undone first."""
    return _strip_markup(normalise_for_detection(html.unescape(text), leet=True)[0])


def _strip_markup(text: str) -> str:
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


def token_windows(text: str, offsets: list[tuple[int, int]]) -> list[str]:
    """The whole text when it fits the encoder, else overlapping windows of MAX_TOKENS word pieces."""
    if len(offsets) <= MAX_TOKENS:
        return [text]
    out = []
    for start in range(0, len(offsets), STRIDE):
        piece = offsets[start : start + MAX_TOKENS]
        begin, end = piece[0][0], piece[-1][1]
        # snap inwards to whole words: a word cut in two reads as two other words (the overlap keeps it whole)
        if start and not text[begin - 1].isspace():
            begin = next((i + 1 for i in range(begin, end) if text[i].isspace()), begin)
        if end < len(text) and not text[end].isspace():
            end = max(text.rfind(" ", begin, end), begin + 1) if " " in text[begin:end] else end
        out.append(text[begin:end])
        if start + MAX_TOKENS >= len(offsets):
            break
    return out


def encoder_pieces(text: str) -> list[str]:
    """What the head embeds for `text` (normalised): scanning and training cut texts the same way."""
    from steward.models.embeddings import Embedder

    text = normalise(text)
    return [p for p in token_windows(text, Embedder.shared().token_offsets(text)) if p.strip()] or [text or " "]


def head_pieces(text: str, worst_window: str) -> list[str]:
    """The encoder's pieces of `text` and, for a text longer than one n-gram window, that model's worst window on
    its own: one insult at the end of a long, polite text is diluted in the whole text's embedding, not in its
    own (one short embedding more, a few milliseconds)."""
    pieces = encoder_pieces(text)
    if len(pieces) == 1 and len(pieces[0]) <= WINDOW:
        return pieces
    return [*pieces, worst_window or " "]


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


def logit(p: np.ndarray | float) -> np.ndarray:
    clipped = np.clip(np.asarray(p, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.asarray(np.log(clipped / (1 - clipped)))


def stack_features(head_logit: np.ndarray, ngram_hate: np.ndarray, ngram_offensive: np.ndarray) -> np.ndarray:
    """The stack's inputs, one row per text: the head's logit and the n-gram model's logits (worst windows)."""
    toxic = np.asarray(ngram_hate) + np.asarray(ngram_offensive)
    return np.column_stack([np.asarray(head_logit, dtype=np.float64), logit(toxic), logit(ngram_hate)])


@dataclass(frozen=True)
class EmbeddingHead:
    """The head's layers, the stack over it and the n-gram model, and the threshold chosen on validation."""

    parts: list[np.ndarray]
    coef: np.ndarray
    intercept: float
    threshold: float
    meta: dict[str, Any]

    def head_logit(self, vectors: np.ndarray) -> float:
        """The worst window's logit (one window for a text that fits the encoder)."""
        return float(head_logits(self.parts, vectors).max())

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated P(toxic) from `stack_features` rows."""
        return np.asarray(1.0 / (1.0 + np.exp(-(features @ self.coef + self.intercept))))


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
    stack = meta["stack"]
    coef = np.asarray(stack["coef"], dtype=np.float64)
    return EmbeddingHead(parts, coef, float(stack["intercept"]), float(meta["threshold"]), meta)


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
# bfloat16 moved P(toxic) by 0.0098 at most on 8,158 texts of the check files (docs/cards/toxicity.md): a
# score within three times that of the threshold is recomputed in float32, so the decision is float32's
EXACT_MARGIN = 0.03


@dataclass
class ToxicityScanner:
    name: str = "toxicity"
    backend: str = "builtin"
    model_path: str | None = None
    toxic_labels: list[str] | None = None
    precision: Precision = "auto"  # of MiniLM's matrix products: bfloat16 where the CPU has AMX tiles (`auto`)
    threshold: float | None = None  # the rule's: scores this close to it are recomputed in float32 (None: default)

    def __post_init__(self) -> None:
        if self.backend == "hub":
            labels = tuple(self.toxic_labels) if self.toxic_labels else None
            self.hub: HubToxicityModel | None = _hub_model(str(self.model_path), labels)
            return
        self.hub = None
        self.head = load_head() if self.backend != "ngram" else None
        if self.head is not None:  # load MiniLM with the scanner (once per process), not on the first request
            from steward.models.embeddings import get_packed_encoder

            self.encoder = get_packed_encoder(self.precision)
            self.encoder.embed(["warm up"])
            self.exact = get_packed_encoder("float32")  # shares the float32 weights: no copy
            self.cut = self.head.threshold if self.threshold is None else self.threshold
        self.model = _model()
        self.hate = self.model.classes.index("hate")
        self.offensive = self.model.classes.index("offensive")

    def probabilities(self, text: str) -> tuple[float, float]:
        """(P(hate), P(offensive)) of the worst window by the n-gram model (the tone scanner's offensive-language
        cue; it needs no embedding)."""
        hate, offensive, _ = self.worst_window(text)
        return hate, offensive

    def worst_window(self, text: str) -> tuple[float, float, str]:
        """(P(hate), P(offensive), window) of the n-gram model's worst window of about WINDOW characters."""
        pieces = [p for p in (normalise(piece) for piece in windows(text)) if p] or [""]
        table = self.model.predict_proba(pieces)
        worst = int((table[:, self.hate] + table[:, self.offensive]).argmax())
        return float(table[worst, self.hate]), float(table[worst, self.offensive]), pieces[worst]

    def scores(self, text: str) -> tuple[float, float, float]:
        """(P(toxic), P(hate), P(offensive)): P(toxic) by the stack of the embedding head and the n-gram model
        (by the n-gram model alone with `backend: ngram`), the other two by the n-gram model's worst window."""
        hate, offensive, window = self.worst_window(text)
        if self.head is None:
            return hate + offensive, hate, offensive
        pieces = head_pieces(text, window)  # embedded in one packed pass (`PackedEncoder`)
        toxic = self._stacked(self.encoder.embed(pieces), hate, offensive)
        if self.encoder.precision != "float32" and abs(toxic - self.cut) < EXACT_MARGIN:
            # near the rule's threshold the decision is float32's: bfloat16 must never flip it
            toxic = self._stacked(self.exact.embed(pieces), hate, offensive)
        return toxic, hate, offensive

    def _stacked(self, vectors: np.ndarray, hate: float, offensive: float) -> float:
        """P(toxic) by the stack, from the MiniLM vectors of the pieces and the n-gram model's worst window."""
        assert self.head is not None
        head_logit = self.head.head_logit(vectors)
        features = stack_features(np.array([head_logit]), np.array([hate]), np.array([offensive]))
        return float(self.head.probabilities(features)[0])

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
        precision=options.get("precision", "auto"),
        threshold=options.get("threshold"),
    )
