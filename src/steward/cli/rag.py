"""`steward rag`: ingest, delete, list, query and evaluate document collections.

Commands delegate to `steward.rag.Retriever`. They act as the local operator, who reads every document;
`query` and `eval` take `--groups`/`--team` to see exactly what a key with those reader groups would see.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from steward.cli import context
from steward.types import LOCAL_OPERATOR, Principal

app = typer.Typer(no_args_is_help=True, help="Document collections for grounded answers (RAG).")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _retriever() -> Any:
    from steward.rag import Retriever

    return Retriever.from_project(context.project(), context.settings(), context.open_store(), sync=False)


def _print_json(data: Any) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode())


def _principal(groups: str | None, team: str | None) -> Principal:
    if groups is None and team is None:
        return LOCAL_OPERATOR
    names = tuple(g.strip() for g in (groups or "").split(",") if g.strip())
    return Principal(key_id="cli-as", role="app", team=team or "default", groups=names, name="cli --groups")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=context.err_console,
        transient=True,
    )


@app.command()
def ingest(
    collection: Annotated[str, typer.Argument(help="Collection name (declared under `collections:` or new).")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: txt, md, html, pdf, csv, jsonl.")],
    groups: Annotated[
        str | None,
        typer.Option("--groups", help="Comma-separated reader groups (default: the collection's `readers`)."),
    ] = None,
    squad: Annotated[
        bool, typer.Option("--squad", help="The files are SQuAD JSON: one document per paragraph.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest documents; unchanged ones are skipped, unreadable files are reported and skipped.

    Example: `steward rag ingest airport-kb ./kb --groups team:default,ops`
    """
    retriever = _retriever()
    group_list = [g for g in groups.split(",")] if groups is not None else None
    with _progress() as bar:
        task = bar.add_task("ingesting", total=None)
        report = retriever.ingest(
            collection,
            list(paths),
            group_list,
            squad=squad,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if as_json:
        _print_json(report.as_dict())
        return
    out = context.console
    out.print(
        f"{collection}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.regrouped)} regrouped, {len(report.removed)} removed, {report.unchanged} unchanged; "
        f"{report.chunks} chunks in {report.seconds:.1f}s (embedding {report.embed_seconds:.1f}s)"
    )
    for path, reason in report.skipped:
        context.err_console.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)
    if report.skipped and not (report.added or report.updated or report.unchanged or report.regrouped):
        raise typer.Exit(1)


@app.command()
def delete(
    collection: Annotated[str, typer.Argument(help="Collection name.")],
    document: Annotated[str, typer.Argument(help="Document key (`bookings.jsonl#290049223`) or a file's key.")],
) -> None:
    """Delete a document (or every document of a file) from the store and the index.

    Example: `steward rag delete airport-kb bookings.jsonl#290049223`
    """
    removed = _retriever().delete(collection, document)
    context.console.print(f"deleted {len(removed)} document(s) from {collection}: {', '.join(removed)}")


@app.command("list")
def list_command(
    collection: Annotated[str | None, typer.Argument(help="Show this collection's documents.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List collections, or the documents of one collection with their provenance.

    Example: `steward rag list airport-kb`
    """
    retriever = _retriever()
    rows = retriever.documents(collection) if collection else retriever.collections()
    if as_json:
        _print_json(rows)
        return
    if collection:
        table = Table("document", "kind", "version", "chunks", "groups", "ingested", "sha256")
        for row in rows:
            table.add_row(
                row["key"],
                row["kind"],
                str(row["version"]),
                str(row["chunks"]),
                ",".join(row["groups"]),
                _when(row["ingested_at"]),
                row["content_hash"][:12],
            )
    else:
        table = Table("collection", "documents", "chunks", "version", "updated", "description")
        for row in rows:
            table.add_row(
                row["name"],
                str(row["documents"]),
                str(row["chunks"]),
                str(row["version"]),
                _when(row["updated_at"]),
                row.get("description", ""),
            )
    context.console.print(table)


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M") if timestamp else "-"


@app.command()
def query(
    collection: Annotated[str, typer.Argument(help="Collection name.")],
    question: Annotated[str, typer.Argument(help="The question.")],
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=50, help="Chunks to return.")] = None,
    groups: Annotated[
        str | None, typer.Option("--groups", help="Search as a key with these reader groups.")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="Search as a key of this team.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show what retrieval returns for a question (hybrid vector + BM25, exact identifiers first).

    Example: `steward rag query airport-kb "What is the status of PNR 290049223?"`
    """
    retrieval = _retriever().search(collection, question, _principal(groups, team), top_k)
    hits = [
        {
            "n": n,
            "document": h.chunk.document_key,
            "chunk": h.chunk.id,
            "score": round(h.score, 4),
            "vector_rank": h.vector_rank,
            "keyword_rank": h.keyword_rank,
            "uri": h.chunk.uri,
            "text": h.chunk.text,
        }
        for n, h in enumerate(retrieval.hits, 1)
    ]
    data = {
        "question": question,
        "identifiers": retrieval.identifiers,
        "missing": retrieval.missing,
        "embed_ms": round(retrieval.embed_ms, 2),
        "search_ms": round(retrieval.search_ms, 2),
        "hits": hits,
    }
    if as_json:
        _print_json(data)
        return
    out = context.console
    if retrieval.missing:
        out.print(f"[yellow]declines[/]: {', '.join(retrieval.missing)} is in no readable document.")
    for hit in hits:
        out.print(
            f"[bold][{hit['n']}][/] {hit['document']} (score {hit['score']}, vector #{hit['vector_rank']}, "
            f"keyword #{hit['keyword_rank']})",
            highlight=False,
        )
        out.print("    " + hit["text"].replace("\n", "\n    "), highlight=False)
    out.print(f"embedding {data['embed_ms']} ms, search {data['search_ms']} ms", style="dim")


@app.command("eval")
def eval_command(
    collection: Annotated[str, typer.Argument(help="Collection name.")],
    data: Annotated[Path, typer.Option("--data", help="JSONL {question, answers, context_ids?} or SQuAD JSON.")],
    app_name: Annotated[str | None, typer.Option("--app", help="Also answer through this app's pipeline.")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=50, help="k of recall@k.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N questions.")] = None,
    groups: Annotated[str | None, typer.Option("--groups", help="Evaluate as a key with these groups.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Retrieval recall@k and MRR; with `--app`, EM/F1, correct declines and groundedness of the answers.

    Example: `steward rag ingest qa data.json --squad && steward rag eval qa --data data.json --app qa-bot`
    """
    from steward.evals.retrieval import evaluate, load_questions, pipeline_answerer, search_as

    retriever = _retriever()
    questions = load_questions(data)[:limit]
    k = top_k or retriever.spec(collection).top_k
    client = context.client() if app_name else None
    try:
        answer = pipeline_answerer(client, app_name) if client is not None and app_name else None
        with _progress() as bar:
            task = bar.add_task("evaluating", total=len(questions))
            report = evaluate(
                search_as(retriever, collection, _principal(groups, None), k),
                questions,
                k,
                answer,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        if client is not None:
            client.close()
    if as_json:
        _print_json(report)
        return
    table = Table("metric", "value")
    for name, value in report.items():
        if name != "failures":
            table.add_row(name, "-" if value is None else str(value))
    context.console.print(table)
    for failure in report["failures"]:
        context.err_console.print(f"[yellow]failed[/] {failure['id']}: {failure['error']}", highlight=False)
