"""`steward explain RECORD`: why a record's guardrails decided, why its model served, its reasoning, in words for
one audience.

The command only parses options and calls `steward.explain.service.explain`, as the management API's
`GET /v1/records/{id}/explanation` and the console's record page do: the same sections, the same checked words.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import orjson
import typer

from steward.cli import context

app = typer.Typer()


class AudienceChoice(StrEnum):
    end_user = "end_user"
    operator = "operator"
    auditor = "auditor"


@app.command("explain")
def explain(
    record_id: Annotated[str, typer.Argument(help="The record id (`rec_…`), as `steward records list` shows it.")],
    audience: Annotated[
        AudienceChoice,
        typer.Option(
            "--audience",
            help="Who reads it: end_user (plain words), operator (scores, features, route) or auditor (also "
            "methods, whether each score was reproduced, digests).",
        ),
    ] = AudienceChoice.operator,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the explanation, its claims and sections as JSON.")
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(
            "--key", help="Read as this API key, its team only (default: $STEWARD_API_KEY, else all teams)."
        ),
    ] = None,
) -> None:
    """Explain one record: each guardrail finding (spans, the n-grams and words that drove a classifier's score,
    the recogniser and pattern of personal data), why its model served (route, canary share, sticky subject,
    fallback after which error), its sources, and the model's reasoning where the app captures it and the audience
    may read it. Every sentence names the attribution that supports it; a sentence that names anything the
    attribution does not hold is refused. End-user text comes with its Flesch-Kincaid grade.

    Example: `steward explain rec_0f1e2d3c4b5a69788796a5b4c3d2e1f0 --audience end_user`
    """
    from steward.explain.service import explain as explain_record

    found = explain_record(
        context.open_store(), context.principal(key), record_id, audience.value, context.project()
    )
    if as_json:
        sys.stdout.write(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console = context.console
    console.rule(f"{found['record_id']} · {found['app']} · for {found['audience']}")
    console.print(
        found["text"] or "Nothing to explain: no guardrail finding, no model call, no sources.", markup=False
    )
    grade = found.get("readability")
    if grade:
        console.print(
            f"\nreadability: Flesch-Kincaid grade {grade['flesch_kincaid_grade']}, reading ease "
            f"{grade['flesch_reading_ease']}",
            style="dim",
        )
