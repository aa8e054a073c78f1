"""`steward privacy`: retention, erasure of a data subject, and encryption of record bodies at rest.

Example: `steward privacy erase --subject traveller-42` removes that subject's records, feedback and dataset
rows and logs the erasure (by a pseudonym, never the id); `steward privacy enforce` applies every app's
retention; `steward privacy keygen` prints a key for STEWARD_RECORD_KEY and `steward privacy encrypt` seals
existing bodies with it (or re-seals them under a new first key).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from steward.cli import context
from steward.cli.gov_common import AsOption, JsonOption, KeyOption, actor, print_json
from steward.errors import InvalidRequest
from steward.governance import privacy
from steward.store.crypto import generate_key

app = typer.Typer(no_args_is_help=True, help="Retention, erasure and encryption at rest of personal data.")


class Mode(StrEnum):
    delete = "delete"
    anonymise = "anonymise"


@app.command()
def erase(
    subject: Annotated[str, typer.Option("--subject", help="The subject id the app sent with its requests.")],
    mode: Annotated[Mode, typer.Option("--mode", help="delete the records, or anonymise them.")] = Mode.delete,
    team: Annotated[
        str | None, typer.Option("--team", help="Only this team's records (keys: always theirs).")
    ] = None,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Erase one data subject: records, feedback and dataset rows, in one transaction; logged.

    Example: `steward privacy erase --subject traveller-42`
    """
    result = privacy.erase_subject(context.open_store(), subject, actor(as_user, key), mode=mode.value, team=team)
    if as_json:
        print_json(
            {
                "mode": result.mode,
                "records": result.records,
                "feedback": result.feedback,
                "datasets": result.datasets,
            }
        )
        return
    rows = sum(result.datasets.values())
    context.console.print(
        f"{'deleted' if mode is Mode.delete else 'anonymised'} {result.records} records, "
        f"{result.feedback} feedback entries and {rows} dataset rows of that subject"
    )


@app.command()
def enforce(
    app_name: Annotated[str | None, typer.Option("--app", help="Only this app.")] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Override: keep records this many days.")
    ] = None,
    mode: Annotated[Mode, typer.Option("--mode", help="With --days: delete or anonymise.")] = Mode.delete,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Apply retention: every app's declared `retention`, or `--app A --days N` explicitly. Run it daily.

    Example: `steward privacy enforce --app airport-assistant --days 30 --mode anonymise`
    """
    store, project, who = context.open_store(), context.project(), actor(as_user, key)
    if days is not None:
        if app_name is None:
            raise InvalidRequest("--days needs --app; declared retentions apply per app.")
        spec = project.app(app_name, team=who.team)
        results = {
            app_name: privacy.enforce_retention(
                store, app_name, spec.team, privacy.Retention(days, mode.value), who
            )
        }
    else:
        results = privacy.enforce_all(store, project, who)
        if app_name is not None:
            results = {k: v for k, v in results.items() if k == app_name}
    if not results:
        context.err_console.print("no app declares `retention`; nothing to do (or give --app and --days).")
    for name, result in results.items():
        context.console.print(f"{name}: {result.records} records {result.mode}d")


@app.command()
def keygen() -> None:
    """Print a new key for STEWARD_RECORD_KEY (keep it in your secret store; losing it loses the bodies).

    Example: `export STEWARD_RECORD_KEY=$(steward privacy keygen)`
    """
    print(generate_key())


@app.command()
def encrypt(as_user: AsOption = None, key: KeyOption = None) -> None:
    """Seal every record body with STEWARD_RECORD_KEY (re-seal under its first key after a rotation).

    Example: `STEWARD_RECORD_KEY=$(steward privacy keygen) steward privacy encrypt`
    """
    count = privacy.reseal_bodies(context.open_store(), actor(as_user, key))
    context.console.print(f"sealed {count} record bodies")
