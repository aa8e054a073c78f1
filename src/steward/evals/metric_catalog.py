"""The metric catalogue: find metrics by name among everything registered through the `register_metrics` hook.

(Named so that "registry" means only the governance version registry, `steward.governance.versions`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from steward.errors import InvalidRequest
from steward.evals.metric import Metric, build_metric


def available() -> dict[str, type[Metric]]:
    """Every registered metric class, by name (built-ins and installed plugins)."""
    from steward.plugins import collect

    return collect("register_metrics")


@dataclass
class MetricSpec:
    """A metric as a user asks for it: its name, options, an optional new name and a case filter."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    rename: str | None = None  # `as:` in a suite: the score's name (single-output metrics only)
    tags: tuple[str, ...] = ()  # `where: {tags: [...]}`: only cases carrying one of these tags

    def build(self) -> Metric:
        metrics = available()
        metric_cls = metrics.get(self.name)
        if metric_cls is None:
            known = ", ".join(sorted(metrics))
            raise InvalidRequest(f"unknown metric {self.name!r}; available metrics: {known}.")
        metric = build_metric(self.name, metric_cls, self.options)
        if self.rename and len(metric.outputs()) != 1:
            raise InvalidRequest(
                f"metric {self.name!r} gives several scores ({', '.join(metric.outputs())}); "
                "`as:` can only rename a metric with one score."
            )
        return metric

    def outputs(self, metric: Metric) -> tuple[str, ...]:
        return (self.rename,) if self.rename else metric.outputs()


def parse_metric_list(text: str) -> list[MetricSpec]:
    """`bleu,rouge,faithfulness` from the command line."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise InvalidRequest("--metrics is empty; name one or more metrics, e.g. --metrics bleu,rouge.")
    return [MetricSpec(name) for name in names]


def spec_from_mapping(value: Mapping[str, Any]) -> MetricSpec:
    """A metric written as a mapping in a suite: `{name: ..., as: ..., where: {tags: [...]}, <options>}`."""
    data = dict(value)
    name = data.pop("name", None)
    if not isinstance(name, str):
        raise InvalidRequest("a metric written as a mapping needs `name:` (the metric's name).")
    rename = data.pop("as", None)
    where = data.pop("where", None) or {}
    tags = where.get("tags", []) if isinstance(where, Mapping) else []
    if isinstance(tags, str):
        tags = [tags]
    return MetricSpec(name, data, rename, tuple(tags))
