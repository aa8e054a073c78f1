"""What a metric is: a named scorer of a batch of rows that returns one or more `Score`s.

A `Row` is one evaluated item (a model's prediction with its references, the retrieved context, the question,
and what the pipeline measured: latency, cost, status). Metrics score the whole batch at once, so corpus-level
figures (BLEU, chrF) come from the reference library's own corpus call and per-row work is batched (embeddings,
tokenisation). Every `Score` carries the corpus (or mean) value, the mean of the per-row values, the per-row
values themselves (for `--per-row`, reports and paired-bootstrap comparisons) and how many rows it could not
score (a judge's garbage, an answer without claims) — never silently dropped.

Metric options are the dataclass fields of the metric class; `build_metric` rejects unknown options with the
list of known ones.
"""

from __future__ import annotations

import dataclasses
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from steward.errors import InvalidRequest

if TYPE_CHECKING:
    from steward.config import Project, Settings

# Row fields a metric may need, with the JSONL key users write and what it holds.
ROW_FIELDS: dict[str, str] = {
    "prediction": "the model's answer (a string)",
    "references": "reference answers (a list of strings)",
    "context": "retrieved context passages (a list of strings)",
    "question": "the user's question (a string)",
    "context_ids": "ids of the retrieved chunks, in rank order (a list of strings)",
    "reference_ids": "ids of the chunks that hold the answer (a list of strings)",
    "latency_ms": "end-to-end latency in milliseconds (a number)",
    "cost": "cost of the request (a number)",
    "status": "the pipeline's status: served, blocked, declined, failed or escalated",
    "schema": "a JSON schema the prediction must satisfy (an object)",
    "label": "the gold class label (a string)",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One evaluated item."""

    prediction: str
    references: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    question: str | None = None
    context_ids: tuple[str, ...] = ()
    reference_ids: tuple[str, ...] = ()
    latency_ms: float | None = None
    cost: float | None = None
    status: str | None = None
    schema: Mapping[str, Any] | None = None
    label: str | None = None
    id: str | None = None
    tags: tuple[str, ...] = ()

    def has(self, name: str) -> bool:
        """Whether the row carries a value for the field `name` (empty lists count as missing)."""
        value = getattr(self, name)
        return value is not None and value != () and value != ""


@dataclass(slots=True)
class Score:
    """One figure a metric produced over a batch."""

    name: str
    value: float | None  # the headline: corpus-level when `corpus`, else the mean of the scored rows
    per_row: list[float | None]
    mean: float | None = None
    unscored: int = 0  # rows the metric could not score (missing claims, unparseable judge output ...)
    higher_is_better: bool = True
    corpus: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    rows: list[int] | None = None  # indices of the rows `per_row` refers to, when a filter picked a subset

    @classmethod
    def from_rows(cls, name: str, per_row: list[float | None], **kwargs: Any) -> Score:
        """A score whose headline is the mean of the rows that could be scored."""
        mean = mean_of(per_row)
        unscored = sum(1 for v in per_row if v is None)
        return cls(name=name, value=mean, per_row=per_row, mean=mean, unscored=unscored, **kwargs)

    def to_dict(self, per_row: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "mean": self.mean,
            "scored": len(self.per_row) - self.unscored,
            "unscored": self.unscored,
            "higher_is_better": self.higher_is_better,
            "corpus": self.corpus,
        }
        if self.detail:
            out["detail"] = self.detail
        if per_row:
            out["per_row"] = self.per_row
            if self.rows is not None:
                out["rows"] = self.rows
        return out

    def row_values(self, n_rows: int) -> list[float | None]:
        """Per-row values aligned to all `n_rows` rows (None for rows a filter left out)."""
        if self.rows is None:
            return list(self.per_row)
        values: list[float | None] = [None] * n_rows
        for index, value in zip(self.rows, self.per_row, strict=False):
            values[index] = value
        return values


def mean_of(values: Sequence[float | None]) -> float | None:
    scored = [v for v in values if v is not None and not math.isnan(v)]
    return sum(scored) / len(scored) if scored else None


class Metric(ABC):
    """Base of every metric. Subclasses are dataclasses whose fields are the metric's options."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ("prediction",)
    description: ClassVar[str] = ""

    @abstractmethod
    def compute(self, rows: Sequence[Row]) -> list[Score]:
        """Score all rows at once; one `Score` per figure (ROUGE gives rouge1, rouge2, rougeL, rougeLsum)."""

    def outputs(self) -> tuple[str, ...]:
        """Names of the scores `compute` returns (for gates that must be checked before a run starts)."""
        return (self.name,)

    def close(self) -> None:  # noqa: B027 - most metrics hold nothing to release
        """Release a loaded model, if any."""

    def bind(self, project: Project, settings: Settings) -> None:  # noqa: B027 - most metrics call no model
        """Tell a metric which steward.yaml its models and judge apps come from (the CLI's --config, a suite's
        `project:`) and the process's settings (where models are); a metric that calls a model must be bound."""


def options_of(metric_cls: type[Metric]) -> list[str]:
    if not dataclasses.is_dataclass(metric_cls):
        return []
    return [f.name for f in dataclasses.fields(metric_cls) if f.init]


def build_metric(name: str, metric_cls: type[Metric], options: Mapping[str, Any]) -> Metric:
    """Instantiate a metric with its options; unknown or badly typed options get a message naming them."""
    known = options_of(metric_cls)
    unknown = sorted(set(options) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise InvalidRequest(
            f"metric {name!r} has no option {', '.join(map(repr, unknown))}; its options: {allowed}."
        )
    try:
        return metric_cls(**options)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"metric {name!r}: bad option ({exc}).") from None
