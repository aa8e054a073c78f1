"""Score a batch of rows with a list of metric specs: filters, renames, and the same result for CLI and suites."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from steward.evals.metric import Metric, Row, Score
from steward.evals.metric_catalog import MetricSpec

if TYPE_CHECKING:
    from steward.config import Project, Settings


@dataclass
class Scored:
    """All scores of one batch of rows."""

    scores: list[Score]
    n_rows: int

    def by_name(self) -> dict[str, Score]:
        return {s.name: s for s in self.scores}

    def to_dict(self, per_row: bool = False) -> dict[str, Any]:
        return {"rows": self.n_rows, "scores": [s.to_dict(per_row) for s in self.scores]}


def build(
    specs: Sequence[MetricSpec], project: Project | None = None, settings: Settings | None = None
) -> list[tuple[MetricSpec, Metric]]:
    """Instantiate every metric before any row is scored (unknown names and options fail fast), bound to
    `project` (whose models and judge apps the metrics call) and the process's `settings` when given; a metric
    that calls a model and is left unbound says so when it is used."""
    built = [(spec, spec.build()) for spec in specs]
    if project is not None and settings is not None:
        for _, metric in built:
            metric.bind(project, settings)
    return built


def score(rows: Sequence[Row], metrics: Sequence[tuple[MetricSpec, Metric]]) -> Scored:
    """Run each metric over the rows (or the rows its tag filter selects)."""
    scores: list[Score] = []
    for spec, metric in metrics:
        indices = None
        subset: Sequence[Row] = rows
        if spec.tags:
            indices = [i for i, r in enumerate(rows) if set(spec.tags) & set(r.tags)]
            subset = [rows[i] for i in indices]
        for result in metric.compute(subset):
            if spec.rename:
                result.name = spec.rename
            result.rows = indices
            scores.append(result)
    return Scored(scores, len(rows))


def close(metrics: Sequence[tuple[MetricSpec, Metric]]) -> None:
    for _, metric in metrics:
        metric.close()
