"""Drift: has an app's traffic, or the way Steward handles it, changed between two windows?

`detect_drift(reference, current)` plans the tests both windows can support, gives each a share of the
family-wise error rate (weighted Bonferroni, `alpha_shares`: the shares sum to `alpha`, so a window without drift
is called drifted at most alpha of the time whatever the number of scanners; DEFAULT_ALPHA 0.005), runs them
(`steward.monitor.drift_tests`, `steward.monitor.drift_family`) and returns one `DriftReport`:

- input and output embeddings (all-MiniLM-L6-v2, computed off the request path by `steward.monitor.embedding`):
  a domain classifier's ROC AUC (cross-fitted ridge), and MMD (a shift of the whole traffic) together with the
  current requests in neighbourhoods of current requests at six scales (a new topic in part of it: the neighbours
  are found on the embedding beside the texts' TF-IDF, as a new subject in the same format differs more in its
  words than in its sentence embeddings);
- input and output length, and the input's language mix: PSI;
- each scanner's verdict rate (share of scanned texts it flagged) and the grounding decline rate: two-proportion
  z-tests;
- sampled quality scores (faithfulness or judge scores from the evals): Mann-Whitney U.

Where a side's records have a text per embedding, its embedding signals, length and language are one permutation
family (session 13, `drift_family.side_family`): one max-type test whose members are decided by single-step
max-T, weighing in the Bonferroni split what its members weighed as separate tests (MMD-and-neighbours six, the
others one each). Without embeddings, or without a text per embedding, length and language are PSI tests alone.

A window too small for every test is refused with what to do; a signal one window cannot support (no outputs, a
scanner that only ran in one window) is listed under `skipped` with the reason, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steward.errors import InvalidRequest
from steward.monitor import drift_family, drift_tests
from steward.monitor.drift_tests import Signal

DEFAULT_ALPHA = 0.005  # family-wise: every test is exact, so about this share of undrifted windows is called
# drifted; half the goal of 1 % so that a count over a few hundred windows stays under it (session 14)
MIN_RECORDS = 30  # per window, for any test; the embedding tests' AUC and MMD are meaningless below it
MIN_SCANNED = 30  # texts a scanner must have read in each window for its rate to be compared
EMBEDDING_WEIGHT = 6.0  # the MMD-and-neighbours tests' weight in the family's alpha, against 1 for each other
LANGUAGE_SAMPLE = 500  # texts per window whose language is identified (~0.8 ms each); enough for a mix's PSI


@dataclass
class WindowSample:
    """What drift compares of one window: its texts, their embeddings and the verdicts of its records."""

    label: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    input_embeddings: np.ndarray | None = None
    output_embeddings: np.ndarray | None = None
    verdicts: dict[str, tuple[int, int]] = field(default_factory=dict)  # scanner -> (flagged, scanned)
    declines: tuple[int, int] = (0, 0)  # (declined, grounded requests)
    quality: list[float] = field(default_factory=list)
    records: int = 0


@dataclass(frozen=True)
class DriftReport:
    app: str
    reference: str
    current: str
    alpha: float
    signals: list[Signal]
    skipped: dict[str, str]

    @property
    def drifted(self) -> bool:
        return bool(any(signal.drifted for signal in self.signals))

    def as_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "reference": self.reference,
            "current": self.current,
            "drifted": self.drifted,
            "alpha": self.alpha,
            "signals": [signal.as_dict() for signal in self.signals],
            "skipped": self.skipped,
        }


Test = Callable[[float], "Signal | list[Signal]"]


def detect_drift(
    app: str, reference: WindowSample, current: WindowSample, *, alpha: float = DEFAULT_ALPHA, seed: int = 0
) -> DriftReport:
    """Every signal both windows support, each test at its weighted share of alpha (see `alpha_shares`)."""
    if not 0 < alpha < 1:
        raise InvalidRequest(f"alpha must lie between 0 and 1, not {alpha}; {DEFAULT_ALPHA} is the default.")
    for window, which in ((reference, "reference"), (current, "current")):
        if window.records < MIN_RECORDS:
            raise InvalidRequest(
                f"drift needs at least {MIN_RECORDS} records of app {app!r} in each window; the {which} window "
                f"{window.label} holds {window.records}: widen the window or wait for more traffic."
            )
    planned, skipped = plan_signals(reference, current, seed)
    shares = alpha_shares(list(planned), alpha)
    signals: list[Signal] = []
    for name, test in planned.items():
        found = test(shares[name])
        signals += found if isinstance(found, list) else [found]
    return DriftReport(app, reference.label, current.label, alpha, signals, skipped)


def family_weight(name: str) -> float:
    """A test's weight in `alpha_shares`: a side's permutation family (`input.embedding`) weighs what its members
    weighed as separate tests until session 12 (EMBEDDING_WEIGHT for MMD-and-neighbours, 1 for the classifier,
    the length and, for inputs, the language), the MMD-and-neighbours test alone EMBEDDING_WEIGHT, others 1."""
    if name == "input.embedding":
        return EMBEDDING_WEIGHT + 3.0
    if name == "output.embedding":
        return EMBEDDING_WEIGHT + 2.0
    return EMBEDDING_WEIGHT if name.endswith(".mmd_neighbours") else 1.0


def alpha_shares(names: list[str], alpha: float) -> dict[str, float]:
    """Each test's alpha: weighted Bonferroni, so the shares sum to alpha and a window without drift is still
    called drifted at most alpha of the time, whatever the tests' correlation (`family_weight`). Inside a side's
    permutation family (`drift_family`) there is no split: its members share one max-T test."""
    weights = {name: family_weight(name) for name in names}
    total = sum(weights.values())
    return {name: alpha * weight / total for name, weight in weights.items()}


def plan_signals(
    reference: WindowSample, current: WindowSample, seed: int
) -> tuple[dict[str, Test], dict[str, str]]:
    """The tests both windows can support (by name), and why each other signal is skipped. Where a side has
    embeddings, one text per embedded row, its embedding tests, length and (inputs) language are one permutation
    family, `{side}.embedding` (`drift_family.side_family`); without texts in step with the embeddings the family
    holds the embedding tests, and length and language are PSI tests of their own."""
    planned: dict[str, Test] = {}
    skipped: dict[str, str] = {}
    for side in ("input", "output"):
        ref_vectors = getattr(reference, f"{side}_embeddings")
        cur_vectors = getattr(current, f"{side}_embeddings")
        ref_texts, cur_texts = getattr(reference, f"{side}s"), getattr(current, f"{side}s")
        folded: list[str] = []
        if ref_vectors is not None and cur_vectors is not None and _enough(ref_vectors) and _enough(cur_vectors):
            if len(ref_texts) == len(ref_vectors) and len(cur_texts) == len(cur_vectors):
                folded = [f"{side}.length", "input.language"] if side == "input" else [f"{side}.length"]
            texts = (ref_texts, cur_texts)
            planned[f"{side}.embedding"] = _family(side, ref_vectors, cur_vectors, texts, folded, seed)
        elif ref_vectors is None and cur_vectors is None:
            skipped[f"{side}.embedding"] = "embeddings were not asked for (--no-embeddings) or there are none"
        else:
            skipped[f"{side}.embedding"] = f"needs {MIN_RECORDS} embedded {side}s in each window"
        enough_texts = len(ref_texts) >= MIN_RECORDS and len(cur_texts) >= MIN_RECORDS
        if f"{side}.length" in folded:
            pass
        elif enough_texts:
            planned[f"{side}.length"] = _psi(f"{side}.length", _lengths(ref_texts), _lengths(cur_texts), True)
        else:
            skipped[f"{side}.length"] = f"needs {MIN_RECORDS} {side} texts in each window"
        if side == "input" and "input.language" not in folded and enough_texts:
            ref_sample = _at_most(ref_texts, LANGUAGE_SAMPLE, seed)
            cur_sample = _at_most(cur_texts, LANGUAGE_SAMPLE, seed + 1)
            planned["input.language"] = _psi("input.language", languages(ref_sample), languages(cur_sample), False)
    _plan_rates(reference, current, planned, skipped)
    if len(reference.quality) >= MIN_RECORDS and len(current.quality) >= MIN_RECORDS:
        ref_scores, cur_scores = reference.quality, current.quality
        planned["quality"] = lambda a: drift_tests.scores("quality", ref_scores, cur_scores, alpha=a)
    else:
        skipped["quality"] = f"needs {MIN_RECORDS} sampled quality scores in each window"
    return planned, skipped


def _plan_rates(
    reference: WindowSample, current: WindowSample, planned: dict[str, Test], skipped: dict[str, str]
) -> None:
    for scanner in sorted({*reference.verdicts, *current.verdicts}):
        ref, cur = reference.verdicts.get(scanner, (0, 0)), current.verdicts.get(scanner, (0, 0))
        name = f"verdicts.{scanner}"
        if ref[1] >= MIN_SCANNED and cur[1] >= MIN_SCANNED:
            planned[name] = _rate(name, ref, cur)
        else:
            skipped[name] = (
                f"texts the scanner read: {ref[1]} in the reference window, {cur[1]} in the current; its rate is "
                f"compared from {MIN_SCANNED} in each"
            )
    if reference.declines[1] >= MIN_SCANNED and current.declines[1] >= MIN_SCANNED:
        planned["declines"] = _rate("declines", reference.declines, current.declines)
    else:
        skipped["declines"] = f"needs {MIN_SCANNED} grounded requests in each window"


def _family(
    side: str, ref: np.ndarray, cur: np.ndarray, texts: tuple[list[str], list[str]], folded: list[str], seed: int
) -> Test:
    features = [
        drift_family.Feature(name, _lengths, True)
        if name.endswith(".length")
        else drift_family.Feature(name, languages, False, 2 * LANGUAGE_SAMPLE)
        for name in folded
    ]
    return lambda alpha: drift_family.side_family(
        side, ref, cur, alpha=alpha, seed=seed, texts=texts, features=features
    )


def _psi(name: str, ref: list[Any], cur: list[Any], numeric: bool) -> Test:
    return lambda alpha: drift_tests.psi(name, ref, cur, alpha=alpha, numeric=numeric)


def _rate(name: str, ref: tuple[int, int], cur: tuple[int, int]) -> Test:
    return lambda alpha: drift_tests.two_proportions(name, ref, cur, alpha=alpha)


def _enough(vectors: np.ndarray | None) -> bool:
    return vectors is not None and len(vectors) >= MIN_RECORDS


def _at_most(texts: list[str], limit: int, seed: int) -> list[str]:
    if len(texts) <= limit:
        return texts
    rng = np.random.default_rng(seed)
    return [texts[i] for i in rng.choice(len(texts), size=limit, replace=False)]


def _lengths(texts: list[str]) -> list[float]:
    return [float(np.log1p(len(text))) for text in texts]


def languages(texts: list[str]) -> list[str]:
    """Each text's language (ISO 639-1) by py3langid; texts under four words are `short` (too few to tell)."""
    import py3langid

    return ["short" if len(text.split()) < 4 else str(py3langid.classify(text)[0]) for text in texts]
