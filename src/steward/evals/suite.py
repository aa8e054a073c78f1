"""Evaluation suites in YAML: which app (or two variants), which dataset, which metrics, which gates.

    name: airport-faq
    app: airport-assistant            # or `variants: {a: {app: ...}, b: {app: ...}}` for an A/B suite
    app_version: sha256:…             # optional pin: fail if the app's configuration changed
    dataset: faq.jsonl                # relative to this file; its sha256 is the dataset version
    dataset_sha256: sha256:…          # optional pin
    metrics: [faithfulness, rouge, {name: block_rate, as: injection_block_rate, where: {tags: [injection]}}]
    gates: ["faithfulness >= 0.8", "injection_block_rate >= 0.95"]
    params: {temperature: 0, max_tokens: 128}
    parallelism: 2
    cache: true

A suite is validated completely before anything runs: unknown keys, unknown metrics or options, gates on a
score no metric produces, a missing dataset or a pin that does not match are errors naming `file:line`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from steward.errors import ConfigError, InvalidRequest, StewardError
from steward.evals.metric_catalog import MetricSpec, spec_from_mapping

_GATE = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$")
_OPS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: abs(a - b) < 1e-12,
}


class Gate(BaseModel):
    """`metric op threshold`, e.g. `faithfulness >= 0.8`."""

    metric: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> Gate:
        match = _GATE.match(text)
        if match is None:
            raise ValueError(f"gate {text!r} is not `metric >= number` (operators: >=, <=, >, <, ==)")
        return cls(metric=match.group(1), op=match.group(2), threshold=float(match.group(3)))

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.threshold:g}"

    def check(self, value: float | None) -> bool:
        return value is not None and bool(_OPS[self.op](value, self.threshold))


def gate_results(gates: Sequence[Gate], values: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """Each gate checked against the scores by name; a score without a value fails its gate, saying why."""
    results = []
    for gate in gates:
        value = values.get(gate.metric)
        entry: dict[str, Any] = {
            "gate": str(gate),
            "metric": gate.metric,
            "op": gate.op,
            "threshold": gate.threshold,
            "value": value,
            "passed": gate.check(value),
        }
        if value is None:
            entry["reason"] = "no case could be scored for this metric"
        results.append(entry)
    return results


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app: str
    params: dict[str, Any] = Field(default_factory=dict)


class SuiteSpec(BaseModel):
    """A whole suite file."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    project: str | None = None
    app: str | None = None
    app_version: str | None = None
    variants: dict[str, Variant] | None = None
    dataset: str
    dataset_sha256: str | None = Field(None, pattern=r"^sha256:[0-9a-f]{64}$")
    metrics: list[str | dict[str, Any]] = Field(min_length=1)
    gates: list[Gate] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    parallelism: int = Field(2, ge=1, le=64)
    cache: bool = True
    reports: str | None = None

    @field_validator("gates", mode="before")
    @classmethod
    def _parse_gates(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [Gate.parse(v) if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _one_app(self) -> SuiteSpec:
        if (self.app is None) == (self.variants is None):
            raise ValueError("give either `app:` or `variants:` (two named variants for an A/B suite)")
        if self.variants is not None and len(self.variants) != 2:
            raise ValueError("`variants:` needs exactly two entries (A and B)")
        return self

    def metric_specs(self) -> list[MetricSpec]:
        return [MetricSpec(m) if isinstance(m, str) else spec_from_mapping(m) for m in self.metrics]

    def runs(self) -> list[tuple[str | None, Variant]]:
        """(variant name, variant) to run: one unnamed variant, or the two named ones in order."""
        if self.variants is None:
            assert self.app is not None
            return [(None, Variant(app=self.app, params=self.params))]
        return [
            (name, Variant(app=v.app, params={**self.params, **v.params})) for name, v in self.variants.items()
        ]


class Suite:
    """A loaded suite: the spec, where it came from, and line numbers for messages."""

    def __init__(self, spec: SuiteSpec, path: Path, lines: dict[tuple[Any, ...], int]) -> None:
        self.spec = spec
        self.path = path
        self.lines = lines

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem

    def where(self, *loc: Any) -> str:
        """`file:line` of a key (or its nearest parent)."""
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in self.lines:
                return f"{self.path}:{self.lines[loc[:cut]]}"
        return f"{self.path}:1"

    def resolve(self, relative: str) -> Path:
        path = Path(relative).expanduser()
        return path if path.is_absolute() else (self.path.parent / path)

    def error(self, loc: tuple[Any, ...], message: str) -> StewardError:
        return InvalidRequest(f"{self.where(*loc)}: {message}")


def _line_map(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            _line_map(value, (*path, key.value), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), lines)


def load_suite(path: Path | str) -> Suite:
    """Read and validate a suite file; every problem is a ConfigError naming `file:line`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such suite file; give the path of a suite YAML (see examples/evals/).")
    text = path.read_text(encoding="utf-8")
    lines: dict[tuple[Any, ...], int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"{path}:{line}: not valid YAML ({exc.problem}); fix the syntax.") from None
    if node is None or not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a suite is a mapping with `app:`, `dataset:` and `metrics:`.")
    _line_map(node, (), lines)
    try:
        spec = SuiteSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not isinstance(p, str) or not p.startswith("function-"))
            where = ".".join(str(p) for p in loc) or "(top level)"
            hint = (
                "unknown key" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
            )
            locator = Suite(SuiteSpec.model_construct(), path, lines)  # type: ignore[call-arg]  # only for .where
            problems.append(f"{locator.where(*loc)}: {where}: {hint}")
        raise ConfigError("invalid suite:\n  " + "\n  ".join(problems)) from None
    return Suite(spec, path, lines)
