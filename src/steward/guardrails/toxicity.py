"""Toxicity, hate and harassment: the shipped three-class linear classifier (hate / offensive / neither).

Trained on the Davidson et al. tweets by `scripts/train_toxicity.py` (docs/cards/toxicity.md). The scanner
reports one finding whose score is P(hate) + P(offensive) and whose detail gives both, so a policy can act
on "toxic" with one threshold while the record keeps which kind it was. Long texts are scored per window of
about 160 characters (a sentence or two) and the worst window counts: one abusive sentence inside a long,
polite prompt is still abusive, and averaging would hide it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from steward.guardrails.base import ScanContext
from steward.guardrails.linear import LinearTextModel, load_model
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


@dataclass
class ToxicityScanner:
    name: str = "toxicity"

    def __post_init__(self) -> None:
        self.model = _model()
        self.hate = self.model.classes.index("hate")
        self.offensive = self.model.classes.index("offensive")

    def probabilities(self, text: str) -> tuple[float, float]:
        """(P(hate), P(offensive)) of the worst window."""
        pieces = [normalise(piece) for piece in windows(text)]
        table = self.model.predict_proba([p for p in pieces if p] or [""])
        worst = int((table[:, self.hate] + table[:, self.offensive]).argmax())
        return float(table[worst, self.hate]), float(table[worst, self.offensive])

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        if not text.strip():
            return []
        hate, offensive = self.probabilities(text)
        kind = "hate" if hate >= offensive else "offensive"
        return [
            Finding(
                "toxicity",
                kind,
                round(hate + offensive, 4),
                context.stage,
                None,
                None,
                f"hate={hate:.3f} offensive={offensive:.3f}",
            )
        ]

    def reason_code(self, finding: Finding) -> str:
        return "toxicity"


def toxicity_factory(options: dict[str, Any]) -> ToxicityScanner:
    return ToxicityScanner()
