"""What the governance commands share: who is acting (`--as` / `--key`), JSON output, dates.

A command acts as a named local operator (`--as alice`, default: the OS login name) or as an API key
(`--key sk-stw-…`, or the `STEWARD_GOVERNANCE_KEY` environment variable), whose role and team then apply:
an auditor key may read and verify but not change, a key of one team never sees another team's data.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from steward.cli import context
from steward.errors import AuthenticationError
from steward.registry.identity import Actor

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this named operator (default: your login name).", show_default=False),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="STEWARD_GOVERNANCE_KEY",
        show_default=False,
        help="Act as this API key (its role and team apply) instead of a named operator.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TeamOption = Annotated[str | None, typer.Option("--team", help="Only this team (keys always see only their own).")]


def actor(as_user: str | None, key: str | None) -> Actor:
    if as_user and key:
        raise typer.BadParameter("give --as or --key, not both.")
    if key:
        info = context.open_store().find_key(key.strip())
        if info is None:
            raise AuthenticationError(
                "unknown or revoked API key; check it, or use --as NAME as a local operator."
            )
        return Actor.from_key(info)
    return Actor.user(as_user)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")


def when(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S") if at else "-"
