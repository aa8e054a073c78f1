"""Answer-matching metrics: SQuAD exact match and token F1, and classification accuracy / precision / recall / F1.

Exact match and F1 follow the SQuAD v1.1 evaluation script: both texts are normalised (lower case, no
punctuation, no articles, single spaces) and a prediction gets the best value over its references.
Classification compares a predicted label with the gold label (`label`, else the first reference) after
trimming and (by default) lower-casing, and uses scikit-learn for the averaged precision, recall and F1; the
figures per label (precision, recall, F1, false-alarm rate, support; in the detail of `classification_f1`) come
from `steward.evals.figures`, as `steward guard eval`'s do.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from steward.evals.metric import Metric, Row, Score
from steward.evals.text import normalize_answer, token_f1


class _BestOverReferences(Metric):
    """A row scores the best `match` of its prediction with any of its references (0 with none)."""

    needs: ClassVar[tuple[str, ...]] = ("prediction", "references")

    @staticmethod
    @abstractmethod
    def match(prediction: str, reference: str) -> float:
        """How well `prediction` answers as `reference` does, 0-1."""

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        per_row: list[float | None] = [
            max((self.match(row.prediction, r) for r in row.references), default=0.0) for row in rows
        ]
        return [Score.from_rows(self.name, per_row)]


@dataclass
class ExactMatch(_BestOverReferences):
    """1 when the normalised prediction equals a normalised reference, else 0."""

    name: ClassVar[str] = "exact_match"
    description: ClassVar[str] = "exact match after SQuAD normalisation, 0-1"

    @staticmethod
    def match(prediction: str, reference: str) -> float:
        return float(normalize_answer(prediction) == normalize_answer(reference))


@dataclass
class TokenF1(_BestOverReferences):
    """SQuAD token-overlap F1, the best over the references."""

    name: ClassVar[str] = "f1"
    description: ClassVar[str] = "token-overlap F1 after SQuAD normalisation, 0-1"

    @staticmethod
    def match(prediction: str, reference: str) -> float:
        return token_f1(prediction, reference)


@dataclass
class Classification(Metric):
    """Accuracy, precision, recall and F1 of predicted labels against gold labels (scikit-learn)."""

    name: ClassVar[str] = "classification"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "label|references")
    description: ClassVar[str] = "accuracy, precision, recall, F1 of predicted labels (scikit-learn)"

    average: Literal["macro", "micro", "weighted", "binary"] = "macro"
    positive_label: str | None = None
    lowercase: bool = True

    def __post_init__(self) -> None:
        if self.average == "binary" and self.positive_label is None:
            raise ValueError("average=binary needs positive_label (the class that counts as positive)")

    def outputs(self) -> tuple[str, ...]:
        return ("accuracy", "precision", "recall", "classification_f1")

    def _clean(self, label: str) -> str:
        label = label.strip()
        return label.lower() if self.lowercase else label

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        from sklearn.metrics import precision_recall_fscore_support

        from steward.evals.figures import label_figures

        predicted = [self._clean(r.prediction) for r in rows]
        gold = [self._clean(r.label if r.label is not None else r.references[0]) for r in rows]
        correct: list[float | None] = [float(p == g) for p, g in zip(predicted, gold, strict=True)]
        accuracy = Score.from_rows("accuracy", correct)
        if not rows:
            return [accuracy]
        positive = self._clean(self.positive_label) if self.positive_label is not None else 1
        precision, recall, f1, _ = precision_recall_fscore_support(
            gold, predicted, average=self.average, pos_label=positive, zero_division=0
        )
        detail = {"average": self.average, "labels": sorted(set(gold) | set(predicted))}
        per_label = label_figures([{g} for g in gold], [{p} for p in predicted])
        out = [accuracy]
        for name, value in (("precision", precision), ("recall", recall), ("classification_f1", f1)):
            # an averaged figure has no per-row form: `per_row` stays empty and comparisons say so
            extra = {"per_label": per_label} if name == "classification_f1" else {}
            out.append(Score(name, float(value), [], mean=float(value), detail={**detail, **extra}))
        return out
