"""`steward tune`: fine-tuning small open models on governed data (issue 19). Part 1: `steward tune data`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from steward.cli import context
from steward.cli.gov_common import AsOption, KeyOption, actor, print_json
from steward.errors import InvalidRequest
from steward.language import counted

app = typer.Typer(no_args_is_help=True, help="Fine-tune small open models on governed data.")


def _instant(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(
            f"{option} {text!r} is not an ISO 8601 time; write it as 2026-12-01, 2026-12-01T09:30 or "
            "2026-12-01T09:30:00Z."
        ) from None
    return (moment if moment.tzinfo else moment.astimezone()).timestamp()  # naive: local time, as typed


class _RichProgress:
    """Progress bars on standard error (standard output stays clean for --json), gone when the command ends."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=context.err_console,
            transient=True,
        )

    def stage(self, description: str, total: int | None) -> Callable[[int], None]:
        task = self.bars.add_task(description, total=total)
        return lambda n: self.bars.advance(task, n)


@app.command()
def data(
    name: Annotated[str, typer.Option("--name", help="The dataset's registry name.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the rows (JSONL, each with its `split`).")],
    app_name: Annotated[
        str | None, typer.Option("--app", help="Build from this app's consenting records.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Records from this time on (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Records before this time (ISO 8601).")] = None,
    alert: Annotated[
        str | None, typer.Option("--alert", help="Build from the records of this alert's app and window.")
    ] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option("--file", help="A JSONL, CSV or Parquet file of examples (repeatable), instead of records."),
    ] = None,
    consent: Annotated[
        str | None, typer.Option("--consent", help="With --file: the consent / legal basis of its personal data.")
    ] = None,
    team: Annotated[str, typer.Option("--team", help="With --file: the team that owns the dataset.")] = "default",
    min_chars: Annotated[int, typer.Option("--min-chars", help="Shortest example kept (characters).")] = 8,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Longest example kept (characters).")] = 16_000,
    language: Annotated[
        list[str] | None,
        typer.Option("--language", help="Keep only this language (ISO 639-1, repeatable). Default: all."),
    ] = None,
    near_duplicate: Annotated[
        float, typer.Option("--near-duplicate", help="Similarity at which an example counts as a near-duplicate.")
    ] = 0.8,
    validation: Annotated[float, typer.Option("--validation", help="Fraction of prompts for validation.")] = 0.1,
    toxicity: Annotated[
        bool, typer.Option("--toxicity/--no-toxicity", help="Remove toxic prompts and answers.")
    ] = True,
    injection: Annotated[
        bool, typer.Option("--injection/--no-injection", help="Remove user turns that attempt an injection.")
    ] = True,
    description: Annotated[str | None, typer.Option("--description")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Build a training set and register it as a dataset version with its data card.

    From an app's consenting records (`--app`, optionally `--since`/`--until`; or `--alert ID` for an alert's
    app and window), with personal data pseudonymised and reviewers' corrected answers preferred over the
    model's; or from files (`--file`, with `messages` or `prompt`/`completion`, and `--consent`). Exact and
    near-duplicates (MinHash), too short or too long examples, other languages (`--language`), toxic text and
    injection attempts are removed; the rest is split into train and validation by a hash of each prompt.

    Examples: `steward tune data --app airport --since 2026-11-01 --name airport-sft --out data/airport.jsonl`,
    `steward tune data --file faq.jsonl --consent "published FAQ, no personal data" --name faq --out faq-sft.jsonl`
    """
    from steward.tune import build, sources

    options = build.Options(
        min_chars=min_chars,
        max_chars=max_chars,
        languages=frozenset(code.strip().lower() for code in language or []),
        toxicity=toxicity,
        injection=injection,
        near_duplicate=near_duplicate,
        validation=validation,
        description=description,
    )
    options.check()
    if file and (app_name or alert or since or until):
        raise InvalidRequest("--file builds from files; leave out --app/--alert/--since/--until (or the files).")
    if not file and consent is not None:
        raise InvalidRequest(
            "--consent is for --file; records carry their own consent flag (only consenting ones)."
        )
    who = actor(as_user, key)
    out = context.output_file(out, "--out")
    progress = _RichProgress()
    store = context.open_store()
    with progress.bars:
        if file:
            source = sources.from_files(
                list(file), who, team, consent or "", progress.stage("reading and redacting", None)
            )
        else:
            source = sources.from_records(
                store,
                context.project(),
                who,
                app=app_name,
                since=_instant(since, "--since"),
                until=_instant(until, "--until"),
                alert=alert,
                advance=progress.stage("reading and redacting records", None),
            )
        built = build.build(store, who, source, name, out, options, progress)
    if as_json:
        print_json(built.as_dict())
        return
    state = "registered" if built.created else "already registered as"
    removed = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in built.removed.items()) or "none"
    context.console.print(
        f"{state} {built.version.ref}: {counted(built.rows, 'row')} of {built.rows_in} "
        f"({built.train} train, {built.validation} validation) written to {built.path}; removed: {removed}. "
        f"`steward registry card {built.version.ref}` shows its data card."
    )
