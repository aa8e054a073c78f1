"""What every command needs: the project, its settings, the store, an in-process client, a console.

`--config` on the root command (or `STEWARD_CONFIG`) picks the steward.yaml; otherwise the nearest one, else
the embedded defaults. The CLI is the process edge: the root command puts `--config` into the one `Session` of
the process (a CLI process runs one command), which creates the objects on first use and keeps them for that
command; the commands hand the project down to the capabilities they call. Tests run many commands in one
process and call `reset()` between them.
"""

from __future__ import annotations

import os
import sys
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


class Session:
    """One command invocation's state: the steward.yaml it was given and what was built from it, on first use."""

    def __init__(self, config: str | None = None) -> None:
        self.config = config  # --config; None: $STEWARD_CONFIG, else the nearest steward.yaml
        self.console = Console(width=_width(sys.stdout))
        self.err_console = Console(stderr=True, width=_width(sys.stderr))
        self._project: Project | None = None
        self._settings: Settings | None = None
        self._store: Store | None = None

    def project(self) -> Project:
        if self._project is None:
            self._project = load_project(self.config or os.environ.get("STEWARD_CONFIG") or None)
        return self._project

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.resolve(self.project())
        return self._settings

    def open_store(self) -> Store:
        if self._store is None:
            from steward.store import Store

            self.settings().create_home()
            self._store = Store.open(self.settings().database_url, secrets=self.settings().secrets)
        return self._store

    def close(self) -> None:
        """Close the store, if this session opened one."""
        if self._store is not None:
            self._store.close()
            self._store = None


# The process's session. It is module state on purpose: typer calls each command as a plain function, and a
# CLI process runs one command, so this is that command's context; `use_config` and `reset` are the only writers.
_session = Session()


def use_config(config: str) -> None:
    """Take `--config` (called by the root command); a different file than the session's starts a new one."""
    global _session
    if config != _session.config:
        _session = Session(config)


def reset() -> None:
    """Forget cached objects (tests run many commands in one process)."""
    global _session
    _session = Session()


def __getattr__(name: str) -> Console:
    """`context.console` and `context.err_console`: the session's consoles (replaced by `reset`)."""
    if name in ("console", "err_console"):
        console: Console = getattr(_session, name)
        return console
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def project() -> Project:
    return _session.project()


def settings() -> Settings:
    return _session.settings()


def open_store() -> Store:
    return _session.open_store()


def close() -> None:
    """Close the session's store, if one was opened (tests, before `reset`)."""
    _session.close()


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
