"""What every command needs: the project, its settings, the store, an in-process client, a console.

`--config` on the root command (or `STEWARD_CONFIG`) picks the steward.yaml; otherwise the nearest one, else
the embedded defaults. The CLI is the process edge: the root command makes the command's `Session` (typer's
`ctx.obj`; no module state), which creates the objects on first use, keeps them for that command and closes the
store when the command ends; `current()` finds it through click's context, and `project()`, `open_store()`,
`console` … are its shortcuts. The commands hand the project down to the capabilities they call. A caller that
wants to see the session afterwards (tests) hands one in: `runner.invoke(app, args, obj=Session())`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

try:  # typer >= 0.20 runs on its own copy of click: its current context is kept there
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click import get_current_context  # type: ignore[no-redef]

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

    def use_config(self, config: str) -> None:
        """Take `--config` given to the command, unless this session already loaded another project."""
        if self._project is not None and config != self.config:
            raise RuntimeError(f"this session already loaded {self.config!r}; start a new Session for {config!r}.")
        self.config = config

    def close(self) -> None:
        """Close the store, if this session opened one."""
        if self._store is not None:
            self._store.close()
            self._store = None


def begin(given: object, config: str | None) -> tuple[Session, bool]:
    """The session of the command being started (called by the root command with typer's `ctx.obj`): the one
    the caller handed in (`app(obj=Session(...))`, as tests do to look at it afterwards), else a new one; and
    whether this command owns it (and closes it when it ends)."""
    if isinstance(given, Session):
        if config and config != given.config:
            given.use_config(config)
        return given, False
    return Session(config), True


def current() -> Session:
    """The session of the command running now: typer's `ctx.obj`, found through click's current context."""
    ctx = get_current_context(silent=True)
    if ctx is None:
        raise RuntimeError("no steward command is running: build a `Session` and use it directly.")
    found = ctx.find_object(Session)
    if found is None:  # a command group run on its own (without the root command): its root context holds it
        root = ctx.find_root()
        found = root.obj = Session()
        root.call_on_close(found.close)
    return found


def __getattr__(name: str) -> Console:
    """`context.console` and `context.err_console`: the running command's consoles."""
    if name in ("console", "err_console"):
        console: Console = getattr(current(), name)
        return console
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def project() -> Project:
    return current().project()


def settings() -> Settings:
    return current().settings()


def open_store() -> Store:
    return current().open_store()


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


def output_file(path: Path, option: str) -> Path:
    """A file a command is to write (`--out`, `--prometheus` …), checked before anything is done: a folder, a
    device or a pipe is refused, and so is a file whose folder is missing unless that folder's own parent exists.
    The writer then makes that one folder (`--out reports/x.json` makes `reports/`); a deeper missing path, likely
    a typo, is refused with the folder to create rather than made as a tree of folders nobody asked for."""
    from steward.errors import InvalidRequest

    try:
        path = path.expanduser()
    except RuntimeError:  # `~name/…` of no account here: a traceback said "Could not determine home directory"
        raise InvalidRequest(f"{option} {path}: no account {path.parts[0][1:]!r} here to expand ~ for.") from None
    if path.is_dir():
        raise InvalidRequest(f"{option} {path} is a folder; name the file to write, e.g. {path / 'NAME'}.")
    if path.exists() and not path.is_file():  # written beside it and renamed over it: /dev/null would be replaced
        raise InvalidRequest(
            f"{option} {path} is no regular file (a device, a pipe); name a file to write, or leave {option} out "
            "where the command writes to standard output."
        )
    own = _own_file(path) if path.exists() else None
    if own is not None:  # renamed over it: the records, the audit log and the keys would be gone
        raise InvalidRequest(
            f"{option} {path} is Steward's {own}; writing there would replace it: name another file."
        )
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise InvalidRequest(f"{option} {path}: {folder} is a file, not a folder.")
    if not folder.exists() and not folder.parent.is_dir():
        raise InvalidRequest(
            f"{option} {path}: the folder {folder.parent} does not exist; create it first (only the file's own "
            f"folder, {folder.name}/, is made for you)."
        )
    return path


def _own_file(path: Path) -> str | None:
    """Which of Steward's own files `path` is (its SQLite database or a journal of it, the records' integrity key,
    the steward.yaml in use), else None."""
    from steward.errors import StewardError
    from steward.store import sqlite_file

    try:
        session = current()
        own = {"steward.yaml in use": Path(session.project().source)}
        database = sqlite_file(session.settings().database_url)
        key_file = session.settings().secrets.integrity_key_file
    except (RuntimeError, StewardError):  # no command running, no project to read: nothing of Steward's here
        return None
    if database is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            own[f"database{' ' + suffix[1:] if suffix else ''}"] = Path(f"{database}{suffix}")
        own["integrity key"] = database.resolve().parent / "integrity.key"  # where the store keeps it by default
    if key_file:
        own["integrity key"] = Path(key_file).expanduser()
    for what, file in own.items():
        if file.exists() and os.path.samefile(path, file):
            return what
    return None


def write_text(path: Path, text: str) -> None:
    """Write `text` to a path `output_file` checked, making its own folder if missing: into a new hidden file
    beside it, made with O_EXCL under a random name (so never through a link planted at a name known in advance),
    then renamed over it, as the other outputs are: a link at `path` is replaced, never written through."""
    import secrets

    path.parent.mkdir(exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
