"""Toxicity, hate and harassment: the shipped three-class linear classifier (hate / offensive / neither).

Trained on the Davidson et al. tweets by `scripts/train_toxicity.py` (docs/cards/toxicity.md). The scanner
reports one finding whose score is P(hate) + P(offensive) and whose detail gives both, so a policy can act
on "toxic" with one threshold while the record keeps which kind it was. Long texts are scored per window of
about 160 characters (a sentence or two) and the worst window counts: one abusive sentence inside a long,
polite prompt is still abusive, and averaging would hide it.

Users with a stronger checkpoint on disk (`unitary/toxic-bert`, a RoBERTa hate-speech model…) select
`backend: hub` with `model_path:`; it scores the same windows (`steward.guardrails.hub`), and the finding's kind
is "hate" when the strongest positive label names hate or identity attacks, "offensive" otherwise.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from steward.guardrails.base import ScanContext
from steward.guardrails.hub import HubTextClassifier
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
        self.model = _model()
        self.hate = self.model.classes.index("hate")
        self.offensive = self.model.classes.index("offensive")

    def probabilities(self, text: str) -> tuple[float, float]:
        """(P(hate), P(offensive)) of the worst window, by the shipped classifier."""
        pieces = [normalise(piece) for piece in windows(text)]
        table = self.model.predict_proba([p for p in pieces if p] or [""])
        worst = int((table[:, self.hate] + table[:, self.offensive]).argmax())
        return float(table[worst, self.hate]), float(table[worst, self.offensive])

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        if not text.strip():
            return []
        if self.hub is not None:
            return [self._hub_finding(self.hub, text, context)]
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
