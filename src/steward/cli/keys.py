"""`steward keys`: create, list and revoke API keys.

`create` prints the secret alone on stdout and everything else on stderr, so `KEY=$(steward keys create
--role app --apps airport-assistant)` captures just the key. The secret is shown this once: the store keeps
only its sha256. Creating and revoking are audit events naming who acted: the admin key given with `--key`,
else the OS account running the command (`user:<login>`).
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import datetime
from enum import Enum
from typing import Annotated

import orjson
import typer
from rich.table import Column, Table

from steward.cli import context
from steward.cli.gov_common import KeyOption, actor
from steward.governance import access
from steward.store import KEY_ROLES as ROLES
from steward.store import KeyInfo

app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys (stored hashed; shown once).")

RoleChoice = Enum("RoleChoice", {role: role for role in ROLES}, type=str)  # type: ignore[misc]


def _split(values: str | None) -> list[str]:
    return [v.strip() for v in values.split(",")] if values else []


def _scope(info: KeyInfo) -> str:
    return ",".join(info.apps) or "all apps of the team"


@app.command()
def create(
    role: Annotated[RoleChoice, typer.Option("--role", help="What the key may do.", show_default=False)],
    apps: Annotated[
        str | None, typer.Option("--apps", help="Comma-separated apps it may call (default: all).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A label to tell keys apart.")] = None,
    team: Annotated[str, typer.Option("--team", help="The team that owns the key.")] = "default",
    rpm: Annotated[
        int | None, typer.Option("--rpm", min=1, help="Requests per minute (default: no limit).")
    ] = None,
    token_budget: Annotated[
        int | None, typer.Option("--token-budget", min=1, help="Total tokens it may use (default: no limit).")
    ] = None,
    groups: Annotated[
        str | None, typer.Option("--groups", help="Comma-separated document groups it may read through RAG.")
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner",
            help="The person the key belongs to (an e-mail; their SSO e-mail): approvals count people, so two "
            "keys of one owner are one approver.",
        ),
    ] = None,
    key: KeyOption = None,
) -> None:
    """Create an API key and print it once. A key reads and acts on its own team only; a `metrics` key scrapes
    `/metrics` (every team's series) and nothing else. Give a person's key its `--owner`: deployment approvals
    and two-person reviews count owners, not keys (a key without one counts as itself).

    Example: `steward keys create --role app --apps airport-assistant --name kiosk --rpm 60`,
    `steward keys create --role developer --name alice-laptop --owner alice@example.com`
    """
    from steward.governance.tenancy import check_key_apps

    check_key_apps(context.project(), team.strip(), role.value, _split(apps))
    secret, info = access.create_key(
        context.open_store(),
        actor(None, key),
        role.value,
        name=name,
        apps=_split(apps),
        team=team,
        rate_limit_rpm=rpm,
        token_budget=token_budget,
        groups=_split(groups),
        owner=owner,
    )
    err = context.err_console
    owned = f", owner {info.owner}" if info.owner else ""
    err.print(f"created {info.id} ({info.display}): role {info.role}, team {info.team}, {_scope(info)}{owned}")
    sys.stdout.write(secret + "\n")
    sys.stdout.flush()
    err.print("[bold yellow]store this key now[/]: it is shown only this once and cannot be recovered.")


@app.command("list")
def list_keys(
    team: Annotated[str | None, typer.Option("--team", help="Only keys of this team.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as a JSON array.")] = False,
) -> None:
    """List API keys (never their secrets), oldest first; `--json` adds their ids.

    Example: `steward keys list --team default --json`
    """
    keys = context.open_store().list_keys(team)
    if as_json:
        sys.stdout.write(orjson.dumps([asdict(k) for k in keys], option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if not keys:
        context.err_console.print("no API keys yet; create one with `steward keys create --role app`.")
        return
    key_column = Column("key", no_wrap=True, min_width=len(keys[0].display))  # what `keys revoke` takes
    table = Table(
        key_column, "name", "owner", "role", "team", "apps", "rpm", "tokens / budget", "created", "state"
    )
    for k in keys:
        table.add_row(
            k.display,
            k.name or "-",
            k.owner or "-",
            k.role,
            k.team,
            _scope(k),
            str(k.rate_limit_rpm or "-"),
            f"{k.tokens_used} / {k.token_budget or '-'}",
            datetime.fromtimestamp(k.created_at).strftime("%Y-%m-%d"),
            "active" if k.active else "[red]revoked[/]",
        )
    context.console.print(table)


@app.command()
def revoke(
    key: Annotated[
        str, typer.Argument(help="The key's id (`key_…`) or its prefix as listed (`sk-stw-AbCd1234…`).")
    ],
    admin_key: KeyOption = None,
) -> None:
    """Revoke an API key; requests with it are refused from now on.

    Example: `steward keys revoke sk-stw-AbCd1234`
    """
    info = access.revoke_key(context.open_store(), actor(None, admin_key), key)
    assert info.revoked_at is not None
    when = datetime.fromtimestamp(info.revoked_at).astimezone().isoformat(timespec="seconds")
    context.console.print(f"revoked {info.id} ({info.display}), as of {when}")
