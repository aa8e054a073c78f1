"""The everyday commands: `init`, `serve`, `ask`, `chat`."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from steward.cli import context

if TYPE_CHECKING:
    from steward.store import Store

app = typer.Typer()

DEMO_FILES = ("steward.yaml",)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new project.")] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite an existing steward.yaml.")] = False,
) -> None:
    """Scaffold a working project with the demo app (the airport booking assistant) and its documents in kb/.

    steward.yaml's collection ingests kb/airport at each start: edit or add files there to change what the app
    answers from.

    Example: `steward init my-project && cd my-project && steward models fetch && steward serve`
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "steward.yaml"
    if target.exists() and not force:
        context.err_console.print(f"{target} exists; pass --force to overwrite it.")
        raise typer.Exit(1)
    defaults = resources.files("steward.defaults")
    target.write_text(_own_kb(defaults.joinpath("steward.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    kb = defaults.joinpath("kb")
    if kb.is_dir():
        with resources.as_file(kb) as source:
            shutil.copytree(source, directory / "kb", dirs_exist_ok=True)
    (directory / ".gitignore").write_text(".steward/\n", encoding="utf-8")
    go = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    context.console.print(f"created {target}; next: `{go}steward models fetch && steward serve`")


def _own_kb(text: str) -> str:
    """The demo's steward.yaml with its collection synced from the project's own `kb/` (the copy `init` makes)
    rather than the one bundled with Steward: a new project's documents are the files beside its steward.yaml,
    which its owner edits, adds to, and sees ingested again at the next start."""
    bundled = 'sources: ["steward:kb/airport"]     # shipped with Steward; ingested (and re-synced) at start-up'
    if bundled not in text:  # the template changed: the test of `init` says so
        raise RuntimeError("the demo steward.yaml no longer names steward:kb/airport; update `steward init`.")
    own = (
        'sources: ["kb/airport"]     # the kb/ folder beside this file: edit or add documents; re-synced at start'
    )
    return text.replace(bundled, own)


def _admin_key(store: Store, home: Path) -> str | None:
    """On first start, create an admin key (an audit event) and keep it (mode 600); None on later starts.

    The secret is returned, and so printed, only when it is created: a log of every start must not hold it.
    """
    from steward.governance import access
    from steward.governance.identity import Actor

    path = home / "admin.key"
    if path.exists() or store.count_keys() > 0:
        return None
    secret, _ = access.create_key(store, Actor.user(), "admin", name="bootstrap admin")
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return secret


def _key_for(key: str | None, saved: Path) -> tuple[str, str, str]:
    """(the banner's line about the key, the key as curl's shell word, the key as a Python expression).

    Each works as printed: on a later start the key is read from its file (by the shell inside double quotes,
    by Python inside the program), never left as a shell variable inside single quotes, which nothing expands.
    """
    if key:
        about = f"API key: {key}   (created now and shown only this once; saved in {saved})"
        return about, key, json.dumps(key)
    read = f"$(cat {shlex.quote(str(saved))})"
    if saved.exists():
        about = f"API key: in {saved} (export STEWARD_API_KEY={read}); more: `steward keys create`"
        return about, read, f"open({json.dumps(str(saved))}).read().strip()"
    about = "API key: use one of yours (`steward keys create --role app`): export STEWARD_API_KEY=<the key>"
    return about, "$STEWARD_API_KEY", 'os.environ["STEWARD_API_KEY"]'


def _as_typed(path: Path) -> str:
    """`path` as a shell word, relative to the working folder when it lies below it (`.venv/bin/python`)."""
    return shlex.quote(str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path))


def _client_python(python: Path, has_openai: bool, search_path: str) -> tuple[str, list[str]]:
    """The command that runs the Python snippet, and the lines to run before it.

    `make run` serves from .venv without the `openai` client (serving does not need it) and puts neither
    `steward` nor `python` on PATH: name the venv's interpreter by its path and say how to get the client.
    """
    command = _as_typed(python)
    before = [] if has_openai else [f"{command} -m pip install openai   # once: serving does not need the client"]
    folder = python.parent
    if (folder / "activate").is_file() and str(folder) not in search_path.split(os.pathsep):
        activate = _as_typed(folder / "activate")
        before.append(f"# `steward` and `python` are in {folder}: `source {activate}` puts them on PATH")
    return command, before


def _snippets(url: str, key: str | None, app_name: str, home: Path | None = None) -> str:
    """The start banner; the admin secret appears only on the start that created it (`key`).

    Both snippets run as printed, on the first start and on later ones, with the interpreter serving now.
    """
    import importlib.util
    import sys

    saved = home / "admin.key" if home is not None else Path(".steward/admin.key")
    about, shell_key, python_key = _key_for(key, saved)
    python, before = _client_python(
        Path(sys.executable), importlib.util.find_spec("openai") is not None, os.environ.get("PATH", "")
    )
    program = "\n".join(
        (["import os"] if "os." in python_key else [])
        + [
            "from openai import OpenAI",
            f"c = OpenAI(base_url={json.dumps(url + '/v1')}, api_key={python_key})",
            f"r = c.chat.completions.create(model={json.dumps(app_name)}, "
            'messages=[{"role": "user", "content": "Hello!"}])',
            "print(r.choices[0].message.content)",
        ]
    )
    steps = "".join(line + "\n" for line in before)
    return f"""
Steward is serving on {url}   (OpenAI-compatible: {url}/v1, metrics: {url}/metrics, docs: {url}/docs)
Console: {url}/ui   (sign in with an admin, developer or auditor key)
{about}

curl {url}/v1/chat/completions -H "Authorization: Bearer {shell_key}" -H "Content-Type: application/json" \\
  -d '{{"model": "{app_name}",
       "messages": [{{"role": "user", "content": "What is the status of PNR 290049223?"}}]}}'

{steps}{python} -c {shlex.quote(program)}
"""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from steward.yaml).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from steward.yaml, 8080).")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the project's apps over the OpenAI-compatible HTTP API, the management API and the web console.

    Example: `steward serve --port 8080`, then point any OpenAI client at http://127.0.0.1:8080/v1, or open
    http://127.0.0.1:8080/ui and sign in with an admin, developer or auditor key.
    """
    import uvicorn

    from steward.gateway.assemble import open_runtime
    from steward.gateway.http import create_app
    from steward.gateway.telemetry import configure_logging
    from steward.models.health import model_problems

    configure_logging(log_level)
    runtime = open_runtime(context.project(), context.settings())
    host = host or runtime.project.server.host
    port = port or int(os.environ.get("STEWARD_PORT") or runtime.project.server.port)
    _check_can_listen(host, port)  # before the banner (and a first key) announce a server that would not start
    problems = model_problems(runtime.project, runtime.settings)
    for problem in problems:
        context.err_console.print(f"[yellow]warning:[/] {problem}")
    key = _admin_key(runtime.store, runtime.settings.home)
    first_app = next(iter(runtime.project.apps))
    banner = _snippets(f"http://{host}:{port}", key, first_app, runtime.settings.home)
    context.console.print(banner, highlight=False, soft_wrap=True)
    api = create_app(runtime.gateway, runtime.authenticator, on_shutdown=runtime.aclose)
    runtime.start_monitoring()  # rollups for `steward monitor`, folded off the request path
    _collect_start_up_garbage()
    uvicorn.run(api, host=host, port=port, log_config=None, access_log=False, log_level=log_level)


def _check_can_listen(host: str, port: int) -> None:
    """Bind `host:port` as uvicorn will (SO_REUSEADDR) and let go; exit 1 with what to do if it cannot.

    uvicorn finds out only after the banner is printed, and then says a bare "[Errno 98] address already in
    use" with exit status 3.
    """
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = f"port {port} is in use on {host}; pass --port or stop the other server."
        else:
            why = f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass another --host or --port."
        context.err_console.print(f"[bold red]error:[/] {why}", highlight=False)
        raise typer.Exit(1) from None


def _collect_start_up_garbage() -> None:
    """Collect what start-up left as garbage before the app's own start-up freezes the rest
    (`steward.gateway.heap`), so that garbage is not kept for the life of the server."""
    import gc

    gc.collect()


@app.command()
def ask(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app to ask.")],
    question: Annotated[str, typer.Argument(help="Your message.")],
    stream: Annotated[bool, typer.Option(help="Print the answer as it is released.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer and its governance as JSON.")] = False,
) -> None:
    """Ask an app one question through the governed pipeline (in-process, no server needed).

    Example: `steward ask airport-assistant "What is the status of PNR 290049223?"`
    """
    import orjson

    with context.client() as client:
        if as_json or not stream:
            result = client.chat(app_name, question)
            if as_json:
                body = {"answer": result.text, "finish_reason": result.finish_reason, **result.steward}
                typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
                return
            typer.echo(result.text)
        else:
            for piece in client.stream(app_name, question):
                typer.echo(piece, nl=False)
            typer.echo()
            result = client.last_result
        if result is not None:
            context.err_console.print(f"[dim]record {result.record.id} · {result.record.status}[/]")


@app.command()
def chat(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app to chat with.")],
) -> None:
    """Chat with an app interactively, streaming answers (Ctrl-D or /exit to leave).

    Example: `steward chat airport-assistant`
    """
    from steward.types import Message

    history: list[Message] = []
    with context.client() as client:
        context.console.print(f"Chatting with [bold]{app_name}[/]; /exit to leave.")
        while True:
            try:
                line = input("> ").strip()
            except (EOFError, KeyboardInterrupt):
                break
            if line in ("/exit", "/quit"):
                break
            if not line:
                continue
            history.append(Message("user", line))
            pieces = []
            for piece in client.stream(app_name, history):
                pieces.append(piece)
                typer.echo(piece, nl=False)
            typer.echo()
            history.append(Message("assistant", "".join(pieces)))
