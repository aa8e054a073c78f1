"""`steward compliance`: classify an app's EU AI Act risk tier, check its controls, export the evidence pack.

`classify` asks the questionnaire interactively, or takes `--answer ID=yes|no` for every question (scripts,
CI). `check` lists satisfied and missing controls with evidence and exits 1 when any is missing. `pack`
writes the self-contained HTML and the JSON evidence bundle. `attest` records a person's statement for the
controls that allow one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from steward.cli import context
from steward.cli.gov_common import AsOption, JsonOption, KeyOption, actor, print_json
from steward.errors import InvalidRequest
from steward.governance import compliance, pack

app = typer.Typer(no_args_is_help=True, help="EU AI Act risk tiers, required controls and evidence packs.")

AppArg = Annotated[str, typer.Argument(help="The app, as named in steward.yaml.")]
YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0")


def _answers(given: list[str]) -> dict[str, bool]:
    if not given:  # interactive
        context.console.print("Answer each question with y or n (EU AI Act risk classification).")
        return {q.id: typer.confirm(f"[{q.article}] {q.text}", default=False) for q in compliance.questionnaire()}
    out: dict[str, bool] = {}
    for item in given:
        qid, sep, value = item.partition("=")
        if not sep or value.strip().lower() not in YES + NO:
            raise InvalidRequest(f"--answer {item!r}: write QUESTION=yes or QUESTION=no.")
        out[qid.strip()] = value.strip().lower() in YES
    return out


@app.command()
def classify(
    app_name: AppArg,
    answer: Annotated[
        list[str] | None, typer.Option("--answer", help="QUESTION=yes|no for every question.")
    ] = None,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Assess the app's risk tier with the questionnaire and record it (audited).

    Example: `steward compliance classify claims-bot --answer annex_iii_use=yes --answer ...`
    """
    row = compliance.classify(
        context.open_store(), context.project(), app_name, _answers(answer or []), actor(as_user, key)
    )
    declared = context.project().app(app_name).risk_tier
    context.console.print(f"{app_name}: assessed [bold]{row['tier']}[/] (steward.yaml declares {declared})")
    if row["tier"] != declared:
        context.console.print(f"set `risk_tier: {row['tier']}` under apps.{app_name} in steward.yaml")


@app.command()
def check(app_name: AppArg, as_json: JsonOption = False, as_user: AsOption = None, key: KeyOption = None) -> None:
    """List the controls the app's tier requires: satisfied (with evidence) or missing (with what to do).

    Example: `steward compliance check airport-assistant`
    """
    report = compliance.check(context.open_store(), context.project(), app_name, actor(as_user, key))
    if as_json:
        print_json(report.as_dict())
    else:
        context.console.print(
            f"{app_name}: tier [bold]{report.tier}[/] (declared {report.declared_tier}, "
            f"assessed {report.assessed_tier or 'not yet'})"
        )
        table = Table("control", "article", "status", "evidence / to do")
        for c in report.controls:
            status = "[green]satisfied[/]" if c.satisfied else "[red]missing[/]"
            table.add_row(c.id, c.article, status, c.evidence if c.satisfied else f"{c.evidence}. {c.fix}")
        context.console.print(table)
    if report.missing:
        raise typer.Exit(1)


@app.command("pack")
def pack_command(
    app_name: AppArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the HTML and JSON files.")] = Path("compliance"),
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Export the evidence bundle: model and data cards, evals, red-team, deployments, audit excerpt.

    Example: `steward compliance pack airport-assistant --out evidence/`
    """
    html, json_path, built = pack.export(
        context.open_store(), context.project(), app_name, actor(as_user, key), out
    )
    missing = [c["id"] for c in built["compliance"]["controls"] if not c["satisfied"]]
    context.console.print(
        f"wrote {html} and {json_path} (digest {built['digest'][:19]}…); "
        f"{len(missing)} missing control(s){': ' + ', '.join(missing) if missing else ''}"
    )


@app.command()
def attest(
    app_name: AppArg,
    control: Annotated[str, typer.Argument(help="An attestable control id, e.g. transparency_notice.")],
    evidence: Annotated[
        str, typer.Option("--evidence", help="Where it is shown, or the document that proves it.")
    ],
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Record that an organisational control is in place, signed by you (audited).

    Example: `steward compliance attest airport-assistant transparency_notice --evidence "chat header, v2.3"`
    """
    row = compliance.attest(
        context.open_store(), context.project(), app_name, control, evidence, actor(as_user, key)
    )
    context.console.print(f"attested {control} for {app_name} as {row['by']}")
