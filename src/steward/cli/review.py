"""`steward review`: the human review queue (list, show, approve, reject), reviewers' corrections of answers
(correct), inter-rater agreement of the two-person rule's labels (agreement), and the review rule of steward.yaml
run once (fill).

At the terminal you act as the local operator (an admin), unless `--key` (or `STEWARD_API_KEY`) names an API
key: then that key's role and team decide what you may see and decide (`steward.guardrails.review`).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from steward.cli import context
from steward.types import Principal

if TYPE_CHECKING:
    from steward.guardrails.review import ReviewQueue

app = typer.Typer(no_args_is_help=True, help="Review escalated requests: release or refuse what a policy held.")

KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="Act as this API key (default: $STEWARD_API_KEY, else the local operator)."),
]
ItemArg = Annotated[str, typer.Argument(help="Review item id or record id.")]
NoteOption = Annotated[
    str,
    typer.Option(
        "--note",
        help="Why. Kept with the decision and in its audit event, which can never be changed or erased: write no "
        "personal data here.",
    ),
]


def _principal(key: str | None) -> Principal:
    return context.principal(key)


def _queue() -> ReviewQueue:
    from steward.guardrails.review import ReviewQueue

    return ReviewQueue(context.open_store(), context.project())


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds") if at else "-"


@app.command("list")
def list_items(
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="pending, approved, rejected, decided, needs_second_label (one label of two is in), "
            "disagreements "
            "(the two labels differ) or all.",
        ),
    ] = "pending",
    app_name: Annotated[str | None, typer.Option("--app", help="Only items of this app.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    key: KeyOption = None,
) -> None:
    """List review items, oldest first.

    Example: `steward review list --app airport-assistant --status all`
    """
    principal = _principal(key)
    if app_name is not None:
        from steward.governance.tenancy import require_app

        require_app(context.project(), principal, app_name)
    items = _queue().list(principal, status=None if status == "all" else status, app=app_name, limit=limit)
    if as_json:
        sys.stdout.write(json.dumps([i.as_dict() for i in items], indent=2) + "\n")
        return
    if not items:
        of_app = f" of {app_name}" if app_name else ""
        more = "" if status == "all" else f" with status {status} (`--status all` shows every one)"
        context.err_console.print(f"no review items{of_app}{more}.")
        return
    table = Table("id", "record", "app", "stage", "reasons", "status", "held since")
    for item in items:
        table.add_row(
            item.id,
            item.record_id,
            item.app,
            item.stage,
            ", ".join(item.reasons),
            item.status,
            _when(item.created_at),
        )
    context.console.print(table)


@app.command("show")
def show(item_id: ItemArg, key: KeyOption = None) -> None:
    """Show one item with the text that was held.

    Example: `steward review show rev_0123abcd`
    """
    item = _queue().get(_principal(key), item_id)
    sys.stdout.write(json.dumps(item.as_dict(), indent=2) + "\n")


@app.command("claim")
def claim(item_id: ItemArg, key: KeyOption = None) -> None:
    """Claim an item for 15 minutes (claim again to renew), so other reviewers see it taken and may not decide it.

    Example: `steward review claim rev_1a2b… --key $REVIEWER_KEY`
    """
    item = _queue().claim(_principal(key), item_id)
    context.console.print(f"claimed {item.id} (record {item.record_id}) until {_when(item.claimed_until)}")


@app.command("unclaim")
def unclaim(item_id: ItemArg, key: KeyOption = None) -> None:
    """Let go of your claim on an item before it expires, so that another reviewer may take it.

    Example: `steward review unclaim rev_1a2b… --key $REVIEWER_KEY`
    """
    item = _queue().unclaim(_principal(key), item_id)
    context.console.print(f"let go of {item.id} (record {item.record_id})")


@app.command("approve")
def approve(item_id: ItemArg, note: NoteOption = "", key: KeyOption = None) -> None:
    """Release a held request. Where its policy asks for two reviewers (`reviewers: 2`), the first approval is kept
    and a second, different reviewer's releases it; on an item a first reviewer refused, a second approval is kept
    as a blind label only and never releases it.

    Example: `steward review approve rev_1a2b… --note "disclosure present, fine"`
    """
    item = _queue().approve(_principal(key), item_id, note)
    if item.status == "rejected":
        context.console.print(
            f"labelled {item.id} (record {item.record_id}) approve as its second reviewer; it stays rejected "
            f"(refused by {item.decided_by}: a second label never releases it)",
            markup=False,  # a reviewer's key name is printed as it is
        )
        return
    if item.status == "pending":
        context.console.print(
            f"approved {item.id} (record {item.record_id}) as the first of two reviewers "
            f"({item.first_approval_by}); a second, different reviewer must approve it",
            markup=False,
        )
        return
    context.console.print(f"approved {item.id} (record {item.record_id}) by {item.decided_by}", markup=False)


@app.command("reject")
def reject(item_id: ItemArg, note: NoteOption = "", key: KeyOption = None) -> None:
    """Refuse a held request for good (its held text is erased). Under the two-person rule a first rejection
    refuses it at once and the item stays open for a second, blind label by a different reviewer (its held text is
    erased once that label is in).

    Example: `steward review reject rev_0123abcd --note "investment advice"`
    """
    item = _queue().reject(_principal(key), item_id, note)
    context.console.print(f"rejected {item.id} (record {item.record_id}) by {item.decided_by}", markup=False)


@app.command("agreement")
def agreement(
    app_name: Annotated[str | None, typer.Option("--app", help="Only items of this app.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Second labels given from this time (ISO 8601 or epoch seconds).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Second labels given before this time (ISO 8601 or epoch seconds)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    key: KeyOption = None,
) -> None:
    """Inter-rater agreement of the two-person rule: Cohen's κ of the first against the second (blind) label of the
    items that got two, overall, per app, per policy and per pair of reviewers with at least 5 items together, with
    the count of items and the observed agreement; κ is "undefined" (with why) below 5 items or with one class.

    Example: `steward review agreement --app airport-assistant --json`
    """
    from steward.gateway.management.common import check_range, parse_time
    from steward.guardrails.agreement import agreement as kappa

    principal = _principal(key)
    if app_name is not None:
        from steward.governance.tenancy import require_app

        require_app(context.project(), principal, app_name)
    start, end = parse_time(since, "--since"), parse_time(until, "--until")  # the error names the option
    check_range(start, end)
    found = kappa(context.open_store(), principal, (app_name,) if app_name else None, start, end)
    if as_json:
        sys.stdout.write(json.dumps({"app": app_name, **found}, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table("scope", "items", "observed agreement", "κ")
    rows = [("overall", found["overall"])]
    rows += [(f"app {r['app']}", r) for r in found["by_app"]]
    rows += [(f"policy {r['policy']}", r) for r in found["by_policy"]]
    rows += [(" & ".join(r["reviewers"]), r) for r in found["by_pair"]]
    for scope, row in rows:  # a key's name is the reviewer's, printed as it is (never read as markup)
        scope = escape(scope)
        observed = "-" if row["observed_agreement"] is None else f"{row['observed_agreement']:.2f}"
        value = f"{row['kappa']:.3f}" if row["kappa"] is not None else f"undefined: {row['undefined']}"
        table.add_row(scope, str(row["items"]), observed, value)
    context.console.print(table)
    count = found["disagreements"]
    context.console.print(
        f"{count} disagreement{'' if count == 1 else 's'} (`steward review list --status disagreements`)",
        highlight=False,
    )


@app.command("correct")
def correct(
    record_id: Annotated[str, typer.Argument(help="The record whose answer you correct.")],
    answer: Annotated[str, typer.Option("--answer", help="The answer the app should have given.")],
    why: Annotated[
        str,
        typer.Option(
            "--why",
            help="What was wrong with the model's answer. Kept with the correction and in its audit event, which "
            "can never be changed or erased: write no personal data here.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the correction as JSON.")] = False,
    key: KeyOption = None,
) -> None:
    """Keep a corrected answer of a record, with who, when and why (an audit event); datasets built from the
    records (`steward alerts dataset`) take it instead of the model's answer.

    Example: `steward review correct rec_0123abcd --answer "Gate B12, boarding 9:40." --why "wrong gate"`
    """
    correction = _queue().correct(_principal(key), record_id, answer, why)
    if as_json:
        sys.stdout.write(json.dumps(correction.as_dict(), indent=2) + "\n")
        return
    context.console.print(f"corrected record {correction.record_id} ({correction.id}) by {correction.by}")


@app.command("fill")
def fill() -> None:
    """Run the review rule of steward.yaml (`monitor.review`) once now: queue the records of low feedback and
    escalations that are not queued yet (`steward serve` does this on its own every monitor pass).

    Example: `steward review fill`
    """
    from steward.errors import InvalidRequest
    from steward.guardrails.review_rule import ReviewFiller

    rule = context.project().monitor.review
    if rule is None:
        raise InvalidRequest("there is no review rule: add `monitor.review:` to steward.yaml (see the README).")
    added = ReviewFiller(context.open_store(), rule).run()
    context.console.print(f"queued {added} records for review")
