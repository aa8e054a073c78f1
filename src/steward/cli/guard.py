"""`steward guard`: try an app's policy on a text, evaluate a scanner on labelled data, list scanners.

Commands only parse options and call `steward.guardrails`; figures come from `steward.evals.scanners`.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from steward.cli import context
from steward.types import Decision

app = typer.Typer(no_args_is_help=True, help="Guardrails: check texts against an app's policy, evaluate scanners.")


class StageName(StrEnum):
    input = "input"
    retrieved = "retrieved"
    output = "output"


def _decision_dict(decision: Decision, pseudonyms: list[str]) -> dict[str, object]:
    return {
        "stage": decision.stage,
        "action": decision.action,
        "reasons": decision.reasons,
        "policy": decision.policy,
        "policy_version": decision.policy_version,
        "text": decision.text,
        "scanner_ms": decision.scanner_ms,
        "findings": [
            {
                "scanner": f.scanner,
                "kind": f.kind,
                "score": f.score,
                "start": f.start,
                "end": f.end,
                "detail": f.detail,
            }
            for f in decision.findings
        ],
        "pseudonyms": pseudonyms,  # the placeholders only; real values never leave the process
    }


@app.command("check")
def check(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app whose policy applies.")],
    text: Annotated[str, typer.Option("--text", help="The text to scan; `-` reads standard input.")],
    stage: Annotated[StageName, typer.Option("--stage", help="Which stage of the policy runs.")] = StageName.input,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Scan a text with an app's policy and show the findings and the decision.

    Example: `steward guard check airport-assistant --stage input --text "I'm Ann Lee, booking ref QX7P2M"`
    """
    from steward.guardrails import Guard

    body = sys.stdin.read() if text == "-" else text
    guard = Guard.from_project(context.project(), context.settings())
    decision = guard.scan(app_name, stage.value, body)
    if as_json:
        placeholders = sorted(guard.pseudonyms.of(decision))
        sys.stdout.write(json.dumps(_decision_dict(decision, placeholders), indent=2) + "\n")
        return
    table = Table("scanner", "kind", "score", "span", "detail", title=f"{app_name} · {stage.value} stage")
    for finding in decision.findings:
        span = f"{finding.start}-{finding.end}" if finding.start is not None else "-"
        table.add_row(finding.scanner, finding.kind, f"{finding.score:.3f}", span, finding.detail)
    context.console.print(table)
    policy = (
        f"{decision.policy} ({decision.policy_version})" if decision.policy else "none (the app has no policy)"
    )
    context.console.print(f"policy: {policy}")
    context.console.print(f"decision: [bold]{decision.action}[/]  reasons: {', '.join(decision.reasons) or '-'}")
    if decision.text is not None and decision.text != body:
        context.console.print(f"text: {decision.text}", highlight=False)
    timings = ", ".join(f"{name} {ms:.1f} ms" for name, ms in decision.scanner_ms.items())
    context.console.print(f"time: {timings or '-'}")


@app.command("eval")
def evaluate(
    scanner: Annotated[
        str, typer.Argument(metavar="SCANNER", help="injection, toxicity, pii, secrets, or a plugin.")
    ],
    data: Annotated[
        Path,
        typer.Option("--data", help="JSONL: {text, label} or {text, labels: [..]} rows; {text, spans} for pii."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
    any_type: Annotated[
        bool, typer.Option("--any-type", help="PII: a found span of any type counts; recall under the gold type.")
    ] = False,
    match: Annotated[
        str, typer.Option("--match", help="PII: exact (same boundaries) or overlap (a shared character).")
    ] = "exact",
    presidio: Annotated[
        bool,
        typer.Option("--presidio", help="PII: also score stock Presidio (same spaCy model) on the same rows."),
    ] = False,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", min=0.0, max=1.0, help="Score cut (default: the policy default)."),
    ] = None,
    entities: Annotated[
        str | None, typer.Option("--entities", help="PII: comma-separated types to look for.")
    ] = None,
    stage: Annotated[StageName, typer.Option("--stage", help="The stage the scanner believes it is in.")] = (
        StageName.input
    ),
    model_path: Annotated[
        str | None,
        typer.Option(
            "--model-path",
            help="injection, toxicity: a local transformers checkpoint (backend: hub) instead of the shipped one.",
        ),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option("--labels", help="With --model-path: comma-separated labels that count as positive."),
    ] = None,
) -> None:
    """Evaluate a scanner on labelled data: precision, recall, F1, FPR (per type for PII, per label for rows
    with `labels`, e.g. toxicity's hate / offensive), latency.

    Latency is per item, p50/p99 over the file's items, after one untimed warm-up call (model loads excluded).

    Example: `steward guard eval injection --data prompts.jsonl --json`
    """
    from steward.evals.scanners import evaluate_file

    wanted = [e.strip().upper() for e in entities.split(",") if e.strip()] if entities else None
    result = evaluate_file(
        scanner,
        data,
        threshold=threshold,
        any_type=any_type,
        entities=wanted,
        stage=stage.value,
        model_path=model_path,
        labels=[label.strip() for label in labels.split(",") if label.strip()] if labels else None,
        match=match,  # type: ignore[arg-type]  # checked by evaluate_file
        presidio=presidio,
    )
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    _print_figures(result)


def _print_figures(result: dict[str, object]) -> None:
    context.console.print(
        f"{result['scanner']} on {result['data']} ({result['n']} items, threshold {result['threshold']})"
    )
    headline = ["precision", "recall", "f1"] + (["fpr"] if "fpr" in result else [])
    context.console.print("  ".join(f"{k} {float(result[k]):.3f}" for k in headline))  # type: ignore[arg-type]
    per_type = result.get("per_type")
    presidio = result.get("presidio")
    if isinstance(per_type, dict) and per_type:
        context.console.print(f"matching: {result['match']}{', any type' if result['any_type'] else ''}")
        _print_per_type(per_type, presidio.get("per_type") if isinstance(presidio, dict) else None)
    per_label = result.get("per_label")
    if isinstance(per_label, dict) and per_label:
        _print_per_type(per_label, None, "label")
    if isinstance(presidio, dict):
        context.console.print(
            "stock Presidio: " + "  ".join(f"{k} {float(presidio[k]):.3f}" for k in ("precision", "recall", "f1"))
        )
    context.console.print(
        f"latency per item (after a warm-up call): p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
    )


def _print_per_type(
    per_type: dict[str, dict[str, float]], presidio: dict[str, dict[str, float]] | None, key: str = "type"
) -> None:
    columns = [key, "precision", "recall", "f1", "fpr", "support"]
    if presidio is not None:
        columns += ["presidio P", "presidio R"]
    table = Table(*columns)
    for kind in sorted(set(per_type) | set(presidio or {})):
        figures = per_type.get(kind, {})
        row = [kind, *(f"{figures.get(k, 0.0):.3f}" for k in ("precision", "recall", "f1", "fpr"))]
        row.append(str(figures.get("support", (presidio or {}).get(kind, {}).get("support", 0))))
        if presidio is not None:
            theirs = presidio.get(kind, {})
            row += [f"{theirs.get('precision', 0.0):.3f}", f"{theirs.get('recall', 0.0):.3f}"]
        table.add_row(*row)
    context.console.print(table)


@app.command("scanners")
def scanners() -> None:
    """List the installed scanners (built-in and from plugins).

    Example: `steward guard scanners`
    """
    from steward.guardrails import scanner_factories

    for name, factory in sorted(scanner_factories().items()):
        context.console.print(f"{name}  [dim]{factory.__doc__ or factory.__module__}[/]")
