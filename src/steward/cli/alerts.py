"""`steward alerts`: the alerts the monitor's rules raised, and silences set or lifted (each an audit event).

Rules live under `monitor.alerts` in steward.yaml and are evaluated by `steward serve`; `steward alerts check`
runs one evaluation pass now (after folding new records), for scripts and for a server-less deployment.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from steward.cli import context
from steward.cli.gov_common import KeyOption, actor
from steward.config.monitor import seconds
from steward.errors import InvalidRequest
from steward.language import counted
from steward.monitor.alerts import silences_over

app = typer.Typer(no_args_is_help=True, help="Alerts raised by the monitor's rules, and their silences.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AlertArg = Annotated[str, typer.Argument(help="The alert's id, as `steward alerts list --all` shows it.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _when(at: float | None) -> str:
    if at is None:
        return "-"
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@app.command("list")
def list_alerts(
    everything: Annotated[bool, typer.Option("--all", help="Resolved alerts too, newest first.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Pending and firing alerts (with --all, resolved ones too), and the silence over each open one.

    Example: `steward alerts list --all --json`
    """
    store = context.open_store()
    found = store.monitoring.alerts(everything=everything)
    silenced = silences_over(store, found, time.time())
    if as_json:
        _print_json([{**alert.as_dict(), "silenced": silenced.get(alert.id)} for alert in found])
        return
    if not found:
        more = "" if everything else " pending or firing; --all shows resolved ones"
        context.err_console.print("no alerts" + more)
        return
    columns = ("id", "rule", "app", "state", "severity", "value", "condition", "since (UTC)", "fired", "resolved",
               "silenced until")  # fmt: skip
    table = Table(*columns)
    for a in found:
        value = "-" if a.value is None else f"{a.value:.4g}"
        until = silenced[a.id]["until"] if a.id in silenced else None
        table.add_row(a.id, a.rule, a.app, a.state, a.severity, value, f"{a.metric} {a.condition}",
                      _when(a.started_at), _when(a.fired_at), _when(a.resolved_at), _when(until))  # fmt: skip
    context.console.print(table)


@app.command()
def silence(
    alert_id: AlertArg,
    duration: Annotated[str, typer.Option("--for", help="How long: 30m, 2h, 1d …")],
    why: Annotated[str, typer.Option("--why", help="The reason, kept with the silence and in the audit log.")],
    as_json: JsonOption = False,
    key: KeyOption = None,
) -> None:
    """Stop an alert's rule from notifying for this app until the silence ends (it still fires and is listed).

    Example: `steward alerts silence alr_0123 --for 2h --why "upstream maintenance, ticket OPS-42"`
    """
    from steward.governance import silences

    if not why.strip():
        raise InvalidRequest('a silence needs a reason: pass --why "…" (it is kept in the audit log).')
    try:
        length = seconds(duration)
    except ValueError as exc:
        raise InvalidRequest(f"--for: {exc}.") from None
    if not 0 < length <= silences.MAX_SILENCE_S:
        raise InvalidRequest(f"--for {duration}: a silence lasts more than 0s and at most 90d; it can be renewed.")
    who = actor(None, key)  # the OS account (`user:<login>`, not $USER), or the key given
    row = silences.silence(context.open_store(), context.project(), who, alert_id, length, why)
    if as_json:
        _print_json(row.__dict__)
    else:
        context.console.print(f"silenced {row.rule} for {row.app} until {_when(row.until)} ({row.id})")


@app.command()
def unsilence(
    alert_id: AlertArg,
    why: Annotated[str, typer.Option("--why", help="The reason, kept in the audit log.")],
    as_json: JsonOption = False,
    key: KeyOption = None,
) -> None:
    """Lift the silences in force over an alert's rule and app before they end: its channels are notified again.

    Example: `steward alerts unsilence alr_0123 --why "maintenance over early, OPS-42 closed"`
    """
    from steward.governance import silences

    if not why.strip():
        raise InvalidRequest('lifting a silence needs a reason: pass --why "…" (it is kept in the audit log).')
    result = silences.unsilence(context.open_store(), context.project(), actor(None, key), alert_id, why)
    if as_json:
        _print_json(result)
    else:
        lifted = result["lifted"]
        which = "the silence" if len(lifted) == 1 else f"{len(lifted)} silences"
        names = ", ".join(s["id"] for s in lifted)
        rule, app_name = lifted[0]["rule"], lifted[0]["app"]
        context.console.print(f"lifted {which} over {rule} for {app_name} ({names}); it notifies again")


@app.command()
def check(as_json: JsonOption = False) -> None:
    """Fold new records and evaluate every rule once now; print the alerts whose state changed.

    Example: `steward alerts check`
    """
    from steward.monitor.alerts import AlertEvaluator
    from steward.monitor.notify import Notifier
    from steward.monitor.worker import RollupWorker

    project, store = context.project(), context.open_store()
    RollupWorker(store, apps=project.apps).catch_up()
    spec = project.monitor
    changed = AlertEvaluator(store, spec, list(project.apps), Notifier(spec.channels)).evaluate(time.time())
    if as_json:
        _print_json([alert.as_dict() for alert in changed])
        return
    for alert in changed:
        context.console.print(f"{alert.rule} {alert.state} for {alert.app} ({alert.id})")
    if not changed:
        context.err_console.print("no alert changed state")


@app.command()
def dataset(
    alert_id: AlertArg,
    name: Annotated[str, typer.Option("--name", help="The dataset's registry name.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSONL rows.")],
    key: KeyOption = None,
) -> None:
    """Turn the window of an alert (a drift or quality alert, say) into a dataset version for retraining.

    The app's consenting served traffic from the rule's window before the alert started until it resolved (or
    now), personal data in every message and answer pseudonymised (`<PERSON_1>`, numbered per row: one value,
    one placeholder, in the prompt and the answer), registered with a lineage edge from the alert. A
    reviewer's correction (`steward review correct`) replaces the model's answer, and brings in a corrected
    record that was not served; each row's `answer_from` says `correction` or `model`.

    Example: `steward alerts dataset alr_0123 --name airport-drift-sft --out data/airport-drift.jsonl`
    """
    from steward.governance import datasets
    from steward.guardrails.redact import personal_data_pseudonymiser

    store, project = context.open_store(), context.project()
    who = actor(None, key)
    window = datasets.alert_window(store, project, alert_id, who)
    alert, since, until = window.alert, window.since, window.until
    out = context.output_file(out, "--out")
    built = datasets.build_from_records(
        store,
        project,
        alert.app,
        name,
        who,
        out,
        since=since,
        until=until,
        redact=personal_data_pseudonymiser(),
        description=window.about,
        corrections=True,
        parents=((f"alert:{alert.id}", "triggered"),),  # in the same transaction: never a dataset without it
    )
    context.console.print(
        f"registered {built.version.ref}: {counted(built.rows, 'row')} from {_when(since)} to {_when(until)}, "
        f"written to {built.path}, personal data pseudonymised; lineage alert:{alert.id} → {built.version.ref}"
    )
