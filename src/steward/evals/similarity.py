"""Embedding similarity: how close a prediction is in meaning to its closest reference (all-MiniLM-L6-v2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from steward.evals.metric import Metric, Row, Score
from steward.models.embeddings import embed_unique


@dataclass
class EmbeddingSimilarity(Metric):
    """Cosine similarity of the prediction to its closest reference; every distinct text embedded once."""

    name: ClassVar[str] = "embedding_similarity"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "references")
    description: ClassVar[str] = "cosine similarity to the closest reference (all-MiniLM-L6-v2), -1..1"

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        vectors = embed_unique([t for r in rows for t in (r.prediction, *r.references)])
        per_row: list[float | None] = [
            max(float(vectors[r.prediction] @ vectors[ref]) for ref in r.references) for r in rows
        ]
        return [Score.from_rows(self.name, per_row)]
