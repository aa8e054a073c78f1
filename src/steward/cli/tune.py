"""`steward tune`: fine-tuning small open models on governed data (issue 19): `tune data` builds a training set,
`tune run` trains a LoRA adapter and publishes it, `tune resume` continues an interrupted run, `tune export`
merges, writes GGUF, verifies and registers a finished run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.cli import context
from steward.cli.gov_common import AsOption, KeyOption, actor, print_json
from steward.errors import InvalidRequest, NotFound
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
    suite: SuiteOption = None,
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
    With `--suite SUITE.yaml` the app's eval suite is also run on the base and on the tuned model (both stored
    eval runs, compared with the paired bootstrap, linked to the model version and shown in the report).

    Examples: `steward tune export run_20261207_abc --json --suite evals/gates.yaml`,
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
            suite=suite,
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
    if result.get("suite"):
        found = result["suite"]
        context.console.print(
            f"suite {found['suite']} on {found['app']}: base run {found['runs']['base']}, tuned run "
            f"{found['runs']['tuned']}; {found['verdict']}; {found['message']}."
        )
    if result.get("deployment"):
        dep = result["deployment"]
        context.console.print(f"canary: {dep['canary']:g}% of {dep['app']} ({dep['id']}).")
    if result.get("steward_yaml"):
        context.console.print(f"To serve it, declare it in steward.yaml:\n{result['steward_yaml']}")


class _TrainProgress:
    """The training bar on standard error: steps, loss and tokens per second."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[speed]} tokens/s"),
            TimeElapsedColumn(),
            console=context.err_console,
            transient=True,
        )
        self.task: Any = None

    def begin(self, total: int, done: int) -> None:
        self.task = self.bars.add_task("training", total=total, completed=done, loss="–", speed="–")

    def step(self, step: int, loss: float, tokens_per_s: float) -> None:
        self.bars.update(self.task, completed=step, loss=f"{loss:.4f}", speed=f"{tokens_per_s:,.0f}")

    def note(self, text: str) -> None:
        self.bars.update(self.task, description=text)


HYPER_FLAGS = {
    "learning_rate": "--lr",
    "rank": "--rank",
    "alpha": "--alpha",
    "dropout": "--dropout",
    "target_modules": "--target-modules",
    "batch_size": "--batch-size",
    "grad_accumulation": "--grad-accumulation",
    "seq_len": "--seq-len",
    "epochs": "--epochs",
    "max_steps": "--max-steps",
    "warmup_steps": "--warmup-steps",
    "seed": "--seed",
    "checkpoint_every": "--checkpoint-every",
}


def _given(**values: Any) -> dict[str, Any]:
    """The hyper-parameters given as flags (None: not given), in their recorded form."""
    given = {k: v for k, v in values.items() if v is not None}
    if "target_modules" in given:
        given["target_modules"] = [m.strip() for m in given["target_modules"].split(",") if m.strip()]
    return given


def _hyper(project_tune: Any, given: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from steward.config.tune import Hyper

    try:
        return Hyper(**{**project_tune.hyper().model_dump(), **given})
    except ValidationError as exc:
        problems = "; ".join(
            f"{HYPER_FLAGS.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else 'tune'}: {e['msg']}"
            for e in exc.errors()
        )
        raise InvalidRequest(f"bad hyper-parameter(s): {problems}.") from None


LrOption = Annotated[float | None, typer.Option("--lr", help="Learning rate (AdamW). Default 2e-4.")]
RankOption = Annotated[int | None, typer.Option("--rank", help="LoRA rank. Default 8.")]
AlphaOption = Annotated[float | None, typer.Option("--alpha", help="LoRA alpha (scale alpha/rank). Default 16.")]
DropoutOption = Annotated[float | None, typer.Option("--dropout", help="LoRA dropout. Default 0.05.")]
TargetsOption = Annotated[
    str | None, typer.Option("--target-modules", help="Comma-separated module names. Default: all linear layers.")
]
BatchOption = Annotated[int | None, typer.Option("--batch-size", help="Examples per micro-batch. Default 4.")]
AccumOption = Annotated[
    int | None, typer.Option("--grad-accumulation", help="Micro-batches per optimizer step. Default 1.")
]
SeqOption = Annotated[
    int | None, typer.Option("--seq-len", help="Longest example in tokens (longer ones left out). Default 512.")
]
EpochsOption = Annotated[int | None, typer.Option("--epochs", help="Passes over the training rows. Default 1.")]
StepsOption = Annotated[int | None, typer.Option("--max-steps", help="Optimizer steps (overrides --epochs).")]
WarmupOption = Annotated[int | None, typer.Option("--warmup-steps", help="Linear warm-up steps. Default 0.")]
SeedOption = Annotated[int | None, typer.Option("--seed", help="Seed of weights init, dropout, order. Default 0.")]
EveryOption = Annotated[
    int | None, typer.Option("--checkpoint-every", help="Optimizer steps between checkpoints. Default 50.")
]


def _print_outcome(outcome: Any, published: dict[str, Any] | None, as_json: bool) -> None:
    record = outcome.record
    if as_json:
        out = {
            "run": record["run_id"],  # published: the training run's registry version (run_id stays the folder)
            "run_id": record["run_id"],
            "run_dir": str(outcome.folder),
            "status": record["status"],
            "steps": record["steps"],
            "loss": record["loss"][-1]["loss"] if record["loss"] else None,
            "validation_loss": record["validation"]["loss"],
            "adapter": str(outcome.folder / "adapter"),
            "forgetting": record.get("forgetting"),
            "notes": outcome.notes,
        }
        out.update(published or {})
        print_json(out)
        return
    for note in outcome.notes:
        context.err_console.print(f"note: {note}")
    last = record["loss"][-1] if record["loss"] else {"loss": float("nan"), "tokens_per_s": 0}
    speed = sum(p["tokens_per_s"] for p in record["loss"]) / max(1, len(record["loss"]))
    context.console.print(
        f"run {record['run_id']}: {record['steps']} steps, final loss {last['loss']:.4f}, "
        f"validation loss {record['validation']['loss']}, {speed:,.0f} tokens/s; adapter in "
        f"{outcome.folder / 'adapter'}"
    )
    if record.get("forgetting"):
        context.console.print(record["forgetting"].get("message") or record["forgetting"].get("skipped"))
    if published:
        context.console.print(
            f"published {published.get('model_version')}: {published.get('artefact')} "
            f"(sha256 {published.get('sha256')})"
        )


SuiteOption = Annotated[
    Path | None,
    typer.Option(
        "--suite",
        help="Also run this eval suite (one app) on the base and on the tuned model, store both runs, compare "
        "them (paired bootstrap) and link them to the model version.",
    ),
]


def _check_suite(suite: Path | None) -> None:
    if suite is not None:
        from steward.tune import suite_eval

        suite_eval.load(suite)


def _publish(
    folder: Path, as_user: str | None, key: str | None, quant: str = "Q8_0", suite: Path | None = None
) -> dict[str, Any]:
    """The trained run to a verified, registered GGUF (`steward tune export` with its defaults)."""
    from steward.tune.publish import publish_run

    with context.err_console.status("exporting, verifying and registering…"):
        result: dict[str, Any] = publish_run(
            folder,
            context.open_store(),
            context.project(),
            actor(as_user, key),
            quant=quant,
            models_dir=context.settings().models_dir,
            suite=suite,
        )
    return result


QuantOption = Annotated[
    str, typer.Option("--quant", help="The published GGUF's tensor type: Q8_0 (default), F16 or Q4_K_M.")
]


@app.command()
def run(
    base: Annotated[
        str | None,
        typer.Option("--base", help="The base model: a built-in artefact or a llama_cpp model of steward.yaml."),
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", help="A dataset version (dataset:NAME@N) or a JSONL/CSV/Parquet file.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="The run's (and model's) name.")] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Continue this run (its id) or registered model version on the new data."),
    ] = None,
    adapter_only: Annotated[
        bool, typer.Option("--adapter-only", help="Stop after the adapter: no merge, export or registration.")
    ] = False,
    quant: QuantOption = "Q8_0",
    forgetting_margin: Annotated[
        float | None,
        typer.Option("--forgetting-margin", help="With --from: allowed validation-loss rise (0.05 = 5 %)."),
    ] = None,
    accept_forgetting: Annotated[
        bool, typer.Option("--accept-forgetting", help="With --from: publish even if the forgetting check fails.")
    ] = False,
    threads: Annotated[
        int | None, typer.Option("--threads", help="torch threads (recorded; a resume uses the same).")
    ] = None,
    lr: LrOption = None,
    rank: RankOption = None,
    alpha: AlphaOption = None,
    dropout: DropoutOption = None,
    target_modules: TargetsOption = None,
    batch_size: BatchOption = None,
    grad_accumulation: AccumOption = None,
    seq_len: SeqOption = None,
    epochs: EpochsOption = None,
    max_steps: StepsOption = None,
    warmup_steps: WarmupOption = None,
    seed: SeedOption = None,
    checkpoint_every: EveryOption = None,
    suite: SuiteOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Fine-tune a registered base model with LoRA on a dataset version or a file, with checkpoints.

    The base's file is checked against its sha256 first. Hyper-parameters come from the flags, else steward.yaml's
    `tune:` section, else the defaults; the loss is on the answers only. The run lives in
    `.steward/tune/runs/RUN/` (run.json, checkpoints/, adapter/); `steward tune resume RUN` continues an
    interrupted run to the same adapter, byte for byte. `--from RUN` continues a trained run on new data and
    checks that it has not forgotten: its loss on the previous run's validation rows may not rise beyond
    `--forgetting-margin`. Without `--adapter-only` the adapter is then merged, exported and registered.

    Example: `steward tune run --base smollm2-135m-instruct-q4_1 --data dataset:airport-sft@1 --name airport
    --max-steps 200 --json`
    """
    from steward.tune import base as bases
    from steward.tune import data as datasets
    from steward.tune import export, runs, train

    quant = quant.upper()
    if quant not in export.QUANTS:  # refused now, not after training
        raise InvalidRequest(f"--quant {quant!r} is not one of {', '.join(export.QUANTS)}.")
    project, settings = context.project(), context.settings()
    home = settings.home
    previous = _previous(home, from_, as_user, key) if from_ else None
    if previous is None and (base is None or data is None or name is None):
        raise InvalidRequest("give --base, --data and --name (or --from RUN with --data to continue a model).")
    if data is None:
        raise InvalidRequest("give --data: the new training rows.")
    given = _given(
        learning_rate=lr, rank=rank, alpha=alpha, dropout=dropout, target_modules=target_modules,
        batch_size=batch_size, grad_accumulation=grad_accumulation, seq_len=seq_len, epochs=epochs,
        max_steps=max_steps, warmup_steps=warmup_steps, seed=seed, checkpoint_every=checkpoint_every,
    )  # fmt: skip
    if previous is not None:  # continuing: the previous run's adapter shape unless told otherwise
        runs.check_adapter(previous, runs.read(previous))  # the adapter its training wrote, or refused now
        prior = runs.read(previous)["hyper"]
        given = {
            "rank": prior["rank"],
            "alpha": prior["alpha"],
            "target_modules": prior["target_modules"],
            **given,
        }
        base = base or runs.read(previous)["base"]["model"]
        name = name or runs.read(previous)["name"]
    assert base is not None and name is not None
    hyper = _hyper(project.tune, given)
    runs.check_name(name)
    store = context.open_store()
    rows = datasets.load(data, store, actor(as_user, key))
    chosen = bases.resolve(base, project, settings.models_dir)
    if not adapter_only:  # what registration would refuse, refused before minutes of training
        from steward.tune.publish import check_publishable

        check_publishable(store, actor(as_user, key), name, chosen.model, chosen.artefact)
    plan = train.Start(
        home=home,
        name=name,
        base=chosen,
        rows=rows,
        hyper=hyper,
        threads=threads or train.default_threads(),
        previous=previous,
        forgetting_margin=project.tune.forgetting_margin if forgetting_margin is None else forgetting_margin,
        accept_forgetting=accept_forgetting,
    )
    _check_suite(suite)  # a bad suite file is refused before minutes of training
    progress = _TrainProgress()
    with progress.bars:
        outcome = train.start(plan, progress)
    published = None if adapter_only else _publish(outcome.folder, as_user, key, quant, suite)
    _print_outcome(outcome, published, as_json)


def _producing_run(version: Any) -> str | None:
    """The `steward tune run` id of the training run whose lineage edge `produced` this model version."""
    from steward.governance import lineage, versions

    store = context.open_store()
    for edge in lineage.walk(store, version.node, "up", depth=1):
        kind, _, entry_id = edge.parent.partition(":")
        if edge.relation == "produced" and kind == "training_run":
            with store.reading() as tx:
                trained = versions.by_id(tx, entry_id)
            if trained is not None and trained.spec.get("run_id"):
                return str(trained.spec["run_id"])
    return None


def _previous(home: Path, given: str, as_user: str | None, key: str | None) -> Path:
    """The run folder `--from` names: a run id, or a model version whose registry spec names its run."""
    from steward.governance import versions
    from steward.tune import runs

    if (runs.runs_dir(home) / given / "run.json").is_file():
        return runs.runs_dir(home) / given
    try:
        version = versions.resolve(context.open_store(), actor(as_user, key), versions.parse_ref(given, "model"))
    except NotFound as exc:
        if given.startswith("model:") or "@" in given:  # meant as a model version: say why it is not one
            raise NotFound(f"--from {given}: {exc.message}") from None
        return runs.find(home, given)  # says which runs there are
    except InvalidRequest:  # not a registry reference at all
        return runs.find(home, given)
    run_id = version.spec.get("run_id") or _producing_run(version)
    if not run_id:
        raise InvalidRequest(
            f"{version.ref} was not trained by `steward tune run` (its registry entry names no run); continue "
            "a tune run by its id (`ls .steward/tune/runs`)."
        )
    return runs.find(home, str(run_id))


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="The run's id (or its folder).")],
    adapter_only: Annotated[
        bool, typer.Option("--adapter-only", help="Stop after the adapter: no merge, export or registration.")
    ] = False,
    quant: QuantOption = "Q8_0",
    lr: LrOption = None,
    rank: RankOption = None,
    alpha: AlphaOption = None,
    dropout: DropoutOption = None,
    target_modules: TargetsOption = None,
    batch_size: BatchOption = None,
    grad_accumulation: AccumOption = None,
    seq_len: SeqOption = None,
    epochs: EpochsOption = None,
    max_steps: StepsOption = None,
    warmup_steps: WarmupOption = None,
    seed: SeedOption = None,
    checkpoint_every: EveryOption = None,
    suite: SuiteOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Continue an interrupted run from its latest whole checkpoint, with its own hyper-parameters, seed, data
    and thread count: it ends with the adapter an uninterrupted run would have made, byte for byte. Hyper-parameter
    flags given here must equal the run's (a changed one is refused, naming it).

    Example: `steward tune resume airport-20261207-212000-ab12`
    """
    from steward.tune import train

    given = _given(
        learning_rate=lr, rank=rank, alpha=alpha, dropout=dropout, target_modules=target_modules,
        batch_size=batch_size, grad_accumulation=grad_accumulation, seq_len=seq_len, epochs=epochs,
        max_steps=max_steps, warmup_steps=warmup_steps, seed=seed, checkpoint_every=checkpoint_every,
    )  # fmt: skip
    _check_suite(suite)  # a bad suite file is refused before minutes of training
    progress = _TrainProgress()
    with progress.bars:
        outcome = train.resume(context.settings().home, run_id, given, progress)
    published = None if adapter_only else _publish(outcome.folder, as_user, key, quant.upper(), suite)
    _print_outcome(outcome, published, as_json)
