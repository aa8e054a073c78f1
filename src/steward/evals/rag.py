"""RAG metrics: faithfulness, answer relevance, context precision and context recall — offline by default.

The definitions follow RAGAS; the deciding step does not need an LLM. Faithfulness is the share of the
answer's claims that the retrieved context supports, cut by `steward.language.split_claims`: the sentences
the serving grounding check scores, so a served and an evaluated faithfulness score the same claims (an answer
with no sentence that makes a claim, "Paris.", is not scored, as the gateway does not check it). Answer relevance
is how close the answer is to the question (embedding cosine), with non-committal answers ("I don't know")
scoring 0, as RAGAS scores them. Context precision is the average precision of the ranked context: chunk k
is relevant when it supports a claim of the reference answer (or, when the rows carry chunk ids, when its id
is a reference chunk id — what generated test sets give). Context recall is the share of the reference
answer's claims the context supports (or of reference chunk ids retrieved).

Support is decided by `SupportScorer`, the one support check that serving-time grounding also uses
(`steward.rag.support`: cheap features, plus a local judge read from log-probabilities with `support_judge`),
at the same calibrated threshold unless `threshold` is given, unless a `judge` (an app or model asked in
words) is given; a judge's unreadable answers make those items unscored, counted in the score's detail. A row whose
answer has no claims (an abstention) is unscored for faithfulness rather than counted as faithful or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from steward.evals.judge import RELEVANCE_PROMPT, SUPPORT_PROMPT, Judge, make_judge, parse_rating, parse_verdict
from steward.evals.metric import Metric, Row, Score
from steward.evals.refusal import is_abstention
from steward.evals.support import SupportScorer
from steward.language import split_claims

if TYPE_CHECKING:
    from steward.config import Project, Settings

_MAX_CONTEXT_CHARS = 6000  # what a judge prompt carries of the context


@dataclass
class _RagMetric(Metric):
    threshold: float | None = None  # None: the support check's calibrated threshold (serving uses the same)
    use_embeddings: bool = True
    support_judge: str | None = None  # a local GGUF (name under .steward/models, or a path) judging from logits
    judge: Any = None  # None, "app:NAME", or a Judge object
    _judge: Judge | None = field(default=None, init=False, repr=False)
    _unparsed: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._judge = make_judge(self.judge)  # checks the option now; nothing is loaded until the first question

    def bind(self, project: Project, settings: Settings) -> None:
        if isinstance(self.judge, str):
            self._judge = make_judge(self.judge, project, settings)

    def close(self) -> None:
        closer = getattr(self._judge, "close", None)
        if callable(closer):
            closer()

    def scorer(self) -> SupportScorer:
        return SupportScorer(self.threshold, self.use_embeddings, self.support_judge)

    def _judge_supports(self, claims: Sequence[str], passages: Sequence[str]) -> list[bool | None]:
        assert self._judge is not None
        context = "\n\n".join(passages)[:_MAX_CONTEXT_CHARS]
        verdicts = [
            parse_verdict(self._judge.ask(SUPPORT_PROMPT.format(context=context, claim=c))) for c in claims
        ]
        self._unparsed += sum(v is None for v in verdicts)
        return verdicts

    def _supported(
        self, scorer: SupportScorer, claims: Sequence[str], passages: Sequence[str], question: str = ""
    ) -> list[bool | None]:
        if self._judge is not None:
            return self._judge_supports(claims, passages)
        return [bool(v) for v in scorer.supported(claims, passages, question)]

    def _warm(
        self, scorer: SupportScorer, claims: Sequence[Sequence[str]], passages: Sequence[Sequence[str]]
    ) -> None:
        """Embed every claim and evidence window of the batch in one call."""
        if self._judge is None and self.use_embeddings:
            texts = [c for group in claims for c in group]
            texts += [p for group in passages for p in group]
            scorer.warm(texts)

    def _start(self, rows: Sequence[Row], claims: Sequence[Sequence[str]]) -> SupportScorer:
        """The batch's scorer, warmed on its claims and contexts; the count of unreadable judge answers reset."""
        self._unparsed = 0
        scorer = self.scorer()
        self._warm(scorer, claims, [row.context for row in rows])
        return scorer

    def _detail(self, scorer: SupportScorer | None = None, **extra: Any) -> dict[str, Any]:
        method = "judge" if self._judge is not None else scorer.method if scorer is not None else "embedding"
        detail: dict[str, Any] = {"method": method}
        if scorer is not None and self._judge is None:
            detail["threshold"] = round(scorer.cutoff, 4)
        if self._judge is not None:
            detail["judge_unparsed_items"] = self._unparsed
        detail.update(extra)
        return detail


def _fraction(verdicts: Sequence[bool | None]) -> float | None:
    scored = [v for v in verdicts if v is not None]
    return sum(scored) / len(scored) if scored else None


@dataclass
class Faithfulness(_RagMetric):
    """Share of the answer's claims supported by the retrieved context."""

    name: ClassVar[str] = "faithfulness"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "context")
    description: ClassVar[str] = "share of the answer's claims supported by the context, 0-1"

    soft: bool = False  # per row, the mean support instead of the share of supported claims

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        claims = [[] if is_abstention(r.prediction) else split_claims(r.prediction) for r in rows]
        scorer = self._start(rows, claims)
        per_row: list[float | None] = []
        for row, row_claims in zip(rows, claims, strict=True):
            if not row_claims:
                per_row.append(None)
            elif self.soft and self._judge is None:
                per_row.append(float(np.mean(scorer.support(row_claims, row.context, row.question or ""))))
            else:
                per_row.append(_fraction(self._supported(scorer, row_claims, row.context, row.question or "")))
        no_claims = sum(1 for c in claims if not c)
        detail = self._detail(scorer, rows_without_claims=no_claims, claims=sum(len(c) for c in claims))
        return [Score.from_rows(self.name, per_row, detail=detail)]


@dataclass
class AnswerRelevance(_RagMetric):
    """How well the answer addresses the question; non-committal answers score 0."""

    name: ClassVar[str] = "answer_relevance"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "question")
    description: ClassVar[str] = "closeness of the answer to the question (embedding cosine), 0-1"

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        self._unparsed = 0
        per_row: list[float | None] = []
        if self._judge is not None:
            for row in rows:
                reply = self._judge.ask(RELEVANCE_PROMPT.format(question=row.question, answer=row.prediction))
                rating = parse_rating(reply)
                self._unparsed += rating is None
                per_row.append(rating)
            return [Score.from_rows(self.name, per_row, detail=self._detail())]
        from steward.models.embeddings import embed_unique

        vectors = embed_unique([t for r in rows for t in (r.question or "", r.prediction)])
        for row in rows:
            if is_abstention(row.prediction) or not row.prediction.strip():
                per_row.append(0.0)
            else:
                cosine = float(vectors[row.question or ""] @ vectors[row.prediction])
                per_row.append(max(0.0, cosine))
        return [Score.from_rows(self.name, per_row, detail=self._detail())]


def average_precision(relevant: Sequence[bool]) -> float:
    """RAGAS context precision: mean of precision@k over the ranks k that hold a relevant chunk."""
    hits, total = 0, 0.0
    for k, is_relevant in enumerate(relevant, start=1):
        if is_relevant:
            hits += 1
            total += hits / k
    return total / hits if hits else 0.0


def _uses_ids(row: Row) -> bool:
    return bool(row.context_ids) and bool(row.reference_ids)


def _reference_claims(row: Row) -> list[str]:
    """The claims of a row's reference answers (a reference with no sentence that makes a claim, whole)."""
    return [c for r in row.references for c in split_claims(r) or [r]]


@dataclass
class ContextPrecision(_RagMetric):
    """Are the relevant chunks ranked first? Average precision of the retrieved context."""

    name: ClassVar[str] = "context_precision"
    needs: ClassVar[tuple[str, ...]] = ("context|context_ids", "references|reference_ids")
    description: ClassVar[str] = "average precision of the ranked retrieved chunks, 0-1"

    def _relevant(self, scorer: SupportScorer, row: Row) -> list[bool | None]:
        if _uses_ids(row):
            return [cid in row.reference_ids for cid in row.context_ids]
        reference_claims = _reference_claims(row) or list(row.references)
        relevant: list[bool | None] = []
        for chunk in row.context:
            verdicts = self._supported(scorer, reference_claims, [chunk])
            scored = [v for v in verdicts if v is not None]
            relevant.append(any(scored) if scored else None)
        return relevant

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        claims = [_reference_claims(row) for row in rows]
        scorer = self._start(rows, claims)
        per_row: list[float | None] = []
        for row in rows:
            relevant = [v for v in self._relevant(scorer, row) if v is not None]
            per_row.append(average_precision(relevant) if relevant else None)
        by_ids = sum(_uses_ids(r) for r in rows)
        return [Score.from_rows(self.name, per_row, detail=self._detail(scorer, rows_scored_by_chunk_ids=by_ids))]


@dataclass
class ContextRecall(_RagMetric):
    """Did retrieval find what the answer needs? Share of reference claims (or chunk ids) in the context."""

    name: ClassVar[str] = "context_recall"
    needs: ClassVar[tuple[str, ...]] = ("context|context_ids", "references|reference_ids")
    description: ClassVar[str] = "share of the reference answer supported by the retrieved context, 0-1"

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        claims = [_reference_claims(row) for row in rows]
        scorer = self._start(rows, claims)
        per_row: list[float | None] = []
        for row, row_claims in zip(rows, claims, strict=True):
            if _uses_ids(row):
                found = set(row.context_ids) & set(row.reference_ids)
                per_row.append(len(found) / len(set(row.reference_ids)))
            elif row_claims:
                per_row.append(_fraction(self._supported(scorer, row_claims, row.context)))
            else:
                per_row.append(None)
        by_ids = sum(_uses_ids(r) for r in rows)
        return [Score.from_rows(self.name, per_row, detail=self._detail(scorer, rows_scored_by_chunk_ids=by_ids))]
