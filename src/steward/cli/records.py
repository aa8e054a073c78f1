"""`steward records`: list, show and export the governed records (one per request).

Commands only parse options and read through `steward.governance.tenancy`: as the local operator (every team),
or with `--key` as that key (its team only; another team's record reads exactly as a missing one). Rendering
is plain Rich. Export writes JSON Lines, one
`record_to_json` object per line, to stdout or to a file that appears only once complete (written beside it,
then renamed), so an interrupted export never leaves a half-written file that looks whole.
"""

from __future__ import annotations

import os
import sys
import tempfile
import typing
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer
from rich.table import Column, Table

from steward.cli import context
from steward.governance import tenancy
from steward.language import counted
from steward.store.codec import record_to_dict, record_to_json
from steward.types import Record, Status

app = typer.Typer(
    no_args_is_help=True, help="Inspect the governed records: one per request, served, blocked or failed."
)

STATUSES: tuple[str, ...] = typing.get_args(Status)

AppOption = Annotated[str | None, typer.Option("--app", help="Only records of this app.")]
StatusOption = Annotated[
    str | None, typer.Option("--status", help=f"Only records with this status ({', '.join(STATUSES)}).")
]


KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="Read as this API key, its team only (default: $STEWARD_API_KEY, else all teams)."),
]


class ExportFormat(StrEnum):
    jsonl = "jsonl"


def _check_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not a status; use one of {', '.join(STATUSES)}.", param_hint="--status"
        )
    return status


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds") if at else "-"


def _summary(record: Record) -> str:
    if record.error:
        return record.error
    reasons = [reason for decision in record.decisions for reason in decision.reasons]
    if reasons:
        return "; ".join(reasons)
    text = (record.output or "").replace("\n", " ")
    return text[:60] + ("…" if len(text) > 60 else "")


def _say_why_none(key: str | None, filtered: bool) -> None:
    """An empty list means "no records yet" only when there are none at all; otherwise the filters matched none."""
    if filtered and tenancy.records_for(context.open_store(), context.principal(key), limit=1):
        context.err_console.print("no records match these filters; `steward records list` shows the latest.")
    else:
        context.err_console.print("no records yet; send a request with `steward ask` or through the API.")


@app.command("list")
def list_records(
    app_name: AppOption = None,
    status: StatusOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full records as a JSON array.")] = False,
    key: KeyOption = None,
) -> None:
    """List recent records, newest first.

    Example: `steward records list --app airport-assistant --status blocked --limit 10`
    """
    found = tenancy.records_for(
        context.open_store(), context.principal(key), app=app_name, status=_check_status(status), limit=limit
    )
    if as_json:
        sys.stdout.write(
            orjson.dumps([record_to_dict(r) for r in found], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        return
    if not found:
        _say_why_none(key, filtered=app_name is not None or status is not None)
        return
    table = Table("time", "app", "status", "model", "tokens", "ms", "summary")
    # The id is what `records show` takes: never truncate it; the summary gives way first.
    table.columns.insert(0, Column("id", no_wrap=True, min_width=len(found[0].id)))
    table.columns[-1].ratio = 1
    for record in found:
        table.add_row(
            record.id,
            datetime.fromtimestamp(record.created_at).strftime("%m-%d %H:%M:%S"),
            record.app,
            record.status,
            record.model.id if record.model else "-",
            str(record.usage.total_tokens),
            f"{record.latency.total_ms:.0f}",
            _summary(record),
        )
    context.console.print(table)


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(help="The record id (`rec_…`), as `steward records list` shows it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    key: KeyOption = None,
) -> None:
    """Show one record in full: input, output, guardrail decisions, sources, latency, feedback.

    Example: `steward records show rec_0f1e2d3c4b5a69788796a5b4c3d2e1f0`
    """
    record = tenancy.record_for(context.open_store(), context.principal(key), record_id)
    if as_json:
        sys.stdout.write(orjson.dumps(record_to_dict(record), option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console = context.console
    facts = Table.grid(padding=(0, 2))
    model = record.model
    lat = record.latency
    for label, value in (
        ("id", record.id),
        ("created", _when(record.created_at)),
        ("app", record.app),
        ("status", record.status + (f" ({record.error})" if record.error else "")),
        ("key / subject", f"{record.key_id or '-'} / {record.subject or '-'}"),
        ("model", f"{model.id} ({model.backend}, sha256 {model.sha256 or '-'})" if model else "-"),
        ("prompt version", record.prompt_version or "-"),
        ("params", orjson.dumps(record.params).decode()),
        ("finish", record.finish_reason or "-"),
        ("tokens", f"{record.usage.prompt_tokens} in, {record.usage.completion_tokens} out; cost {record.cost:g}"),
        (
            "latency ms",
            f"auth {lat.auth_ms:.1f}, guardrails {lat.guardrails_ms:.1f}, retrieval "
            f"{lat.retrieval_ms:.1f}, model {lat.model_ms:.1f}, total {lat.total_ms:.1f}",
        ),
    ):
        facts.add_row(f"[bold]{label}[/]", str(value))
    console.print(facts)
    console.rule("input")
    for message in record.input:
        console.print(f"[bold]{message.role}[/]: {message.content}", highlight=False)
    console.rule("output")
    console.print(record.output or "-", highlight=False)
    _show_slots(record)


def _show_slots(record: Record) -> None:
    console = context.console
    if record.decisions:
        console.rule("guardrails")
        for decision in record.decisions:
            reasons = ", ".join(decision.reasons) or "-"
            console.print(
                f"[bold]{decision.stage}[/]: {decision.action} ({reasons}) policy {decision.policy or '-'}"
            )
            for f in decision.findings:
                console.print(f"  {f.scanner}/{f.kind} score {f.score:.2f} {f.detail}", highlight=False)
    if record.sources:
        console.rule("sources")
        for source in record.sources:
            console.print(
                f"[{source.index}] {source.uri or source.document_id} score {source.score:.3f}", highlight=False
            )
    if record.explanation:
        console.rule("explanation")
        console.print_json(orjson.dumps(record.explanation).decode())
    if record.feedback:
        console.rule("feedback")
        for given in record.feedback:
            console.print(
                f"{given.score:+d} by {given.by or '-'} at {_when(given.at)}: {given.comment}", highlight=False
            )


@app.command()
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Output format (JSON Lines).")
    ] = ExportFormat.jsonl,
    app_name: AppOption = None,
    status: StatusOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    key: KeyOption = None,
) -> None:
    """Export records, oldest first, as JSON Lines (one record per line).

    Example: `steward records export --format jsonl --app airport-assistant --output records.jsonl`
    """
    output = None if output is None else context.output_file(output, "--output")
    records = tenancy.iter_records_for(
        context.open_store(), context.principal(key), app=app_name, status=_check_status(status)
    )
    assert fmt is ExportFormat.jsonl  # the only format so far; click has already rejected any other
    if output is None:
        count = _write_jsonl(records, sys.stdout.buffer)
        sys.stdout.flush()
    else:
        count = _export_to_file(records, output)
        context.err_console.print(f"exported {counted(count, 'record')} to {output}")


@app.command("reindex-reasons")
def reindex_reasons() -> None:
    """Rebuild the index of records by guardrail reason code from every record's body (local operator only).

    Migration 0016 fills the index from plain bodies; a store whose bodies are encrypted at rest
    (STEWARD_RECORD_KEY) runs this once after upgrading, with its key set, so that `--reason` filters find its
    older records too. Safe to run again; new records are indexed as they are written.

    Example: `STEWARD_RECORD_KEY=… steward records reindex-reasons`
    """
    read = context.open_store().reindex_reasons()
    context.err_console.print(f"indexed the reason codes of {counted(read, 'record')}")


def _write_jsonl(records: typing.Iterable[Record], out: BinaryIO) -> int:
    count = 0
    for record in records:
        out.write(record_to_json(record) + b"\n")
        count += 1
    return count


def _export_to_file(records: typing.Iterable[Record], output: Path) -> int:
    output.parent.mkdir(exist_ok=True)  # `context.output_file` allows the file's own folder only
    fd, partial = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            count = _write_jsonl(records, out)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return count
