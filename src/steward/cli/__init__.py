"""The `steward` command line. Thin: every command parses arguments and calls the library.

Each area lives in its own module exposing a Typer `app` (or plain commands); this module mounts them.
Errors from the library (`StewardError`) are printed as one line without a traceback, exit status 2.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import typer

from steward.cli import area, context
from steward.errors import StewardError

app = typer.Typer(
    name="steward",
    help="Steward: a governed, OpenAI-compatible gateway for responsible LLM apps.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None,
        "--config",
        "-c",
        help="The steward.yaml to use (default: the nearest one, else the embedded defaults).",
    ),
) -> None:
    """Steward: a governed, OpenAI-compatible gateway for responsible LLM apps."""
    session, owned = context.begin(ctx.obj, config)
    ctx.obj = session
    if owned:
        ctx.call_on_close(session.close)


area.mount(app)


def main() -> None:
    """Console entry point: run the CLI, turning Steward errors into one clear line."""
    try:
        app()
    except StewardError as exc:
        from rich.console import Console
        from rich.markup import escape

        # the message may name a key (`key:… (name)`) whose name reads as markup: printed as it is
        Console(stderr=True).print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
