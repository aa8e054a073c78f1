"""`steward testset`: generate evaluation datasets from a RAG collection (questions, answers, chunk ids)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from steward.cli import context
from steward.errors import InvalidRequest

app = typer.Typer(no_args_is_help=True, help="Generate test sets from a RAG collection.")


def _mix(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    mix: dict[str, float] = {}
    for part in text.split(","):
        kind, sep, weight = part.partition("=")
        try:
            mix[kind.strip()] = float(weight)
        except ValueError:
            sep = ""
        if not sep or mix.get(kind.strip(), -1) < 0:
            raise InvalidRequest(
                f"--mix {text!r}: write KIND=WEIGHT pairs, e.g. easy=0.4,complex=0.3,distracting=0.3."
            )
    return mix


@app.command("generate")
def generate_command(
    collection: Annotated[str, typer.Argument(help="A collection declared in steward.yaml (and ingested).")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many cases.")] = 30,
    out: Annotated[Path | None, typer.Option("--out", help="Write JSONL here (default: stdout).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampling.")] = 0,
    mix: Annotated[
        str | None, typer.Option("--mix", help="Kinds and weights: easy=0.4,complex=0.3,distracting=0.3")
    ] = None,
    generator: Annotated[
        str, typer.Option("--generator", help="template (offline, default), model:ID or app:NAME.")
    ] = "template",
) -> None:
    """Generate easy, complex and distracting questions with reference answers and chunk ids.

    Example: `steward testset generate airport-kb --n 50 --out examples/evals/airport_testset.jsonl`
    """
    from steward.evals.pipeline import ClientPipeline
    from steward.evals.testset import generate_testset, write_jsonl

    out = None if out is None else context.output_file(out, "--out")
    pipeline = ClientPipeline(context.client())
    try:
        cases, fallbacks = generate_testset(pipeline, collection, n, mix=_mix(mix), seed=seed, generator=generator)
    finally:
        pipeline.close()
    text = write_jsonl(cases)
    if out is None:
        sys.stdout.write(text)
        return
    context.write_text(out, text)  # the file appears only once complete
    kinds = Counter(c["tags"][0] for c in cases)
    context.console.print(
        f"wrote {len(cases)} cases to {out} ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))})"
        + (f"; {fallbacks} model questions fell back to templates" if fallbacks else "")
    )
