"""What the governance commands share: who is acting (`--key`), JSON output, dates.

A command acts as the local operator (`user:<OS account>`, taken from the operating system, never typed) or as
an API key (`--key sk-stw-…`, or the `STEWARD_GOVERNANCE_KEY` environment variable), whose role and team then
apply: an auditor key may read and verify but not change, a key of one team never sees another team's data.
Approvals need a key: a name typed on the command line proves nothing, so `--as` is refused with that advice.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from steward.cli import context
from steward.errors import AuthenticationError, InvalidRequest
from steward.governance.identity import Actor

AsOption = Annotated[
    str | None,
    typer.Option("--as", hidden=True, show_default=False, help="Removed: names are not identities; use --key."),
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
    """The authenticated actor: the API key given, else the OS account running the command."""
    if as_user:
        raise InvalidRequest(
            f"--as {as_user} is no longer accepted: a typed name proves nobody's identity, so one person could "
            "act as several. Act with your own API key (`--key sk-stw-…` or STEWARD_GOVERNANCE_KEY), or leave "
            "both out to act as your OS account."
        )
    if key:
        info = context.open_store().find_key(key.strip())
        if info is None:
            raise AuthenticationError(
                "unknown or revoked API key; check it, or leave --key out to act as your OS account."
            )
        return Actor.from_key(info)
    return Actor.user()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")


def when(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S") if at else "-"
