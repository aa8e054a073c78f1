"""Base against tuned on the app's own eval suite: `steward tune export RUN --suite SUITE.yaml`.

The suite (a single-app suite, `app: APP`) is run twice through the governed pipeline, exactly as `steward eval
run` runs it (`steward.evals.run`): once with the app answered by the run's base GGUF, once by the exported tuned
GGUF. Each side runs on an evaluation variant of the app: one steward.yaml declares (`variant_of: APP`, routed
to that model alone), else one made for this run (`APP-tune-base`, `APP-tune-tuned`: a copy of the app's
declaration — prompt, policy, params, retrieval — with its route swapped for that one model), so a deployment of
the app (a canary in flight) cannot route a side's cases to another model. Promotion
(`steward.governance.gates`) counts only runs of the app or of a variant steward.yaml declares: declare one for
the tuned model (`gates-eval: {variant_of: gates, route: [{model: gates-tuned}], ...}`) and its passing run
here is the evidence `steward deploy promote` needs. Both runs are stored eval runs with reports;
`steward.evals.compare` pairs them case by case (paired bootstrap, tuned minus base).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.config import Project, Settings
from steward.config.schema import ModelSpec, RouteEntry
from steward.errors import InvalidRequest, NotFound
from steward.evals.compare import compare_runs, overall
from steward.evals.pipeline import ClientPipeline
from steward.evals.report import publish
from steward.evals.run import prepare, run_variant
from steward.evals.suite import Suite, load_suite
from steward.store import StoredRun

SIDES = ("base", "tuned")


@dataclass(slots=True)
class SuiteComparison:
    suite: Path
    app: str
    base: StoredRun
    tuned: StoredRun
    result: dict[str, Any]


def load(path: Path) -> Suite:
    """The suite file, checked to name one app (an A/B suite already names its two sides)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"suite {path} does not exist; give an eval suite file (see `steward eval run --help`).")
    suite = load_suite(path)
    if suite.spec.app is None:
        raise InvalidRequest(
            f"suite {path} compares two variants; --suite needs a single-app suite (`app: APP`), which is run "
            "once on the base model and once on the tuned one."
        )
    return suite


def variant_project(project: Project, app: str, models: dict[str, ModelSpec]) -> tuple[Project, dict[str, str]]:
    """A copy of `project` with one evaluation variant of `app` per side, each routed to its side's model only
    (`models`: side -> spec); returns the copy and side -> variant app name."""
    if app not in project.apps:
        raise NotFound(f"the suite's app {app!r} is not declared in steward.yaml ({', '.join(project.apps)}).")
    copy = project.model_copy(deep=True)
    names: dict[str, str] = {}
    for side, (model_name, spec) in zip(SIDES, models.items(), strict=True):
        copy.models[model_name] = spec
        declared = declared_variant(project, app, model_name)
        if declared is not None:  # reviewed in steward.yaml: its run can vouch for the model's promotion
            names[side] = declared
            continue
        variant = copy.apps[app].model_copy(
            deep=True, update={"route": [RouteEntry(model=model_name)], "fallback": [], "variant_of": app}
        )
        names[side] = f"{app}-tune-{side}"
        copy.apps[names[side]] = variant
    copy.root = project.root
    return copy, names


def declared_variant(project: Project, app: str, model: str) -> str | None:
    """An evaluation variant steward.yaml declares for `app` (`variant_of: APP`) served by `model` alone."""
    for name, spec in project.apps.items():
        if spec.variant_of == app and [r.model for r in spec.route] == [model] and not spec.fallback:
            return name
    return None


def run_both(
    suite: Suite,
    project: Project,
    base: tuple[str, Path, str],
    tuned: tuple[str, Path, str],
    *,
    reports_dir: Path,
    threads: int = 1,
    settings: Settings | None = None,
) -> SuiteComparison:
    """Run the suite on the base and on the tuned model (each given as (name, GGUF path, sha256)), store both
    runs with their reports, and compare them (tuned against base)."""
    app = str(suite.spec.app)
    specs = {
        name: ModelSpec(
            backend="llama_cpp", path=str(path), sha256=sha256, n_threads=threads, source="steward tune export"
        )
        for name, path, sha256 in (base, tuned)
    }
    if len(specs) != 2:
        raise InvalidRequest(
            f"the tuned model's name {tuned[0]!r} is the base model's; export under another --name."
        )
    copy, apps = variant_project(project, app, specs)
    suite.spec.app_version = None  # the variants' routes differ from the app's by design; the pin is the app's
    pipeline = ClientPipeline.open(copy) if settings is None else ClientPipeline(_client(copy, settings))
    try:
        prepared = prepare(suite, pipeline)
        runs = {
            side: run_variant(prepared, pipeline, apps[side], suite.spec.runs()[0][1].params, side, cache=False)
            for side in SIDES
        }
        deltas = compare_runs(runs["base"], runs["tuned"])
        reports = {
            side: publish(pipeline.store, run, reports_dir, deltas if side == "tuned" else None)
            for side, run in runs.items()
        }
    finally:
        pipeline.close()
    failed = [g["gate"] for g in runs["tuned"].gates if not g["passed"]]
    result = {
        "suite": str(suite.path),
        "app": app,
        "runs": {side: runs[side].id for side in SIDES},
        "apps": apps,
        "passed": {side: runs[side].passed for side in SIDES},
        "gates": {side: runs[side].gates for side in SIDES},
        "summary": {side: {s["name"]: s.get("value") for s in runs[side].summary} for side in SIDES},
        "comparison": [d.to_dict() for d in deltas],
        "verdict": overall(deltas).replace("B is", "the tuned model is"),
        "reports": reports,
        "message": (
            f"the tuned model fails the suite's gates: {', '.join(failed)}" if failed else
            "the tuned model passes the suite's gates"
        ),
    }  # fmt: skip
    return SuiteComparison(Path(suite.path), app, runs["base"], runs["tuned"], result)


def _client(project: Project, settings: Settings) -> Any:
    from steward.client import Client

    return Client(project, settings=settings)
