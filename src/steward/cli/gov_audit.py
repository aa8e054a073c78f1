"""`steward audit`: list the hash-chained audit log, verify it, print its head for anchoring elsewhere.

`verify` exits 1 and names the first broken event when any stored event was edited, removed or reordered, or
when a governed row (registry version, deployment, approval...) matches no audit event.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from steward.cli import context
from steward.cli.gov_common import AsOption, JsonOption, KeyOption, TeamOption, actor, print_json, when
from steward.errors import InvalidRequest
from steward.governance import audit

app = typer.Typer(no_args_is_help=True, help="The append-only, hash-chained audit log of governance actions.")


@app.command("list")
def list_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 50,
    action: Annotated[
        str | None, typer.Option("--action", help="Action prefix, e.g. deployment. or privacy.")
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Subject prefix, e.g. deployment:dep_…")] = None,
    team: TeamOption = None,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """List audit events, newest first (who, what, when, before/after hashes).

    Example: `steward audit list --action deployment. --json`
    """
    from steward.guardrails.review import blind_events

    who = actor(as_user, key)
    store = context.open_store()
    events = audit.list_events(store, team=who.scope(team), subject=subject, action=action, limit=limit)
    events = blind_events(store, who, events)  # a developer reads no first label of two until both are in
    if as_json:
        print_json([e.as_dict() for e in events])
        return
    table = Table("#", "when", "who", "action", "subject", "before → after")
    for e in events:
        change = f"{(e.before_hash or '-')[7:19]} → {(e.after_hash or '-')[7:19]}"
        table.add_row(str(e.seq), when(e.at), escape(e.actor), escape(e.action), escape(e.subject), change)
    context.console.print(table)


def _anchor(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise InvalidRequest("--anchor is SEQ:HASH as printed by `steward audit head`.")
    return int(seq), digest


@app.command("verify")
def verify_command(
    anchor: Annotated[
        str | None, typer.Option("--anchor", help="SEQ:HASH from `steward audit head`, kept elsewhere.")
    ] = None,
    shallow: Annotated[
        bool, typer.Option("--shallow", help="Check only the chain, not the governed rows.")
    ] = False,
    unsealed_until: Annotated[
        int, typer.Option("--unsealed-until", min=0, help="Events up to this one predate STEWARD_AUDIT_KEY.")
    ] = 0,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Verify the audit chain, every governed row, API keys and records (exit 1 naming each problem and where).

    Example: `steward audit verify --anchor 1042:9f2c…`
    """
    actor(as_user, key)  # any identity may verify, auditors included
    result = audit.verify(
        context.open_store(), deep=not shallow, anchor=_anchor(anchor), unsealed_until=unsealed_until
    )
    if as_json:
        print_json(result.as_json())
    elif result.ok:
        sealed = "sealed with the audit key" if result.events and not result.unkeyed else "plain sha256"
        context.console.print(
            f"[green]intact[/]: {result.events} events ({sealed}), head #{result.head_seq} "
            f"{result.head_hash[:16]}…, {result.rows_checked} governed rows match their events, "
            f"{result.keys_checked} API keys, {result.reviews_checked} review items, "
            f"{result.corrections_checked} corrections, {result.labels_checked} review labels, "
            f"{result.silences_checked} alert silences and "
            f"{result.records_checked} sealed records as Steward "
            "wrote them "
            f"(integrity key: {result.integrity_key or 'not checked'})",
            highlight=False,
        )
    else:
        for problem in result.problems or [result.problem or "the audit chain did not verify"]:
            context.err_console.print(f"[bold red]broken[/]: {problem}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@app.command("head")
def head_command(as_user: AsOption = None, key: KeyOption = None) -> None:
    """Print SEQ:HASH of the newest event, to keep outside the database (detects truncation later).

    Example: `steward audit head >> audit-anchors.txt`
    """
    actor(as_user, key)
    result = audit.verify(context.open_store(), deep=False)
    print(f"{result.head_seq}:{result.head_hash}")
