"""`steward tools`: the tool registry of steward.yaml, and a dry check of one tool call."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from steward.cli import context
from steward.errors import InvalidRequest, NotFound

app = typer.Typer(no_args_is_help=True, help="The tool registry: which tools each app may call, and how.")


@app.command("list")
def list_tools(
    app_name: Annotated[
        str | None, typer.Argument(metavar="APP", help="Only the tools this app may call.")
    ] = None,
) -> None:
    """List the declared tools: risk, who may call them, rate limit, approval rule, personal data admitted.

    Example: `steward tools list banking`
    """
    from steward.agents import ToolRegistry

    project = context.project()
    if app_name is not None and app_name not in project.apps:
        raise NotFound(f"unknown app {app_name!r}; apps: {', '.join(sorted(project.apps)) or 'none'}.")
    tools = ToolRegistry(project).allowed(app_name) if app_name else project.tools
    table = Table("tool", "risk", "apps", "teams", "rate", "approval", "personal data", "provenance")
    for name, spec in tools.items():
        rate = f"{spec.rate.calls}/{spec.rate.seconds:g}s" if spec.rate else "-"
        approval = spec.approval.when + (
            f" {spec.approval.argument}>{spec.approval.limit:g}" if spec.approval.limit else ""
        )
        table.add_row(
            name,
            spec.risk,
            ", ".join(spec.apps) if spec.apps is not None else "(listing apps)",
            ", ".join(spec.teams) if spec.teams is not None else "any",
            rate,
            approval,
            ", ".join(spec.personal_data) or "none",
            ", ".join(spec.provenance) or "-",
        )
    context.console.print(table)


@app.command()
def check(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app whose model would make the call.")],
    tool: Annotated[str, typer.Argument(help="The tool called.")],
    arguments: Annotated[str, typer.Argument(help="The call's arguments, a JSON object.")] = "{}",
    prompt: Annotated[str, typer.Option(help="The user's message (provenance: where values may come from).")] = "",
) -> None:
    """Check one tool call as the gateway would (schema, allowed, secrets, personal data, provenance), without
    calling anything and without a rate-limit count. Exit status 1 when the call would be refused.

    Example: `steward tools check banking send_money '{"recipient": "GB33BUKB20201555555555", "amount": 10}'
    --prompt "pay GB33BUKB20201555555555"`
    """
    from steward.agents import ToolCallChecker, ToolRegistry, Trace
    from steward.types import Message, ToolCall

    project = context.project()
    if app_name not in project.apps:
        raise NotFound(f"unknown app {app_name!r}; apps: {', '.join(sorted(project.apps)) or 'none'}.")
    try:
        json.loads(arguments)
    except ValueError:
        raise InvalidRequest(f"the arguments are not JSON: {arguments[:80]!r}; give a JSON object.") from None
    offered = ToolRegistry(project).allowed(app_name)
    spec = project.apps[app_name]
    trace = Trace.of_user([Message("user", prompt)])
    checker = ToolCallChecker()
    checker.limiter.admit = lambda *_: True  # type: ignore[method-assign]  # a dry check counts nothing
    verdict = checker.check(ToolCall("check", tool, arguments), offered, spec.agent, spec.team, trace)
    if verdict.allowed:
        approval = " (a human must approve it)" if verdict.needs_approval else ""
        context.console.print(f"[green]allowed[/]: {tool}{approval}")
        return
    for finding in verdict.findings:
        context.console.print(f"[red]refused[/] tool:{finding.kind}:{tool}: {finding.detail}")
    raise typer.Exit(1)
