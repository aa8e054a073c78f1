"""Topic (allowed and denied, by description) and professional tone.

Topic: the text and each description are embedded with all-MiniLM-L6-v2 (`steward.models.embeddings`, the
same offline model RAG uses) and compared by cosine similarity. Descriptions are embedded once, when the
scanner is built; a scan embeds one text (a few ms on CPU). Short texts ("thanks!") are never off topic.

Tone: a professional-tone rule for answers. Cues, each with a score, the highest wins: shouting (a third of
the words in capitals), piles of exclamation marks, chat slang, condescension or insults, and the toxicity
classifier's "offensive" probability. Cheap, explainable (the detail lists the cues), and meant for `warn`
or `escalate` rather than silent blocking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steward.guardrails.base import ScanContext
from steward.types import Finding


def _embed(texts: list[str]) -> np.ndarray:
    from steward.models.embeddings import get_embedder

    return np.asarray(get_embedder().embed(texts), dtype=np.float32)


@dataclass
class TopicScanner:
    name: str = "topic"
    allowed: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    include_purpose: bool = False
    min_similarity: float = 0.15
    min_chars: int = 24

    def __post_init__(self) -> None:
        self._denied = _embed(self.denied) if self.denied else None
        self._allowed = _embed(self.allowed) if self.allowed else None
        self._purpose: dict[str, np.ndarray] = {}

    def _allowed_vectors(self, purpose: str) -> np.ndarray | None:
        if not (self.include_purpose and purpose):
            return self._allowed
        if purpose not in self._purpose:
            vector = _embed([purpose])
            self._purpose[purpose] = vector if self._allowed is None else np.vstack([self._allowed, vector])
        return self._purpose[purpose]

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        if len(text.strip()) < self.min_chars:
            return []
        vector = _embed([text])[0]
        findings: list[Finding] = []
        if self._denied is not None:
            similarities = self._denied @ vector
            for index in np.flatnonzero(similarities >= 0.2):
                findings.append(
                    Finding(
                        "topic",
                        "denied_topic",
                        round(float(similarities[index]), 4),
                        context.stage,
                        detail=f"denied: {self.denied[index]}",
                    )
                )
        allowed = self._allowed_vectors(context.purpose)
        if allowed is not None:
            best = float((allowed @ vector).max())
            if best < self.min_similarity:
                findings.append(
                    Finding(
                        "topic",
                        "off_topic",
                        1.0,
                        context.stage,
                        detail=f"best similarity to an allowed topic {best:.3f}",
                    )
                )
        return findings

    def reason_code(self, finding: Finding) -> str:
        return finding.kind


def topic_factory(options: dict[str, Any]) -> TopicScanner:
    return TopicScanner(
        allowed=list(options.get("allowed") or []),
        denied=list(options.get("denied") or []),
        include_purpose=bool(options.get("include_purpose", False)),
        min_similarity=float(options.get("min_similarity", 0.15)),
        min_chars=int(options.get("min_chars", 24)),
    )


_SLANG = re.compile(
    r"\b(lol|lmao|rofl|omg|wtf|dude|bro|gonna|wanna|gotta|ain'?t|ya|yep|nope|meh|duh|whatevs?|"
    r"u r|ur|pls|plz|k thx)\b",
    re.IGNORECASE,
)
_CONDESCENDING = re.compile(
    r"\b(stupid|idiot\w*|dumb|moron\w*|obviously you|as i already (said|told you)|"
    r"calm down|read the (manual|docs)|not my problem|whatever|shut up|you people|"
    r"are you serious|figure it out yourself)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def tone_cues(text: str) -> dict[str, float]:
    """Each unprofessional cue found, with its score."""
    cues: dict[str, float] = {}
    words = _WORD.findall(text)
    capitals = [w for w in words if w.isupper()]
    if len(capitals) >= 3 and len(capitals) >= len(words) / 3:
        cues["shouting"] = 0.8
    if re.search(r"!{2,}", text) or text.count("!") >= 4:
        cues["exclamations"] = 0.6
    if _SLANG.search(text):
        cues["slang"] = 0.6
    if _CONDESCENDING.search(text):
        cues["condescension"] = 0.85
    return cues


@dataclass
class ToneScanner:
    name: str = "tone"

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        from steward.guardrails.toxicity import ToxicityScanner

        cues = tone_cues(text)
        # the n-gram model only: building the default scanner would warm MiniLM up on every call (~8 ms)
        _, offensive = ToxicityScanner(backend="ngram").probabilities(text) if text.strip() else (0.0, 0.0)
        if offensive >= 0.5:
            cues["offensive_language"] = round(offensive, 4)
        if not cues:
            return []
        return [
            Finding(
                "tone", "unprofessional_tone", max(cues.values()), context.stage, detail=", ".join(sorted(cues))
            )
        ]

    def reason_code(self, finding: Finding) -> str:
        return "unprofessional_tone"


def tone_factory(options: dict[str, Any]) -> ToneScanner:
    return ToneScanner()
