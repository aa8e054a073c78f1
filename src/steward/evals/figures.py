"""Detection figures, one implementation: precision, recall, F1 and false-alarm rate, overall and per label.

`steward guard eval` (binary scanners, PII spans per entity type, multi-label toxicity), the `detector` and
`classification` metrics of `steward eval` and `bench/detectors.py` all report through these functions, so their
figures cannot disagree. The false-alarm rate of a label is the share of items without that label in their gold
set in which it was predicted anyway (for PII: rows without a gold span of the type in which a finding of that
type matched nothing).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

FIGURES = ("precision", "recall", "f1", "fpr", "support")


def figures(
    gold_hit: int, gold_miss: int, found_hit: int, found_miss: int, false_alarms: int, negatives: int
) -> dict[str, Any]:
    """Figures from counts: gold items found / missed, predictions right / wrong, false alarms among negatives."""
    precision = _ratio(found_hit, found_hit + found_miss)
    recall = _ratio(gold_hit, gold_hit + gold_miss)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "fpr": round(_ratio(false_alarms, negatives), 4),
        "support": gold_hit + gold_miss,
        "found": found_hit + found_miss,
    }


def binary_figures(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, Any]:
    """Figures of a yes/no detector over items."""
    tp = sum(p and y for p, y in zip(predicted, gold, strict=True))
    fp = sum(p and not y for p, y in zip(predicted, gold, strict=True))
    fn = sum(y and not p for p, y in zip(predicted, gold, strict=True))
    return figures(tp, fn, tp, fp, fp, sum(not y for y in gold))


def label_figures(
    gold: Sequence[Collection[str]], predicted: Sequence[Collection[str]], labels: Collection[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per label (every label in gold or predicted, or `labels`): figures of "item has it" against "item was
    predicted to have it". Items hold any number of labels (multi-label); a single-label task gives one each."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted label lists differ in length")
    names = sorted(set(labels) if labels is not None else {x for row in (*gold, *predicted) for x in row})
    return {name: binary_figures([name in g for g in gold], [name in p for p in predicted]) for name in names}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0
