"""`steward deploy | promote | rollback | approve | deployments` and `steward approvers`: releases of an app.

Example flow for a high-risk app:

    steward registry apply                                   # steward.yaml → registry versions
    steward deploy claims-bot --model qwen2.5-coder-0.5b --canary 10
    steward eval run suites/claims.yaml                      # a variant routed to the candidate must pass
    steward approvers add --key-id key_alice… --team claims  # an admin grants each approver's own key,
    steward approvers add --owner bob@example.com --team claims  # or a person: their keys and their SSO
    steward approve claims-bot --key $ALICE_KEY && steward approve claims-bot --key $BOB_KEY
    steward promote claims-bot                               # refused until the eval and two approvals exist
    steward rollback claims-bot                              # instant, one command
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from steward.cli import context
from steward.cli.gov_common import AsOption, JsonOption, KeyOption, TeamOption, actor, print_json, when
from steward.governance import approvers as approver_registry
from steward.governance import deployments

commands = typer.Typer()
approvers = typer.Typer(no_args_is_help=True, help="Who may approve releases of high-risk apps (per team).")

AppArg = Annotated[str, typer.Argument(help="The app, as named in steward.yaml.")]
OwnerOption = Annotated[
    str | None,
    typer.Option("--owner", help="The approver as a person (e-mail): every key they own and their SSO session."),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept in the history and the audit log).")]


def _show(dep: deployments.Deployment, verb: str) -> None:
    traffic = ", ".join(f"{m} {w:.1f} %" for m, w in dep.traffic())
    staged = (
        f"; staged: {dep.candidate.model} (0 %, blue/green)" if dep.candidate and not dep.candidate.share else ""
    )
    context.console.print(f"{verb} {dep.app} (#{dep.seq}, {dep.id}): {traffic}{staged}")


@commands.command()
def deploy(
    app_name: AppArg,
    model: Annotated[
        str, typer.Option("--model", help="Model version: NAME, NAME@VERSION or model:NAME@VERSION.")
    ],
    canary: Annotated[float | None, typer.Option("--canary", help="Send this percent of requests to it.")] = None,
    ab: Annotated[
        float | None, typer.Option("--ab", help="A/B split, sticky per subject (percent to it).")
    ] = None,
    blue_green: Annotated[
        bool, typer.Option("--blue-green", help="Stage it with no traffic; promote switches.")
    ] = False,
    note: NoteOption = None,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Put a model version in flight for an app: canary %, sticky A/B, or staged blue/green (the default).

    Example: `steward deploy airport-assistant --model qwen2.5-coder-0.5b --canary 10`
    """
    dep = deployments.deploy(
        context.open_store(),
        context.project(),
        app_name,
        model,
        actor(as_user, key),
        canary=canary,
        ab=ab,
        blue_green=blue_green,
        note=note,
        models_dir=context.settings().models_dir,
        config=context.settings().config,
    )
    _show(dep, "deployed to")


@commands.command()
def promote(
    app_name: AppArg,
    eval_run: Annotated[
        str | None, typer.Option("--eval", help="The eval run to cite (default: newest that qualifies).")
    ] = None,
    note: NoteOption = None,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Make the candidate the app's whole route. Needs a passing eval run of it; high-risk apps two approvals.

    Example: `steward promote airport-assistant`
    """
    dep = deployments.promote(
        context.open_store(), context.project(), app_name, actor(as_user, key), eval_run=eval_run, note=note
    )
    _show(dep, "promoted")


@commands.command()
def rollback(app_name: AppArg, note: NoteOption = None, as_user: AsOption = None, key: KeyOption = None) -> None:
    """Instantly drop the candidate in flight, or return to the previous release.

    Example: `steward rollback airport-assistant`
    """
    dep = deployments.rollback(context.open_store(), context.project(), app_name, actor(as_user, key), note=note)
    _show(dep, "rolled back")


@commands.command()
def approve(app_name: AppArg, note: NoteOption = None, as_user: AsOption = None, key: KeyOption = None) -> None:
    """Approve the app's candidate with your own approver key (never your own deployment).

    Two approvals are two different people, each granted with `steward approvers add --key-id` or `--owner`; a
    name is not an identity, so the key is required (`--key` or STEWARD_GOVERNANCE_KEY), and the audit event names
    it and its owner. Two keys of one owner are one approver: the second approval is refused.

    Example: `steward approve claims-bot --key $MY_KEY --note "reviewed eval run evr_…"`
    """
    row = deployments.approve(context.open_store(), context.project(), app_name, actor(as_user, key), note=note)
    person = f" ({row['person']})" if row.get("person") else ""
    context.console.print(f"approved {app_name}'s candidate ({row['deployment_id']}) as {row['approver']}{person}")


@commands.command("deployments")
def deployments_command(
    app_name: AppArg,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 20,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Show an app's deployment history, newest first, with its traffic and approvals.

    Example: `steward deployments airport-assistant`
    """
    store = context.open_store()
    found = deployments.history(store, actor(as_user, key), context.project(), app_name, limit)
    if as_json:
        print_json([d.as_dict() | {"approvals": deployments.approvals(store, d.id)} for d in found])
        return
    if not found:
        context.err_console.print(f"{app_name} has no deployments: it serves steward.yaml's route.")
        return
    table = Table("#", "action", "traffic", "candidate", "by", "when", "note")
    for d in found:
        cand = f"{d.candidate.model}@{d.candidate.version} ({d.candidate.strategy})" if d.candidate else "-"
        table.add_row(
            str(d.seq),
            d.action,
            ", ".join(f"{m} {w:.0f}%" for m, w in d.traffic()),
            cand,
            d.created_by,
            when(d.created_at),
            d.note or "",
        )
    context.console.print(table)


@approvers.command("add")
def approvers_add(
    name: Annotated[str | None, typer.Argument(hidden=True)] = None,
    key_id: Annotated[str | None, typer.Option("--key-id", help="The approver's API key id / prefix.")] = None,
    owner: OwnerOption = None,
    team: Annotated[str, typer.Option("--team", help="The team whose releases they may approve.")] = "default",
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Grant the approver capability to a person's own admin or developer key, or to the person (`--owner`:
    every key they own and their single sign-on session), admins only; audited.

    Example: `steward approvers add --key-id key_01HX… --team claims`, `steward approvers add --owner
    alice@example.com --team claims`
    """
    store = context.open_store()
    row = approver_registry.grant(
        store, actor(as_user, key), team, approver_registry.principal_for(store, name, key_id, owner)
    )
    context.console.print(f"{row['principal']} may now approve releases of team {team}")


@approvers.command("remove")
def approvers_remove(
    name: Annotated[
        str | None, typer.Argument(help="A principal as listed (`key:…`, `person:…` or an old `user:…`).")
    ] = None,
    key_id: Annotated[str | None, typer.Option("--key-id", help="The approver's API key id / prefix.")] = None,
    owner: OwnerOption = None,
    team: Annotated[str, typer.Option("--team")] = "default",
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Revoke the approver capability; their approvals stop counting for candidates not yet promoted.

    Example: `steward approvers remove --key-id key_01HX… --team claims`
    """
    store = context.open_store()
    listed = name if name and ":" in name and not (key_id or owner) else None  # as `approvers list` shows it
    principal = listed or approver_registry.principal_for(store, name, key_id, owner)
    row = approver_registry.revoke(store, actor(as_user, key), team, principal)
    context.console.print(f"{row['principal']} may no longer approve releases of team {team}")


@approvers.command("list")
def approvers_list(
    team: TeamOption = None, as_json: JsonOption = False, as_user: AsOption = None, key: KeyOption = None
) -> None:
    """List approvers, active and revoked.

    Example: `steward approvers list --team claims`
    """
    rows = approver_registry.listing(context.open_store(), actor(as_user, key), team)
    if as_json:
        print_json(rows)
        return
    table = Table("team", "approver", "granted", "by", "state")
    for r in rows:
        table.add_row(
            r["team"],
            r["principal"],
            when(r["granted_at"]),
            r["granted_by"],
            "revoked" if r["revoked_at"] else "active",
        )
    context.console.print(table)
