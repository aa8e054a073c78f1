"""`steward tune`: fine-tuning small open models on governed data (issue 19): `data`, and `export` (merge, GGUF,
verify, register)."""

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


def _run_dir(run: str) -> Path:
    """A run id (under `<project>/.steward/tune/runs/`) or a run directory's path."""
    given = Path(run).expanduser()
    if given.is_dir() or "/" in run:
        return given
    return context.settings().home / "tune" / "runs" / run


@app.command("export")
def export_run(
    run: Annotated[str, typer.Argument(help="The run id (under .steward/tune/runs/) or its directory.")],
    quant: Annotated[
        str, typer.Option("--quant", help="The GGUF's tensor type: F16, Q8_0 or Q4_K_M (llama.cpp's quantiser).")
    ] = "Q8_0",
    name: Annotated[
        str | None, typer.Option("--name", help="The tuned model's registry name (default: the run's name).")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="The team that owns the model.")] = None,
    canary_app: Annotated[
        str | None, typer.Option("--app", help="Deploy the tuned model to this app as a canary (with --canary).")
    ] = None,
    canary: Annotated[
        float | None, typer.Option("--canary", help="The canary's share of the app's requests, in percent.")
    ] = None,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the base-vs-tuned evaluation.")] = False,
    threads: Annotated[int, typer.Option("--threads", min=1, help="llama.cpp threads for verification.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Merge a finished run's LoRA adapter, write GGUF, verify it with llama.cpp, and register it with lineage.

    Writes `<run>/export/NAME.QUANT.gguf` (merged) and `<run>/export/NAME.lora.gguf` (the adapter, for
    `Llama(lora_path=)` or steward.yaml's `adapter:`), checks that llama.cpp's greedy next token agrees with the
    merged PyTorch model on at least 95 % of the validation rows' positions (else nothing is registered), scores
    base against tuned on those rows, writes `<run>/report.html`, and registers the model version and the
    training run with lineage (base sha256 → dataset → run → model → GGUF sha256) in one transaction; with
    `--app APP --canary 10` the model (declared in steward.yaml) is deployed as a canary in the same one.

    Examples: `steward tune export run_20261207_abc --json`,
    `steward tune export run_20261207_abc --quant F16 --name airport-tuned --app airport --canary 10`
    """
    from steward.tune.publish import publish_run

    who = actor(as_user, key)
    store = context.open_store()
    with context.err_console.status("exporting, verifying and registering…"):
        result = publish_run(
            _run_dir(run),
            store,
            context.project(),
            who,
            quant=quant.upper(),
            name=name,
            team=team,
            app=canary_app,
            canary=canary,
            evaluate_base=not no_eval,
            threads=threads,
            models_dir=context.settings().models_dir,
        )
    if as_json:
        print_json(result)
        return
    checks = ", ".join(f"{c['agreement']:.1%} ({c['agreed']}/{c['positions']})" for c in result["verification"])
    context.console.print(
        f"registered {result['model_version']} from {result['run']}: {result['artefact']} "
        f"({result['size_bytes'] / 1e6:,.1f} MB, sha256 {result['sha256'][:12]}…); llama.cpp agrees with the "
        f"merged model on {checks} (merged file, base + adapter). Report: {result['report']}."
    )
    if result.get("deployment"):
        dep = result["deployment"]
        context.console.print(f"canary: {dep['canary']:g}% of {dep['app']} ({dep['id']}).")
    if result.get("steward_yaml"):
        context.console.print(f"To serve it, declare it in steward.yaml:\n{result['steward_yaml']}")
