"""A/B comparison of two runs: per-metric deltas with paired-bootstrap 95% intervals and a verdict.

Cases are paired by case id (the same dataset row answered by variant A and variant B); a metric is compared on
the cases where both runs have a value. The delta is mean(B) - mean(A) over those pairs and its confidence
interval comes from `scipy.stats.bootstrap` with `paired=True` (resampling cases, keeping each pair together —
Koehn's paired bootstrap), percentile method, a fixed seed so a comparison is reproducible. The verdict
reads the interval with the metric's direction: an interval entirely on the good side is "better", entirely
on the bad side "worse", otherwise "no significant difference". Corpus metrics (BLEU, chrF) are compared on
their per-row (sentence) values, and their corpus figures are shown beside; figures without a per-row form
(macro precision) get a delta but no interval ("not testable").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from steward.errors import InvalidRequest
from steward.store import StoredRun

Verdict = Literal["better", "worse", "no significant difference", "not testable"]


@dataclass
class MetricDelta:
    """How one metric moved from run A to run B."""

    name: str
    a: float | None  # the runs' headline values (corpus-level where the metric has one)
    b: float | None
    delta: float | None  # mean(B) - mean(A) over paired cases
    low: float | None
    high: float | None
    pairs: int
    higher_is_better: bool
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_interval(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(mean difference B-A, low, high) by paired bootstrap over the pairs."""
    from scipy.stats import bootstrap

    left = np.asarray(a, dtype=float)
    right = np.asarray(b, dtype=float)
    delta = float(np.mean(right - left))
    if len(left) < 2 or np.allclose(right - left, delta):
        return delta, delta, delta  # no spread to resample: the difference is what it is

    def mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(y - x, axis=axis)

    result = bootstrap(
        (left, right),
        mean_difference,
        paired=True,
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return delta, float(result.confidence_interval.low), float(result.confidence_interval.high)


def verdict_of(low: float | None, high: float | None, higher_is_better: bool, epsilon: float = 1e-12) -> Verdict:
    if low is None or high is None:
        return "not testable"
    if low > epsilon:
        return "better" if higher_is_better else "worse"
    if high < -epsilon:
        return "worse" if higher_is_better else "better"
    return "no significant difference"


def _headline(run: StoredRun) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in run.summary}


def compare_runs(run_a: StoredRun, run_b: StoredRun, confidence: float = 0.95, seed: int = 0) -> list[MetricDelta]:
    """Per-metric deltas of B against A (metrics both runs have), paired by case id."""
    head_a, head_b = _headline(run_a), _headline(run_b)
    names = [n for n in head_a if n in head_b]
    if not names:
        raise InvalidRequest(
            f"runs {run_a.id} and {run_b.id} have no metric in common; compare runs of one suite."
        )
    cases_b = {c.case_id: c for c in run_b.cases}
    pairs = [(c, cases_b[c.case_id]) for c in run_a.cases if c.case_id in cases_b]
    if not pairs:
        raise InvalidRequest(
            f"runs {run_a.id} and {run_b.id} share no case ids; compare runs over the same dataset."
        )
    out = []
    for name in names:
        higher = bool(head_a[name].get("higher_is_better", True))
        values = [(ca.scores.get(name), cb.scores.get(name)) for ca, cb in pairs]
        paired = [(x, y) for x, y in values if x is not None and y is not None]
        delta = low = high = None
        if paired:
            xs, ys = zip(*paired, strict=True)
            delta, low, high = paired_interval(xs, ys, confidence, seed=seed)
        elif head_a[name].get("value") is not None and head_b[name].get("value") is not None:
            delta = float(head_b[name]["value"]) - float(head_a[name]["value"])
        out.append(
            MetricDelta(
                name=name,
                a=head_a[name].get("value"),
                b=head_b[name].get("value"),
                delta=delta,
                low=low,
                high=high,
                pairs=len(paired),
                higher_is_better=higher,
                verdict=verdict_of(low, high, higher),
            )
        )
    return out


def overall(deltas: Sequence[MetricDelta]) -> str:
    """One line: which metrics got better or worse."""
    better = [d.name for d in deltas if d.verdict == "better"]
    worse = [d.name for d in deltas if d.verdict == "worse"]
    if worse:
        return f"B is worse on {', '.join(worse)}" + (f" and better on {', '.join(better)}" if better else "")
    if better:
        return f"B is better on {', '.join(better)}; no metric got significantly worse"
    return "no significant difference on any metric"
