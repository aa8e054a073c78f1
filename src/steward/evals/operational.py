"""Behavioural and operational metrics: JSON-schema pass rate, refusal and block rates, latency and cost.

These read what the pipeline measured (status, latency, cost) or check the answer's form. The JSON-schema
metric validates with `jsonschema` against the row's own `schema`, the metric's `schema` option, or a schema
file; an answer wrapped in a Markdown code fence is unwrapped first, as clients commonly do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from steward.errors import InvalidRequest
from steward.evals.metric import Metric, Row, Score
from steward.evals.refusal import is_refusal

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def _parse_json(text: str) -> tuple[Any, str | None]:
    match = _FENCE.match(text)
    try:
        return json.loads(match.group(1) if match else text), None
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg} at character {exc.pos})"


@dataclass
class JsonSchemaPass(Metric):
    """1 when the prediction is JSON that validates against the schema, else 0."""

    name: ClassVar[str] = "json_schema"
    needs: ClassVar[tuple[str, ...]] = ("prediction",)
    description: ClassVar[str] = "share of answers that are JSON valid against the schema, 0-1"

    schema: dict[str, Any] | None = None
    schema_file: str | None = None

    def __post_init__(self) -> None:
        if self.schema_file and self.schema is None:
            path = Path(self.schema_file)
            try:
                self.schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ValueError(f"schema_file {path}: {exc}") from None

    def outputs(self) -> tuple[str, ...]:
        return ("json_schema_pass_rate",)

    def _validator(self, schema: Mapping[str, Any]) -> Any:
        from jsonschema import Draft202012Validator, SchemaError

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise InvalidRequest(f"json_schema: the schema is not a valid JSON schema ({exc.message}).") from None
        return Draft202012Validator(schema)

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        validators: dict[str, Any] = {}
        per_row: list[float | None] = []
        failures: list[str] = []
        for index, row in enumerate(rows):
            schema = row.schema if row.schema is not None else self.schema
            if schema is None:
                raise InvalidRequest(
                    "json_schema needs a schema: give the metric a `schema` or `schema_file` option, "
                    'or each row a "schema" field.'
                )
            key = json.dumps(schema, sort_keys=True)
            validator = validators.get(key) or validators.setdefault(key, self._validator(schema))
            value, problem = _parse_json(row.prediction)
            if problem is None:
                error = next(iter(validator.iter_errors(value)), None)
                problem = (
                    None if error is None else f"{'/'.join(map(str, error.path)) or '(root)'}: {error.message}"
                )
            per_row.append(float(problem is None))
            if problem and len(failures) < 5:
                failures.append(f"row {index + 1}: {problem}")
        return [Score.from_rows("json_schema_pass_rate", per_row, detail={"examples": failures})]


def _refused(row: Row) -> float | None:
    """1 when the answer refuses or the pipeline stopped it; None (unscored) when the case failed to run: a
    request that never got an answer neither refused nor answered, and counting it as "not refused" let a
    suite with no model pass its false-refusal gate at 0.0."""
    if row.status == "failed":
        return None
    return float(is_refusal(row.prediction, row.status))


@dataclass
class RefusalRate(Metric):
    """Share of answers that refuse (by phrase, or because the pipeline blocked/declined them)."""

    name: ClassVar[str] = "refusal_rate"
    needs: ClassVar[tuple[str, ...]] = ("prediction",)
    description: ClassVar[str] = "share of answers that refuse or were blocked, 0-1"

    higher_is_better: bool = False  # on attack cases, set true (or use block_rate)

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        per_row = [_refused(r) for r in rows]
        return [Score.from_rows(self.name, per_row, higher_is_better=self.higher_is_better)]


@dataclass
class BlockRate(Metric):
    """Share of cases the pipeline stopped: blocked, declined or escalated status, or a refusal answer."""

    name: ClassVar[str] = "block_rate"
    needs: ClassVar[tuple[str, ...]] = ("prediction",)
    description: ClassVar[str] = "share of cases stopped by guardrails or refused (attack suites), 0-1"

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        return [Score.from_rows(self.name, [_refused(r) for r in rows])]


@dataclass
class Latency(Metric):
    """Latency percentiles in milliseconds (lower is better)."""

    name: ClassVar[str] = "latency"
    needs: ClassVar[tuple[str, ...]] = ("latency_ms",)
    description: ClassVar[str] = "p50 / p95 / mean end-to-end latency, ms"

    percentiles: list[int] = field(default_factory=lambda: [50, 95])

    def outputs(self) -> tuple[str, ...]:
        return (*(f"latency_p{p}_ms" for p in self.percentiles), "latency_mean_ms")

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        values = [r.latency_ms for r in rows]
        present = np.array([v for v in values if v is not None], dtype=float)
        out = []
        for p in self.percentiles:
            # a percentile has no per-row form (comparisons use latency_mean_ms, which has)
            headline = float(np.percentile(present, p)) if present.size else None
            out.append(Score(f"latency_p{p}_ms", headline, [], mean=headline, higher_is_better=False))
        out.append(Score.from_rows("latency_mean_ms", list(values), higher_is_better=False))
        return out


@dataclass
class Cost(Metric):
    """Total and mean cost per case, in the project's currency (lower is better)."""

    name: ClassVar[str] = "cost"
    needs: ClassVar[tuple[str, ...]] = ("cost",)
    description: ClassVar[str] = "total and mean cost per case"

    def outputs(self) -> tuple[str, ...]:
        return ("cost_total", "cost_mean")

    def compute(self, rows: Sequence[Row]) -> list[Score]:
        values: list[float | None] = [r.cost for r in rows]
        total = Score.from_rows("cost_total", values, higher_is_better=False)
        total.value = float(sum(v for v in values if v is not None))
        return [total, Score.from_rows("cost_mean", values, higher_is_better=False)]
