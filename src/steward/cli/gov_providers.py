"""`steward providers`: canary checks that detect a silent change of a remote model.

`check` probes every remote (openai-backend) model, or the ones named, and exits 1 when one changed; the
change is stored, logged as an alert and appended to the audit log until someone `accept`s it.
`--every SECONDS` repeats the check (for a long-running scheduler; cron works as well).
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from steward.cli import context
from steward.cli.gov_common import AsOption, JsonOption, KeyOption, actor, print_json, when
from steward.errors import InvalidRequest
from steward.governance import providers

app = typer.Typer(no_args_is_help=True, help="Detect silent changes of remote models with canary prompts.")


@app.command()
def check(
    models: Annotated[
        list[str] | None, typer.Argument(help="Models to check (default: every remote model).")
    ] = None,
    every: Annotated[float | None, typer.Option("--every", min=1, help="Repeat every this many seconds.")] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.01, max=1.0, help="Share of changed answers that counts as a change."),
    ] = 0.5,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Send the canary prompts and compare answers and reported fingerprints with the baseline.

    Example: `steward providers check --every 3600`
    """
    project, store, who = context.project(), context.open_store(), actor(as_user, key)
    names = models or providers.remote_models(project)
    if not names:
        raise InvalidRequest("steward.yaml declares no remote (openai backend) model; name a model to check.")
    while True:
        results = [
            providers.check(store, project, name, who, settings=context.settings(), threshold=threshold)
            for name in names
        ]
        if as_json:
            print_json([{f: getattr(r, f) for f in r.__dataclass_fields__} for r in results])
        else:
            for r in results:
                state = "[red]CHANGED[/]" if r.changed else ("baseline" if r.accepted else "unchanged")
                context.console.print(f"{r.model}: {state} — {r.reason} ({r.id})")
        if every is None:
            break
        time.sleep(every)
    if any(r.changed for r in results):
        raise typer.Exit(1)


@app.command()
def accept(
    model: Annotated[str, typer.Argument(help="The model whose newest check becomes the baseline.")],
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Accept the newest behaviour of a model as its baseline, after reviewing the change (audited).

    Example: `steward providers accept gpt-4o-mini --as alice`
    """
    result = providers.accept(context.open_store(), model, actor(as_user, key), context.project())
    context.console.print(f"{model}: check {result.id} is now the baseline")


@app.command()
def history(
    model: Annotated[str | None, typer.Argument(help="Only this model.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Past checks, newest first.

    Example: `steward providers history gpt-4o-mini`
    """
    found = providers.history(context.open_store(), model, limit)
    if as_json:
        print_json([{f: getattr(r, f) for f in r.__dataclass_fields__} for r in found])
        return
    table = Table("when", "model", "result", "reported", "check")
    for r in found:
        table.add_row(
            when(r.at),
            r.model,
            r.reason if r.changed else ("baseline" if r.accepted else "unchanged"),
            ", ".join(r.reported) or "-",
            r.id,
        )
    context.console.print(table)
