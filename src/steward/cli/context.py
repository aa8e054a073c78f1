"""What every command needs: the project, its settings, the store, an in-process client, a console.

`--config` on the root command (or `STEWARD_CONFIG`) picks the steward.yaml; otherwise the nearest one, else
the embedded defaults. Objects are created on first use and cached for the one command invocation.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.console import Console

from steward.config import Project, Settings, load_project

if TYPE_CHECKING:
    from steward.store import Store


def _width(stream: object) -> int | None:
    """Rich's width: $COLUMNS, the terminal's, or a wide page when piped (80 columns would cut ids and hashes)."""
    if os.environ.get("COLUMNS"):
        return int(os.environ["COLUMNS"])
    return None if getattr(stream, "isatty", lambda: False)() else 200


def _consoles() -> tuple[Console, Console]:
    return Console(width=_width(sys.stdout)), Console(stderr=True, width=_width(sys.stderr))


console, err_console = _consoles()


@lru_cache(maxsize=1)
def project() -> Project:
    return load_project(os.environ.get("STEWARD_CONFIG") or None)


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.resolve(project())


@lru_cache(maxsize=1)
def open_store() -> Store:
    from steward.store import Store

    settings().create_home()
    return Store.open(settings().database_url)


def principal(key: str | None) -> Any:
    """Who a data command acts as: the API key given (`--key`, else $STEWARD_API_KEY), whose role and team
    apply, or the local operator, who reads every team as `sqlite3` on the database file could."""
    from steward.types import LOCAL_OPERATOR

    secret = key or os.environ.get("STEWARD_API_KEY")
    if not secret:
        return LOCAL_OPERATOR
    from steward.gateway.auth import Authenticator

    return Authenticator(open_store()).authenticate(f"Bearer {secret}")


def client() -> Any:
    """An in-process governed client acting as the local operator."""
    from steward.client import Client
    from steward.gateway.assemble import Runtime, open_runtime

    runtime: Runtime = open_runtime(project(), settings())
    return Client(runtime=runtime)


def reset() -> None:
    """Forget cached objects (tests run many commands in one process)."""
    global console, err_console
    console, err_console = _consoles()
    for cached in (project, settings, open_store):
        cached.cache_clear()
