"""`steward registry`: versions of models, prompts, datasets, policies and training runs; stages; lineage; cards.

`apply` registers what steward.yaml declares (idempotent: unchanged content registers nothing), `list`/`show`
read versions, `stage` moves stages, `lineage` walks the graph, `card` prints a model or data card, and the
dataset commands build a training dataset from consenting records or register a file.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from steward.cli import context
from steward.cli.gov_common import AsOption, JsonOption, KeyOption, TeamOption, actor, print_json, when
from steward.errors import InvalidRequest
from steward.governance import apply as registry_apply
from steward.governance import cards, datasets, lineage, versions

app = typer.Typer(no_args_is_help=True, help="The registry: immutable versions, stages, lineage, cards.")

RefArg = Annotated[str, typer.Argument(help="A version: [kind:]NAME[@VERSION], e.g. model:qwen@2 or prompt:app.")]


@app.command("apply")
def apply_command(as_user: AsOption = None, key: KeyOption = None, as_json: JsonOption = False) -> None:
    """Register steward.yaml's models, prompts and policies as versions; log the config change.

    Example: `steward registry apply`
    """
    result = registry_apply.apply_project(context.open_store(), context.project(), actor(as_user, key))
    if as_json:
        print_json(
            {
                "registered": [v.ref for v in result.registered],
                "unchanged": result.unchanged,
                "config_changed": result.config_changed,
                "config_hash": result.config_hash,
                "releases": result.releases,
            }
        )
        return
    for version in result.registered:
        context.console.print(f"registered {version.ref} ({version.content_hash[:19]}…)")
    for app_name in result.releases:
        context.console.print(f"{app_name}: the declared route changed; recorded as a new release")
    state = "changed" if result.config_changed else "unchanged"
    context.console.print(
        f"{len(result.registered)} new, {result.unchanged} unchanged; configuration {state} "
        f"({result.config_hash[:19]}…)"
    )


@app.command("list")
def list_command(
    kind: Annotated[str | None, typer.Option("--kind", help=f"One of {', '.join(versions.KINDS)}.")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    team: TeamOption = None,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """List registry versions you may read.

    Example: `steward registry list --kind model`
    """
    found = versions.list_versions(context.open_store(), actor(as_user, key), team=team, kind=kind, name=name)
    if as_json:
        print_json([v.as_dict() for v in found])
        return
    table = Table("version", "team", "stages", "content hash", "registered", "by")
    for v in found:
        table.add_row(
            v.ref, v.team, ",".join(v.labels) or "-", v.content_hash[:19] + "…", when(v.created_at), v.created_by
        )
    context.console.print(table)


@app.command("show")
def show_command(ref: RefArg, team: TeamOption = None, as_user: AsOption = None, key: KeyOption = None) -> None:
    """Show one version in full (JSON).

    Example: `steward registry show model:qwen2.5-coder-1.5b@1`
    """
    print_json(versions.resolve(context.open_store(), actor(as_user, key), ref, team).as_dict())


@app.command("stage")
def stage_command(
    ref: RefArg,
    stage: Annotated[str, typer.Argument(help="candidate, staging, production, archived, or a free tag.")],
    remove: Annotated[bool, typer.Option("--remove", help="Take the stage/tag off instead.")] = False,
    team: TeamOption = None,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Set a stage (one version per name holds candidate/staging/production) or a tag on a version.

    Example: `steward registry stage prompt:airport-assistant@2 staging`
    """
    version = versions.set_stage(context.open_store(), actor(as_user, key), ref, stage, team, remove=remove)
    context.console.print(f"{version.ref}: {', '.join(version.labels) or 'no stages'}")


@app.command("lineage")
def lineage_command(
    ref: RefArg,
    team: TeamOption = None,
    as_json: JsonOption = False,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Where a version came from and what it fed: dataset → training run → model → eval run → deployment.

    Example: `steward registry lineage model:qwen2.5-coder-0.5b`
    """
    store = context.open_store()
    version = versions.resolve(store, actor(as_user, key), ref, team)
    if as_json:
        print_json(lineage.graph(store, version.node))
        return
    up, down = lineage.walk(store, version.node, "up"), lineage.walk(store, version.node, "down")
    names = lineage.describe(store, sorted({version.node} | {n for e in up + down for n in (e.parent, e.child)}))
    tree = Tree(f"[bold]{names[version.node]}[/]")
    ups = tree.add("came from")
    for e in up:
        ups.add(f"{names[e.parent]} —{e.relation}→ {names[e.child]}")
    downs = tree.add("fed")
    for e in down:
        downs.add(f"{names[e.parent]} —{e.relation}→ {names[e.child]}")
    context.console.print(tree)


@app.command("link")
def link_command(
    parent: Annotated[str, typer.Argument(help="From: a version ref, `eval_run:evr_…` or `deployment:dep_…`.")],
    child: Annotated[str, typer.Argument(help="To: same forms.")],
    relation: Annotated[str, typer.Option("--relation", help="e.g. evaluated_by, trained_on.")] = "derived",
    team: TeamOption = None,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Record a lineage edge by hand (deployments and promotions record theirs themselves).

    Example: `steward registry link eval_run:evr_1a2b model:qwen2.5-coder-1.5b@1 --relation evaluated_by`
    """
    added = lineage.link(context.open_store(), actor(as_user, key), parent, child, relation, team)
    context.console.print("linked" if added else "already linked")


@app.command("card")
def card_command(ref: RefArg, team: TeamOption = None, as_user: AsOption = None, key: KeyOption = None) -> None:
    """Print the model card or data card of a version (JSON), generated from the registry and evaluations.

    Example: `steward registry card model:qwen2.5-coder-1.5b`
    """
    store = context.open_store()
    version = versions.resolve(store, actor(as_user, key), ref, team)
    if version.kind == "model":
        print_json(cards.model_card(store, context.project(), version))
    elif version.kind == "dataset":
        print_json(cards.data_card(store, version))
    else:
        raise InvalidRequest(f"{version.ref} is a {version.kind}; cards exist for models and datasets.")


def _timestamp(text: str, option: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            f"{option} {text!r} is not a date; write it as 2026-12-01 or 2026-12-01T09:30."
        ) from None
    return (moment if moment.tzinfo else moment.astimezone()).timestamp()  # naive: local time, as typed


@app.command("dataset-build")
def dataset_build(
    app_name: Annotated[str, typer.Argument(help="The app whose records to use.")],
    name: Annotated[str, typer.Option("--name", help="The dataset's registry name.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSONL file.")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only records from this time on (ISO 8601: 2026-12-01, 2026-12-01T09:30)."),
    ] = None,
    include_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--include-origin",
            help="Also take records of this origin (eval, redteam, test); repeatable. Default: traffic only.",
        ),
    ] = None,
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Build a training dataset from the app's served traffic records that have consent, and register it.

    Records of evals, red-team scans and tests are left out unless `--include-origin` names their origin.

    Example: `steward registry dataset-build airport-assistant --name airport-sft --out data/airport-sft.jsonl`
    """
    origins = tuple(dict.fromkeys(["traffic", *(include_origin or [])]))
    built = datasets.build_from_records(
        context.open_store(),
        context.project(),
        app_name,
        name,
        actor(as_user, key),
        out,
        description=description,
        origins=origins,
        since=_timestamp(since, "--since") if since else None,
    )
    state = "registered" if built.created else "already registered as"
    context.console.print(
        f"{state} {built.version.ref}: {built.rows} rows written to {built.path} "
        f"({built.excluded_without_consent} records without consent excluded, "
        f"{built.excluded_by_origin} from evals, red-team scans or tests excluded)"
    )


@app.command("dataset-register")
def dataset_register(
    name: Annotated[str, typer.Argument(help="The dataset's registry name.")],
    file: Annotated[Path, typer.Option("--file", help="The dataset file.")],
    source: Annotated[str, typer.Option("--source", help="Where it comes from (URL, system, licence).")],
    consent: Annotated[str, typer.Option("--consent", help="The consent / legal basis of its personal data.")],
    pii: Annotated[str | None, typer.Option("--pii", help='PII summary as JSON, e.g. {"names": 0}.')] = None,
    team: Annotated[str, typer.Option("--team")] = "default",
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Register an external dataset file by content hash, with its data-card facts.

    Example: `steward registry dataset-register faq --file faq.jsonl --source intranet --consent none`
    """
    summary = json.loads(pii) if pii else None
    version, created = datasets.register_file(
        context.open_store(), actor(as_user, key), team, name, file, source=source, consent=consent, pii=summary
    )
    context.console.print(f"{'registered' if created else 'already registered as'} {version.ref}")


@app.command("run-register")
def run_register(
    name: Annotated[str, typer.Argument(help="The training run's name.")],
    dataset: Annotated[list[str], typer.Option("--dataset", help="Training data version (repeatable).")],
    base_model: Annotated[
        str | None, typer.Option("--base-model", help="The model version it started from.")
    ] = None,
    produces: Annotated[str | None, typer.Option("--produces", help="The model version it produced.")] = None,
    params: Annotated[str | None, typer.Option("--params", help="Hyper-parameters as JSON.")] = None,
    team: Annotated[str, typer.Option("--team")] = "default",
    as_user: AsOption = None,
    key: KeyOption = None,
) -> None:
    """Record a training run with its lineage (dataset → run → model).

    Example: `steward registry run-register sft-1 --dataset dataset:airport-sft@1 --produces model:airport-lora@1`
    """
    run = datasets.register_training_run(
        context.open_store(),
        actor(as_user, key),
        team,
        name,
        datasets=dataset,
        base_model=base_model,
        produces=produces,
        params=json.loads(params) if params else None,
    )
    context.console.print(f"recorded {run.ref}")
