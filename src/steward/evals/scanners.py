"""`steward guard eval`: measure a scanner on a user's labelled JSONL file.

Binary scanners (`injection`, `toxicity`, `secrets`, any plugin) read rows `{"text": ..., "label": 0|1}`; an
item is predicted positive when the scanner's highest finding score reaches the threshold (the policy
default unless given). Figures: precision, recall, F1 and the false-positive rate. Rows may name their labels
instead, `{"text": ..., "labels": ["hate"]}` (an empty list: benign): the item is positive when it has any, and
`per_label` gives the figures of each label against the kinds of the findings that reach the threshold (a
toxicity finding's kind is `hate` or `offensive`). All figures come from `steward.evals.figures`, and texts
are read through `steward.guardrails.normalise` as the policy engine reads them. PII reads rows
`{"text": ..., "spans": [{"start": s, "end": e, "type": T, "personal": true}]}` and scores entities under a
matching rule, `exact` (same boundaries after trimming spaces and punctuation) or `overlap` (a shared
character), and unless `any_type` the same type (`steward.evals.pii_spans`). Figures per type, and
micro-averaged over types at the top level; `presidio=True` adds stock Presidio's figures on the same rows.
Latency is measured per item around the scanner call alone (p50/p99 over the `n` items, ms), after one untimed
warm-up call on the first row: a scanner's one-off first-call costs (lazy model loads, a first inference) are
paid before timing, so the figures are the steady-state cost of one item, not a cold call in the p99 of a small
file. Only one row is warmed, so per-text caches (the injection scanner's word n-grams, e-mail domains) stay as
cold for the other rows as they would be for new traffic.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from steward.config.guardrails import ClassifierRule, InjectionRule, PiiRule, Rule, SecretsRule, ToxicityRule
from steward.errors import InvalidRequest
from steward.evals.dataset import read_jsonl
from steward.evals.figures import binary_figures, label_figures
from steward.evals.pii_spans import MATCH_RULES, MatchRule, PiiScore, StockPresidio, gold_spans, trimmed
from steward.guardrails.base import ScanContext, Scanner, build_scanner
from steward.guardrails.normalise import Normalised
from steward.types import Finding, Stage

DEFAULT_RULES: dict[str, type[Rule]] = {
    "injection": InjectionRule,
    "toxicity": ToxicityRule,
    "pii": PiiRule,
    "secrets": SecretsRule,
}


def read_rows(path: Path, pii: bool) -> list[dict[str, Any]]:
    """Rows of a JSONL file, validated; errors name `file:line` and what the row should look like."""
    if not path.is_file():
        raise InvalidRequest(f"{path}: no such file; pass a JSONL file with one labelled example per line.")
    shape = (
        '{"text": "...", "spans": [{"start": 0, "end": 4, "type": "PERSON"}]}'
        if pii
        else '{"text": "...", "label": 0 or 1} or {"text": "...", "labels": ["hate"]}'
    )
    rows = []
    for number, row in read_jsonl(path):
        try:
            if not isinstance(row.get("text"), str):
                raise ValueError("no string `text`")
            if pii:
                spans = row.get("spans")
                if not isinstance(spans, list):
                    raise ValueError("no `spans` list")
                for span in spans:
                    if not (0 <= int(span["start"]) <= int(span["end"]) <= len(row["text"])):
                        raise ValueError(f"span {span} is outside the text")
                    str(span["type"])
            elif isinstance(row.get("labels"), list):
                row["labels"] = [str(label) for label in row["labels"]]
                row.setdefault("label", int(bool(row["labels"])))
            elif row.get("label") not in (0, 1, True, False):
                raise ValueError("`label` must be 0 or 1 (or give `labels`, a list of label names)")
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest(f"{path}:{number}: {exc}; each line must be {shape}.") from None
        rows.append(row)
    if not rows:
        raise InvalidRequest(f"{path}: no rows; each line must be {shape}.")
    return rows


def _percentiles(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(latencies, 50)), 3),
        "p99_ms": round(float(np.percentile(latencies, 99)), 3),
    }


def _warm_up(scanner: Scanner, rows: list[dict[str, Any]], context: ScanContext) -> None:
    """Scan the first row once, untimed and unscored: what a scanner loads or caches on its first call is not
    an item's latency."""
    if rows:
        scanner.scan(rows[0]["text"], context)


def make_scanner(
    name: str,
    entities: list[str] | None = None,
    model_path: str | None = None,
    labels: list[str] | None = None,
    threshold: float | None = None,
) -> tuple[Scanner, float]:
    """The scanner with its default options (or the hub checkpoint in `model_path`), and its rule's threshold
    (`threshold` when given: a scanner may take care near its threshold, as the toxicity scanner does)."""
    rule_type = DEFAULT_RULES.get(name, Rule)
    options: dict[str, Any] = {} if threshold is None else {"threshold": threshold}
    if rule_type is PiiRule and entities:
        options["entities"] = entities
    if model_path is not None:
        if not issubclass(rule_type, ClassifierRule):
            raise InvalidRequest(f"--model-path applies to injection and toxicity, not {name}.")
        options.update(backend="hub", model_path=model_path)
        if labels and name == "injection":
            if len(labels) != 1:
                raise InvalidRequest("--labels for injection names one label: the checkpoint's attack class.")
            options["injection_label"] = labels[0]
        elif labels:
            options["toxic_labels"] = labels
    elif labels:
        raise InvalidRequest("--labels goes with --model-path: it names the checkpoint's positive labels.")
    rule = rule_type.model_validate(options)
    return build_scanner(name, rule.model_dump(mode="json")), rule.threshold


def evaluate_binary(
    scanner: Scanner, rows: list[dict[str, Any]], threshold: float, stage: Stage = "input"
) -> dict[str, Any]:
    """Precision, recall, F1 and FPR of `scanner` on `{text, label}` rows; p50/p99 per item after a warm-up."""
    context = ScanContext(stage=stage)
    _warm_up(scanner, rows, context)
    latencies, kinds = [], []
    for row in rows:
        started = time.perf_counter()
        findings = scan_normalised(scanner, row["text"], context)
        latencies.append((time.perf_counter() - started) * 1000.0)
        kinds.append({f.kind for f in findings if f.score >= threshold})
    labels = [bool(row["label"]) if "label" in row else bool(row.get("labels")) for row in rows]
    result: dict[str, Any] = {
        **binary_figures(labels, [bool(k) for k in kinds]),
        "n": len(rows),
        "positives": sum(labels),
        "threshold": threshold,
        **_percentiles(latencies),
    }
    if all("labels" in row for row in rows):
        result["per_label"] = label_figures([row["labels"] for row in rows], kinds)
    return result


def scan_normalised(scanner: Scanner, text: str, context: ScanContext) -> list[Finding]:
    """A scanner's findings on `text` read as the policy engine hands it over (`Normalised`)."""
    return Normalised(text).scan(getattr(scanner, "name", ""), scanner, context)


def evaluate_pii(
    scanner: Scanner,
    rows: list[dict[str, Any]],
    threshold: float,
    any_type: bool = False,
    stage: Stage = "input",
    match: MatchRule = "exact",
) -> dict[str, Any]:
    """Entity precision, recall, F1 and false-alarm rate (per type and micro-averaged) of `scanner` on
    `{text, spans}` rows under the matching rule (`steward.evals.pii_spans`); p50/p99 per item after a
    warm-up."""
    context = ScanContext(stage=stage)
    _warm_up(scanner, rows, context)
    score = PiiScore(match=match, any_type=any_type)
    latencies = []
    for row in rows:
        text = row["text"]
        started = time.perf_counter()
        findings = scan_normalised(scanner, text, context)
        latencies.append((time.perf_counter() - started) * 1000.0)
        found = [
            trimmed(text, f.start, f.end, f.kind)
            for f in findings
            if f.score >= threshold and f.start is not None and f.end is not None
        ]
        personal, distractors = gold_spans(row)
        score.add(personal, found, distractors)
    return {**score.result(), "n": len(rows), "threshold": threshold, **_percentiles(latencies)}


def evaluate_file(
    name: str,
    path: Path,
    *,
    threshold: float | None = None,
    any_type: bool = False,
    entities: list[str] | None = None,
    stage: Stage = "input",
    model_path: str | None = None,
    labels: list[str] | None = None,
    match: MatchRule = "exact",
    presidio: bool = False,
) -> dict[str, Any]:
    """Evaluate scanner `name` on the labelled file; the figures as a dict (see module docstring)."""
    pii = name == "pii"
    if match not in MATCH_RULES:
        raise InvalidRequest(f"--match {match!r}: use one of {', '.join(MATCH_RULES)}.")
    if presidio and not pii:
        raise InvalidRequest("--presidio compares PII detection only; use it with `steward guard eval pii`.")
    rows = read_rows(path, pii)
    scanner, cut = make_scanner(name, entities, model_path, labels, threshold)
    if not pii:
        return {"scanner": name, "data": str(path), **evaluate_binary(scanner, rows, cut, stage)}
    result = {"scanner": name, "data": str(path), **evaluate_pii(scanner, rows, cut, any_type, stage, match)}
    if presidio:
        result["presidio"] = evaluate_pii(StockPresidio(), rows, cut, any_type, stage, match)
    return result
