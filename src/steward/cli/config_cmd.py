"""`steward config`: validate and inspect steward.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from steward.cli import context
from steward.config import check_installed_scanners, load_project

app = typer.Typer(no_args_is_help=True, help="Validate and inspect steward.yaml.")


@app.command()
def check(
    file: Annotated[
        Path | None, typer.Argument(help="The file to check (default: the nearest steward.yaml).")
    ] = None,
) -> None:
    """Validate a steward.yaml; errors name file:line and what to change.

    Also checks that every scanner a policy names under `plugins:` is installed (no model is loaded).

    Example: `steward config check steward.yaml`
    """
    project = load_project(file) if file else context.project()
    check_installed_scanners(project)
    table = Table("app", "owner", "risk tier", "route", "prompt version", "policy", "rag")
    for name, spec in project.apps.items():
        route = ", ".join(f"{r.model}×{r.weight:g}" for r in spec.route)
        if spec.fallback:
            route += " → " + ", ".join(spec.fallback)
        table.add_row(
            name, spec.owner, spec.risk_tier, route, spec.prompt.version, spec.policy or "-", spec.rag or "-"
        )
    context.console.print(
        f"[green]valid[/]: {project.source} ({len(project.models)} models, {len(project.apps)} apps)"
    )
    context.console.print(table)
