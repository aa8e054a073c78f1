"""A guardrail detector as an eval metric: a scanner run on each row's text, scored against the row's gold label.

`-m detector -o detector.scanner=toxicity` scans each row's `prediction` (an answer, or any text a labelled file
holds) with the scanner as `steward guard eval` builds it (policy defaults, texts normalised as the policy engine
reads them) and compares what it found with `label`. A label is binary ("1"/"0", "true"/"false", "yes"/"no")
or names the labels the text has, comma-separated ("hate", "hate,offensive"; "none" or "" for none); named
labels are compared with the kinds of the findings that reach the threshold (toxicity: hate, offensive). The
figures, `<scanner>_precision|recall|f1|fpr`, and per label in the detail of `<scanner>_f1`, come from
`steward.evals.figures`, the functions `steward guard eval` reports with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from steward.evals.metric import Metric, Row, Score

_YES = {"1", "true", "yes", "positive"}
_NO = {"0", "false", "no", "negative", "none", ""}


def gold_labels(label: str, positive: str) -> set[str]:
    """The gold label set of a row: binary labels as {positive} or {}, named ones as given."""
    clean = label.strip().lower()
    if clean in _YES:
        return {positive}
    if clean in _NO:
        return set()
    return {part.strip() for part in label.split(",") if part.strip()}


@dataclass
class Detector(Metric):
    """A guardrail scanner on each row's text against its gold label: precision, recall, F1, false alarms."""

    name: ClassVar[str] = "detector"
    needs: ClassVar[tuple[str, ...]] = ("prediction", "label")
    description: ClassVar[str] = (
        "a guardrail scanner (option scanner) on the text against its label: precision, recall, F1, FPR, per label"
    )

    scanner: str = "toxicity"
    threshold: float | None = None
    _built: Any = field(default=None, init=False, repr=False)

    def outputs(self) -> tuple[str, ...]:
        return tuple(f"{self.scanner}_{figure}" for figure in ("precision", "recall", "f1", "fpr"))

    def _scanner(self) -> tuple[Any, float]:
        from steward.evals.scanners import make_scanner

        if self._built is None:
            self._built = make_scanner(self.scanner)
        scanner, default = self._built
        return scanner, default if self.threshold is None else self.threshold

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        from steward.evals.figures import binary_figures, label_figures
        from steward.evals.scanners import scan_normalised
        from steward.guardrails.base import ScanContext

        scanner, cut = self._scanner()
        context = ScanContext(stage="output")
        gold = [gold_labels(row.label or "", self.scanner) for row in rows]
        named = any(g - {self.scanner} for g in gold)  # labels beyond yes/no: compare with finding kinds
        kinds = [{f.kind for f in scan_normalised(scanner, r.prediction, context) if f.score >= cut} for r in rows]
        predicted = kinds if named else [{self.scanner} if k else set() for k in kinds]
        overall = binary_figures([bool(g) for g in gold], [bool(p) for p in predicted])
        detail = {"scanner": self.scanner, "threshold": cut, "positives": sum(bool(g) for g in gold)}
        out = []
        for figure in ("precision", "recall", "f1", "fpr"):
            extra = {"per_label": label_figures(gold, predicted)} if figure == "f1" else {}
            out.append(
                Score(
                    f"{self.scanner}_{figure}",
                    float(overall[figure]),
                    [],  # a figure over the batch has no per-row form (as `classification`)
                    mean=float(overall[figure]),
                    higher_is_better=figure != "fpr",
                    detail={**detail, **extra},
                )
            )
        return out
