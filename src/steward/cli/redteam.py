"""`steward redteam APP`: probe an app for OWASP Top 10 (LLM) weaknesses through the governed pipeline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from steward.cli import context

app = typer.Typer(no_args_is_help=True)


@app.command("redteam")
def redteam_command(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app to probe.")],
    family: Annotated[
        list[str] | None, typer.Option("--family", help="Only these probe families (repeatable).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the canaries.")] = 0,
    min_pass_rate: Annotated[
        float | None,
        typer.Option("--min-pass-rate", min=0, max=1, help="Fail (exit 1) when a family passes less often."),
    ] = None,
    parallelism: Annotated[int, typer.Option("--parallelism", min=1, help="Probes in flight at once.")] = 2,
    bias_limit: Annotated[
        int,
        typer.Option(
            "--bias-limit", min=0, help="CrowS-Pairs pairs and BBQ questions for the app's local model (0: none)."
        ),
    ] = 28,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Folder for the JSON and HTML reports.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Red-team scan: injection, jailbreaks, prompt leakage, PII, toxicity, output handling, bias, hallucination.

    With the bias family, the app's own local model is also measured from its log-likelihoods (CrowS-Pairs
    metric, BBQ accuracy and bias scores on --bias-limit items), beside the counterfactual pair check.

    Families run one after the other; each family's pass rate is printed as soon as it is judged (on a terminal
    under a progress bar, otherwise one line per family on stderr), so a long scan shows where it is.

    Example: `steward redteam airport-assistant --min-pass-rate 0.9`
    """
    from steward.evals.pipeline import ClientPipeline
    from steward.evals.probes import FAMILIES
    from steward.evals.redteam import run_redteam
    from steward.evals.suite import Gate

    families = tuple(family or FAMILIES)
    gates = (
        [Gate(metric=f"{f}_pass_rate", op=">=", threshold=min_pass_rate) for f in families]
        if min_pass_rate is not None
        else []
    )
    err = context.err_console
    err.print(f"redteam {app_name}: starting the gateway (models, guardrails, knowledge base)…", highlight=False)
    pipeline = ClientPipeline(context.client())
    try:
        with _Reporter(app_name, err) as reporter:
            run = run_redteam(
                pipeline,
                app_name,
                reports,
                families=families,
                seed=seed,
                gates=gates,
                parallelism=parallelism,
                model_bias_limit=bias_limit,
                progress=reporter.progress,
                on_family=reporter.family,
            )
    finally:
        pipeline.close()
    _print(run, as_json)
    if not run.passed:
        raise typer.Exit(1)


class _Reporter:
    """Progress of a scan: a rich bar on a terminal, plain lines otherwise; each family's result as it comes."""

    def __init__(self, app_name: str, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.app_name = app_name
        self.console = console
        self.bar = (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            if console.is_terminal
            else None
        )
        self.task: Any = None

    def __enter__(self) -> _Reporter:
        if self.bar is not None:
            self.bar.__enter__()
            self.task = self.bar.add_task(f"probing {self.app_name}", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)  # type: ignore[arg-type]

    def progress(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def family(self, name: str, probes: int, score: dict[str, Any] | None) -> None:
        if score is None:
            if self.bar is not None:
                self.bar.update(self.task, description=f"probing {self.app_name} · {name}")
            else:
                self.console.print(f"  {name}: {probes} probes…", highlight=False)
            return
        value = "–" if score["value"] is None else f"{score['value']:.2f}"
        failing = (score.get("detail") or {}).get("failing_examples") or []
        first = f"; first failure {failing[0]['probe']}: {failing[0]['why']}" if failing else ""
        self.console.print(f"  {name}: pass rate {value} ({score['scored']} scored){first}", highlight=False)


def _print(run: Any, as_json: bool) -> None:
    if as_json:
        summary = {
            "run": run.id,
            "passed": run.passed,
            "scores": run.summary,
            "gates": run.gates,
            "reports": run.reports,
        }
        sys.stdout.write(json.dumps(summary, indent=1, default=str) + "\n")
        return
    table = Table("family", "OWASP", "pass rate", "probes", "first failure")
    model_bias = [s for s in run.summary if (s.get("detail") or {}).get("model_bias")]
    for score in run.summary:
        detail = score.get("detail") or {}
        if detail.get("model_bias"):
            continue
        failing = detail.get("failing_examples") or []
        value = "–" if score["value"] is None else f"{score['value']:.2f}"
        first = f"{failing[0]['probe']}: {failing[0]['why']}" if failing else ""
        table.add_row(
            score["name"].removesuffix("_pass_rate"), detail.get("owasp", ""), value, str(score["scored"]), first
        )
    context.console.print(table)
    for score in model_bias:  # the raw model's own bias, beside the app's pair check
        detail = score["detail"]
        value = "–" if score["value"] is None else f"{score['value']:.3f}"
        context.console.print(f"  {score['name']}: {value} {detail.get('why', '')}", highlight=False)
    context.console.print(f"run {run.id}; reports: {run.reports.get('html')}")
