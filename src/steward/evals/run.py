"""Run a suite: validate everything, answer every case through the pipeline, score, gate, report, store.

Order matters for "never half-written": (1) the suite, its metrics, gates, dataset and apps are validated
before any model call; (2) all cases are answered and scored in memory; (3) the reports are written to
temporary files; (4) the run and all its cases are committed in one transaction; (5) only then are the
report files renamed into place. An interruption at any point leaves either nothing or a complete run
(cached answers survive, so a re-run does not pay for them twice).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.errors import InvalidRequest, NotFound, StewardError
from steward.evals.cases import Case, check_case_needs, load_cases, row_of, run_cases
from steward.evals.compare import MetricDelta, compare_runs
from steward.evals.dataset import content_hash
from steward.evals.metric import Metric
from steward.evals.metric_catalog import MetricSpec
from steward.evals.pipeline import Answer, Pipeline, app_version
from steward.evals.scoring import Scored, score
from steward.evals.suite import Suite, gate_results
from steward.store import StoredCase, StoredRun
from steward.types import new_id

if TYPE_CHECKING:
    from steward.config import Project, Settings

Progress = Callable[[str, int, int], None]  # (variant label, done, total)


@dataclass
class Prepared:
    """A suite checked against its dataset and the project, ready to run."""

    suite: Suite
    metrics: list[tuple[MetricSpec, Metric]]
    dataset: Path
    dataset_hash: str
    cases: list[Case]


@dataclass
class SuiteOutcome:
    """The stored run(s) of a suite, with the report files and, for two variants, the comparison."""

    runs: list[StoredRun]
    comparison: list[MetricDelta] | None = None
    reports: list[dict[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(run.passed for run in self.runs)


def _build_metrics(suite: Suite, project: Project, settings: Settings) -> list[tuple[MetricSpec, Metric]]:
    built = []
    for index, spec in enumerate(suite.spec.metric_specs()):
        try:
            metric = spec.build()
            metric.bind(project, settings)  # the judge apps and models of the project the suite runs against
            built.append((spec, metric))
        except StewardError as exc:
            raise suite.error(("metrics", index), exc.message) from None
    return built


def _check_gates(suite: Suite, metrics: Sequence[tuple[MetricSpec, Metric]]) -> None:
    outputs = {name for spec, metric in metrics for name in spec.outputs(metric)}
    for index, gate in enumerate(suite.spec.gates):
        if gate.metric not in outputs:
            raise suite.error(
                ("gates", index),
                f"gate {str(gate)!r} is on {gate.metric!r}, which no metric of this "
                f"suite produces; the suite's scores are: {', '.join(sorted(outputs))}.",
            )


def prepare(suite: Suite, pipeline: Pipeline) -> Prepared:
    """Validate the suite against its dataset and the project; raise naming file:line on the first problem."""
    metrics = _build_metrics(suite, pipeline.project, pipeline.settings)
    _check_gates(suite, metrics)
    dataset = suite.resolve(suite.spec.dataset)
    if not dataset.is_file():
        raise suite.error(
            ("dataset",), f"dataset {dataset} does not exist; give a JSONL file relative to the suite."
        )
    digest = content_hash(dataset)
    if suite.spec.dataset_sha256 and suite.spec.dataset_sha256 != digest:
        raise suite.error(
            ("dataset_sha256",),
            f"the dataset {dataset} is {digest}, the suite pins "
            f"{suite.spec.dataset_sha256}; update the pin if the change is intended.",
        )
    cases = load_cases(dataset)
    for name, variant in suite.spec.runs():
        loc = ("variants", name, "app") if name else ("app",)
        try:
            spec = pipeline.app_spec(variant.app)
        except NotFound as exc:
            raise suite.error(loc, exc.message) from None
        check_case_needs(cases, [m for _, m in metrics], dataset, retrieval=bool(getattr(spec, "rag", None)))
        if suite.spec.app_version and name is None:
            current = app_version(pipeline.versions(variant.app))
            if current != suite.spec.app_version:
                raise suite.error(
                    ("app_version",),
                    f"app {variant.app!r} is at version {current}, the suite pins "
                    f"{suite.spec.app_version}; review the change and update the pin.",
                )
    return Prepared(suite, metrics, dataset, digest, cases)


def _stored_cases(cases: Sequence[Case], answers: Sequence[Answer], scored: Scored) -> list[StoredCase]:
    per_case: list[dict[str, float | None]] = [{} for _ in cases]
    for result in scored.scores:
        for index, value in enumerate(result.row_values(len(cases))):
            if value is not None or result.rows is None or index in result.rows:
                per_case[index][result.name] = value
    return [
        StoredCase(
            position=i,
            case_id=c.id,
            input=c.messages,
            prediction=a.text,
            scores=per_case[i],
            record_id=a.record_id,
            status=a.status,
            tags=list(c.tags),
            detail={
                k: v
                for k, v in {
                    "error": a.error,
                    "cached": a.cached,
                    "reasons": a.reasons,
                    "references": list(c.references),
                }.items()
                if v
            },
        )
        for i, (c, a) in enumerate(zip(cases, answers, strict=True))
    ]


def _failed_gate(cases: Sequence[Case], answers: Sequence[Answer], failed: int) -> dict[str, Any]:
    ids = [
        c.id or f"#{i + 1}" for i, (c, a) in enumerate(zip(cases, answers, strict=True)) if a.status == "failed"
    ]
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return {
        "gate": "failed_cases == 0",
        "metric": "failed_cases",
        "op": "==",
        "threshold": 0,
        "value": failed,
        "passed": False,
        "reason": f"{failed} of {len(cases)} cases failed to run ({shown}); their scores are left out. "
        "Fix the app or its model (`steward models fetch`) and run the suite again.",
    }


def run_variant(
    prepared: Prepared,
    pipeline: Pipeline,
    app: str,
    params: dict[str, Any],
    variant: str | None,
    progress: Progress | None = None,
    cache: bool | None = None,
) -> StoredRun:
    """Answer and score every case for one app; the returned run is complete but not stored yet."""
    spec = prepared.suite.spec
    started = time.time()
    label = variant or app
    answers = run_cases(
        pipeline,
        app,
        prepared.cases,
        params,
        parallelism=spec.parallelism,
        cache=spec.cache if cache is None else cache,
        progress=(lambda d, t: progress(label, d, t)) if progress else None,
    )
    failed = [a for a in answers if a.status == "failed"]
    if len(failed) == len(answers):
        raise InvalidRequest(
            f"every case failed for app {app!r} (first error: {failed[0].error}); nothing was "
            "stored. Fix the app or its model and run the suite again."
        )
    scored = score([row_of(c, a) for c, a in zip(prepared.cases, answers, strict=True)], prepared.metrics)
    gates = gate_results(spec.gates, {s.name: s.value for s in scored.scores})
    if failed:  # a case that failed to run fails the run: its metrics could not see it
        gates.append(_failed_gate(prepared.cases, answers, len(failed)))
    versions = pipeline.versions(app)
    versions.update(
        app_version=app_version(versions),
        params_override=params,
        suite=str(prepared.suite.path),
        metrics=[
            {"name": s.name, "options": s.options, "as": s.rename, "tags": list(s.tags)}
            for s, _ in prepared.metrics
        ],
        served_models=sorted({a.model["id"] for a in answers if a.model}),
        failed_cases=len(failed),
        cached_cases=sum(a.cached for a in answers),
    )
    return StoredRun(
        id=new_id("evr"),
        kind="suite",
        name=prepared.suite.name,
        app=app,
        variant=variant,
        created_at=started,
        finished_at=time.time(),
        passed=all(g["passed"] for g in gates),
        versions=versions,
        summary=[s.to_dict() for s in scored.scores],
        gates=gates,
        dataset=str(prepared.dataset),
        dataset_hash=prepared.dataset_hash,
        cases=_stored_cases(prepared.cases, answers, scored),
    )


def run_suite(
    suite: Suite,
    pipeline: Pipeline,
    *,
    progress: Progress | None = None,
    reports_dir: Path | None = None,
    cache: bool | None = None,
) -> SuiteOutcome:
    """Validate, run every variant, compare two variants, write reports and store the runs."""
    from steward.evals.report import publish

    prepared = prepare(suite, pipeline)
    runs = [
        run_variant(prepared, pipeline, v.app, v.params, name, progress, cache) for name, v in suite.spec.runs()
    ]
    comparison = compare_runs(runs[0], runs[1]) if len(runs) == 2 else None
    folder = reports_dir or (suite.resolve(suite.spec.reports) if suite.spec.reports else pipeline.home / "evals")
    reports = [publish(pipeline.store, run, folder, comparison if i == 1 else None) for i, run in enumerate(runs)]
    return SuiteOutcome(runs, comparison, reports)
