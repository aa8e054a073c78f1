"""`steward eval`: score files, run suites that gate releases, list and compare stored runs.

Thin: each command parses options and calls `steward.evals`; tables are Rich, `--json` prints data.
`steward eval run` exits 1 when a gate fails (2 for bad input), so CI can block a release on it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, cast

import typer
import yaml
from rich.table import Table

from steward.cli import context
from steward.errors import InvalidRequest

app = typer.Typer(no_args_is_help=True, help="Evaluate: score files, run suites with gates, compare runs.")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _print_figures(first: str, columns: Sequence[str], rows: dict[str, dict[str, Any]], title: str) -> None:
    """A table of figures: a row per name (in `first`), a column per figure (– where a row lacks one)."""
    table = Table(first, *columns, title=title)
    for name, figures in rows.items():
        table.add_row(name, *(_fmt(figures.get(c)) for c in columns))
    context.console.print(table)


def _options(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """`-o rouge.use_stemmer=false` → {"rouge": {"use_stemmer": False}} (values read as YAML scalars)."""
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        metric, dot, option = key.partition(".")
        if not sep or not dot or not metric or not option:
            raise InvalidRequest(f"--option {pair!r}: write METRIC.OPTION=VALUE, e.g. -o rouge.use_stemmer=false.")
        out.setdefault(metric.strip(), {})[option.strip()] = yaml.safe_load(raw)
    return out


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=1, default=str) + "\n")


@app.command("metrics")
def metrics_command(
    data: Annotated[Path, typer.Option("--data", help="JSONL file: one {prediction, references, ...} per line.")],
    metrics: Annotated[
        str, typer.Option("--metrics", help="Comma-separated metric names (see `steward eval list`).")
    ],
    per_row: Annotated[bool, typer.Option("--per-row", help="Also give every row's scores.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="METRIC.OPTION=VALUE, repeatable.")
    ] = None,
) -> None:
    """Score predictions you already have (your logs), without running a model.

    Example: `steward eval metrics --data answers.jsonl --metrics bleu,rouge,faithfulness --per-row`
    """
    from steward.evals.api import score_file

    result = score_file(
        data, metrics, _options(option or []), project=context.project(), settings=context.settings()
    )
    if as_json:
        _print_json(result.to_dict(per_row))
        return
    table = Table("metric", "value", "mean", "scored", "unscored", title=f"{data} · {result.n_rows} rows")
    for s in result.scores:
        table.add_row(
            s.name + (" (corpus)" if s.corpus else ""),
            _fmt(s.value),
            _fmt(s.mean),
            str(len(s.per_row) - s.unscored),
            str(s.unscored),
        )
    context.console.print(table)
    _print_per_label([s.to_dict() for s in result.scores])
    if per_row:  # one line per row: readable at any terminal width, however many metrics
        columns = [(s.name, s.row_values(result.n_rows)) for s in result.scores]
        for i in range(result.n_rows):
            row_id = result.ids[i]
            label = f"row {i + 1} (line {result.lines[i]}{', ' + row_id if row_id else ''})"
            values = "  ".join(f"{name}={_fmt(values[i])}" for name, values in columns)
            context.console.print(f"{label}: {values}", highlight=False, soft_wrap=True)


@app.command("list")
def list_metrics() -> None:
    """List the available metrics (built-in and from plugins) with their options.

    Example: `steward eval list`
    """
    from steward.evals.metric import options_of
    from steward.evals.metric_catalog import available

    table = Table("metric", "needs", "options", "what")
    for name, metric in sorted(available().items()):
        table.add_row(name, ", ".join(metric.needs), ", ".join(options_of(metric)), metric.description)
    context.console.print(table)


@app.command("run")
def run_command(
    suite: Annotated[Path, typer.Argument(help="The suite YAML.")],
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Folder for the JSON and HTML reports.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Call the model even for cached answers.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Run a suite through the governed pipeline; exit 1 when a gate fails.

    Example: `steward eval run examples/evals/airport_rag.yaml`
    """
    from rich.progress import Progress

    from steward.evals.api import run_suite_file

    with Progress(transient=True, console=context.err_console) as bar:
        tasks: dict[str, Any] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(f"{label}", total=total)
            bar.update(tasks[label], completed=done)

        outcome = run_suite_file(
            suite,
            progress=progress,
            reports_dir=reports,
            cache=False if no_cache else None,
            project=context.project(),
        )
    if as_json:
        _print_json(
            {
                "passed": outcome.passed,
                "runs": [
                    {
                        "id": r.id,
                        "variant": r.variant,
                        "passed": r.passed,
                        "gates": r.gates,
                        "scores": r.summary,
                        "failed_cases": _failed_cases(r),
                        "reports": r.reports,
                    }
                    for r in outcome.runs
                ],
                "comparison": [d.to_dict() for d in outcome.comparison or []],
            }
        )
    else:
        for run in outcome.runs:
            _print_run(run)
        if outcome.comparison:
            _print_comparison(outcome.comparison)
    if not outcome.passed:
        raise typer.Exit(1)


def _print_run(run: Any) -> None:
    verdict = "[green]PASSED[/]" if run.passed else "[bold red]FAILED[/]"
    label = f" variant {run.variant}" if run.variant else ""
    context.console.print(f"{run.kind} [bold]{run.name}[/]{label} · app {run.app} · run {run.id} · {verdict}")
    table = Table("metric", "value", "scored", "unscored")
    for s in run.summary:
        table.add_row(s["name"], _fmt(s["value"]), str(s["scored"]), str(s["unscored"]))
    context.console.print(table)
    _print_per_label(run.summary)
    for gate in run.gates:
        mark = "[green]pass[/]" if gate["passed"] else "[red]fail[/]"
        context.console.print(f"  gate {gate['gate']}: {_fmt(gate['value'])} {mark}")
    failed = _failed_cases(run)
    if failed:
        context.console.print(
            f"  [red]{len(failed)} case(s) failed to run[/] (left out of the scores):", markup=True
        )
        for case in failed[:20]:
            context.console.print(f"    {case['id']}: {case['error']}", markup=False)
        if len(failed) > 20:
            context.console.print(f"    … and {len(failed) - 20} more (see the JSON report)")
    for kind, path in (run.reports or {}).items():
        context.console.print(f"  {kind} report: {path}")


def _print_per_label(scores: list[dict[str, Any]]) -> None:
    """A table per score that carries figures per label (a detector, a classification)."""
    from steward.evals.figures import FIGURES

    for score in scores:
        per_label = (score.get("detail") or {}).get("per_label")
        if not per_label:
            continue
        _print_figures("label", FIGURES, per_label, f"{score['name']} · per label")


def _failed_cases(run: Any) -> list[dict[str, str]]:
    """The cases of a run that failed to run, with their error, for the summary."""
    return [
        {"id": c.case_id or f"#{c.position + 1}", "error": str((c.detail or {}).get("error") or "failed")}
        for c in run.cases or []
        if c.status == "failed"
    ]


def _print_comparison(deltas: Any) -> None:
    from steward.evals.compare import overall

    table = Table("metric", "A", "B", "delta", "95% interval", "pairs", "verdict")
    for d in deltas:
        table.add_row(
            d.name,
            _fmt(d.a),
            _fmt(d.b),
            _fmt(d.delta),
            f"[{_fmt(d.low)}, {_fmt(d.high)}]",
            str(d.pairs),
            d.verdict,
        )
    context.console.print(table)
    context.console.print(overall(deltas))


@app.command("compare")
def compare_command(
    run_a: Annotated[str, typer.Argument(help="Run A: a run id (or prefix) or a JSON report file.")],
    run_b: Annotated[str, typer.Argument(help="Run B: a run id (or prefix) or a JSON report file.")],
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per-metric deltas of B against A with paired-bootstrap 95% intervals and a verdict.

    Example: `steward eval compare evr_1a2b evr_3c4d`
    """
    from steward.evals.api import compare

    reports = all(ref.endswith(".json") and Path(ref).is_file() for ref in (run_a, run_b))
    deltas = compare(run_a, run_b, store=None if reports else context.open_store(), seed=seed)
    if as_json:
        _print_json([d.to_dict() for d in deltas])
    else:
        _print_comparison(deltas)


@app.command("runs")
def runs_command(
    app_name: Annotated[str | None, typer.Option("--app", help="Only runs of this app.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="suite or redteam.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
) -> None:
    """List stored evaluation and red-team runs, newest first.

    Example: `steward eval runs --app airport-assistant`
    """

    table = Table("id", "kind", "name", "app", "variant", "cases", "passed", "dataset")
    for run in context.open_store().evals.list_runs(app_name, kind, limit):
        table.add_row(
            run.id,
            run.kind,
            run.name,
            run.app,
            run.variant or "",
            str(run.case_count),
            "yes" if run.passed else "no",
            (run.dataset_hash or "")[:19],
        )
    context.console.print(table)


@app.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(help="A run id (or prefix).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole run as JSON.")] = False,
) -> None:
    """Show a stored run: versions, scores, gates and report files.

    Example: `steward eval show evr_1a2b`
    """
    from steward.evals.report import run_payload

    run = context.open_store().evals.get_run(run_id)
    if as_json:
        _print_json(run_payload(run))
        return
    _print_run(run)
    for key, value in run.versions.items():
        context.console.print(f"  {key}: {value}")


@app.command("bias")
def bias_command(
    model: Annotated[
        str, typer.Option("--model", help="A .gguf path, a built-in artefact name or a steward.yaml model id.")
    ],
    pairs: Annotated[
        Path | None,
        typer.Option("--pairs", help="CrowS-Pairs-format CSV (default: the 70 pairs Steward ships)."),
    ] = None,
    bbq_file: Annotated[
        Path | None,
        typer.Option("--bbq", help="BBQ JSONL (default: ../shared/data/bias/bbq_sample.jsonl where it exists)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N pairs and N questions, spread over the types.")
    ] = None,
    method: Annotated[
        str, typer.Option("--pairs-method", help="shared (CrowS-Pairs: unmodified tokens) or full (sentence).")
    ] = "shared",
    scoring: Annotated[
        str, typer.Option("--bbq-scoring", help="mean or sum log-probability per option.")
    ] = "mean",
    no_pairs: Annotated[bool, typer.Option("--no-pairs", help="Skip the CrowS-Pairs test.")] = False,
    no_bbq: Annotated[bool, typer.Option("--no-bbq", help="Skip BBQ.")] = False,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Folder for the JSON and HTML reports (default: home/evals).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Bias of a local model from its log-likelihoods: the CrowS-Pairs metric and BBQ accuracy and bias scores.

    CrowS-Pairs: the % of pairs where the model finds the more stereotypical sentence likelier (50 is ideal).
    BBQ: accuracy in ambiguous and disambiguated contexts and the published bias scores (0 is no bias, +1 always
    the stereotype). Without BBQ data (../shared/data absent and no --bbq) only the pairs are measured.

    Example: `steward eval bias --model qwen2.5-coder-0.5b --limit 70`
    """
    from steward.evals import bias

    if method not in ("shared", "full") or scoring not in ("mean", "sum"):
        raise InvalidRequest("--pairs-method is shared or full; --bbq-scoring is mean or sum.")
    pairs_path = None if no_pairs else (pairs or bias.PAIRS)
    bbq_path = None if no_bbq else (bbq_file or bias.default_bbq())
    if bbq_path is None and not no_bbq:
        context.err_console.print("BBQ data not found (../shared/data/bias absent, no --bbq): BBQ is skipped.")
    report = _measure_bias(model, pairs_path, bbq_path, limit, method, scoring)
    report["reports"] = bias.write_reports(report, reports or context.settings().home / "evals")
    if as_json:
        report.pop("rows", None)
        _print_json(report)
        return
    _print_bias(report)


def _measure_bias(
    model: str, pairs: Path | None, bbq_path: Path | None, limit: int | None, method: str, scoring: str
) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from steward.evals.bbq import Scoring
    from steward.evals.bias import measure_model
    from steward.evals.crows import Method

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=context.err_console) as bar:
        tasks: dict[str, Any] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(f"{model} · {label}", total=total)
            bar.update(tasks[label], completed=done)

        return measure_model(
            model,
            pairs,
            bbq_path,
            limit=limit,
            method=cast(Method, method),  # checked against the two methods by the caller
            scoring=cast(Scoring, scoring),
            progress=progress,
            project=context.project(),
            settings=context.settings(),
        )


def _print_bias(report: dict[str, Any]) -> None:
    from steward.evals.bias import BBQ_COLUMNS, CROWS_COLUMNS

    crows, bbq = report.get("crows_pairs"), report.get("bbq")
    if crows:
        title = f"CrowS-Pairs metric · {report['model']} · {crows['method']} tokens · 50 is ideal"
        _print_figures("bias type", CROWS_COLUMNS, {"all": crows, **crows["per_bias_type"]}, title)
    if bbq:
        title = f"BBQ · {report['model']} · {bbq['scoring']} log-probability · bias 0 is none, +1 stereotyped"
        _print_figures("category", BBQ_COLUMNS, {"all": bbq, **bbq["per_category"]}, title)
    files = report["reports"]
    context.console.print(f"{report['seconds']} s · reports: {files['json']}, {files['html']}")
