"""Does a text support a claim? The evals' handle on the one support check, `steward.rag.support`.

The RAG metrics (faithfulness, context precision and recall) and the test-set generator score support with
`SupportChecker.score_claims`, the very function serving-time grounding calls, and with the same calibrated
threshold unless a metric is given its own, so the faithfulness served and the faithfulness evaluated agree.
By default the cheap features decide (content words, names and numbers the evidence lacks, embedding
similarity, negation); `judge_model` (a GGUF name under `.steward/models`, or a path) adds the local judge
read from the model's log-probabilities. A judge asked for but not found degrades to the cheap features and
the method says so in the metric's detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from steward.rag.support import SupportChecker, local_judge


@dataclass
class SupportScorer:
    """Scores how well evidence supports claims, in [0, 1] (the probability that it does)."""

    threshold: float | None = None  # None: the calibrated threshold of `weights/support.json`
    use_embeddings: bool = True
    judge_model: str | None = None
    _checker: SupportChecker | None = field(default=None, init=False, repr=False)

    @property
    def checker(self) -> SupportChecker:
        if self._checker is None:
            judge = local_judge(self.judge_model) if self.judge_model else None
            missing = f"no GGUF file for {self.judge_model}" if self.judge_model and judge is None else ""
            self._checker = SupportChecker(judge=judge, use_embeddings=self.use_embeddings, judge_missing=missing)
        return self._checker

    @property
    def method(self) -> str:
        return self.checker.method

    @property
    def cutoff(self) -> float:
        return self.checker.threshold if self.threshold is None else self.threshold

    def warm(self, texts: Sequence[str]) -> None:
        """Embed, in one batch, the texts not embedded yet (call with a whole batch's claims and passages)."""
        self.checker.warm(texts)

    def support(self, claims: Sequence[str], passages: Sequence[str], question: str = "") -> np.ndarray:
        """Support of each claim by the passages (0 when there is no evidence at all)."""
        if not claims:
            return np.zeros(0, dtype=np.float32)
        scored = self.checker.score_claims(list(claims), list(passages), question or "")
        return np.asarray([c.score for c in scored], dtype=np.float32)

    def supported(self, claims: Sequence[str], passages: Sequence[str], question: str = "") -> np.ndarray:
        return self.support(claims, passages, question) >= self.cutoff
