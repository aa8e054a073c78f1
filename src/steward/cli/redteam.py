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
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Folder for the JSON and HTML reports.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Red-team scan: injection, jailbreaks, prompt leakage, PII, toxicity, output handling, bias, hallucination.

    Example: `steward redteam airport-assistant --min-pass-rate 0.9`
    """
    from rich.progress import Progress

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
    pipeline = ClientPipeline(context.client())
    try:
        with Progress(transient=True, console=context.err_console) as bar:
            task = bar.add_task(f"probing {app_name}", total=None)
            run = run_redteam(
                pipeline,
                app_name,
                reports,
                families=families,
                seed=seed,
                gates=gates,
                parallelism=parallelism,
                progress=lambda d, t: bar.update(task, completed=d, total=t),
            )
    finally:
        pipeline.close()
    _print(run, as_json)
    if not run.passed:
        raise typer.Exit(1)


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
    for score in run.summary:
        detail = score.get("detail") or {}
        failing = detail.get("failing_examples") or []
        value = "–" if score["value"] is None else f"{score['value']:.2f}"
        first = f"{failing[0]['probe']}: {failing[0]['why']}" if failing else ""
        table.add_row(
            score["name"].removesuffix("_pass_rate"), detail.get("owasp", ""), value, str(score["scored"]), first
        )
    context.console.print(table)
    context.console.print(f"run {run.id}; reports: {run.reports.get('html')}")
