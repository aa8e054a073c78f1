"""The library calls behind `steward eval …`: score a file, run a suite file, compare two runs.

Each takes plain arguments and returns values; the CLI only formats them. Pipelines and stores are opened
here when the caller does not pass its own, and always closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.evals.compare import MetricDelta, compare_runs
from steward.evals.dataset import check_needs, load_rows
from steward.evals.metric_catalog import parse_metric_list
from steward.evals.pipeline import ClientPipeline, Pipeline
from steward.evals.run import Progress, SuiteOutcome, run_suite
from steward.evals.scoring import Scored, build, close, score
from steward.evals.suite import load_suite

if TYPE_CHECKING:
    from steward.config import Project, Settings
    from steward.store import Store


@dataclass
class FileScores(Scored):
    """Scores of a JSONL file, with the line and id of every row (for `--per-row`)."""

    lines: list[int] = field(default_factory=list)
    ids: list[str | None] = field(default_factory=list)
    source: str = ""

    def to_dict(self, per_row: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.source, **super().to_dict(False)}
        if per_row:
            columns = {s.name: s.row_values(self.n_rows) for s in self.scores}
            out["per_row"] = [
                {
                    "row": i + 1,
                    "line": self.lines[i],
                    "id": self.ids[i],
                    "scores": {name: values[i] for name, values in columns.items()},
                }
                for i in range(self.n_rows)
            ]
        return out


def score_file(
    path: Path | str,
    metrics: str,
    options: dict[str, dict[str, Any]] | None = None,
    *,
    project: Project | None = None,
    settings: Settings | None = None,
) -> FileScores:
    """Score the rows of a JSONL file with the named metrics (`"bleu,rouge"`); no pipeline is run. A metric that
    calls a model or judge app takes it from `project` (None: the nearest steward.yaml) and the models folder
    of `settings` (None: the project's, from the environment). The library's front door, like the CLI: the
    one place here where they are resolved."""
    from steward import config

    project = project or config.load_project(None)
    settings = settings or config.Settings.resolve(project)
    path = Path(path)
    specs = parse_metric_list(metrics)
    for spec in specs:
        spec.options.update((options or {}).get(spec.name, {}))
    built = build(specs, project, settings)
    try:
        rows, lines = load_rows(path)
        check_needs(rows, lines, [m for _, m in built], str(path))
        result = score(rows, built)
    finally:
        close(built)
    return FileScores(result.scores, result.n_rows, lines=lines, ids=[r.id for r in rows], source=str(path))


def run_suite_file(
    path: Path | str,
    *,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
    reports_dir: Path | None = None,
    cache: bool | None = None,
    project: Project | None = None,
) -> SuiteOutcome:
    """Load a suite and run it through the pipeline: the suite's `project:`, else `project` (the CLI's --config),
    else the nearest steward.yaml."""
    suite = load_suite(path)
    own = pipeline is None
    if pipeline is None:
        pipeline = ClientPipeline.open(suite.resolve(suite.spec.project) if suite.spec.project else project)
    try:
        return run_suite(suite, pipeline, progress=progress, reports_dir=reports_dir, cache=cache)
    finally:
        if own:
            pipeline.close()


def compare(run_a: str, run_b: str, *, store: Store | None = None, seed: int = 0) -> list[MetricDelta]:
    """Compare two runs given by id (or prefix) or JSON report path."""
    from steward.evals.report import load_run

    return compare_runs(load_run(run_a, store), load_run(run_b, store), seed=seed)
