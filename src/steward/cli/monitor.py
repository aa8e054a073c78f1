"""`steward monitor`: rollups of the records and drift between two windows of an app's traffic.

Thin: each command parses options and calls `steward.monitor`; tables are Rich, `--json` prints data. The
commands act as the local operator (every team), as `steward records` does without `--key`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from steward.cli import context
from steward.errors import InvalidRequest
from steward.language import counted
from steward.monitor.rollups import GRAINS, STEWARD_APPS, UNKNOWN_APP, Rollup
from steward.monitor.worker import RollupWorker

app = typer.Typer(no_args_is_help=True, help="Watch the apps in production: rollups and drift.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _print_json(data: Any) -> None:
    # rows read from the store are keyed by SQLAlchemy's `quoted_name`, a str subclass orjson refuses as a key
    options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
    sys.stdout.write(orjson.dumps(data, option=options).decode() + "\n")


def _known_app(name: str, own: bool = False) -> str:
    """An app of the config (with `own`, also the buckets of Steward's own: `(unknown)`, `(embeddings)`)."""
    apps = context.project().apps
    if name not in apps and not (own and name in (UNKNOWN_APP, *STEWARD_APPS)):
        raise InvalidRequest(f"no app {name!r} in the config; the apps are: {', '.join(sorted(apps)) or 'none'}.")
    return name


@app.command()
def rebuild(as_json: JsonOption = False) -> None:
    """Rebuild every rollup from the records (the server keeps them up to date on its own).

    Beside a running server, whose monitoring process folds new records too, the two share the work: what the
    rollups hold afterwards is said as requests (traffic only; evals and tests are not folded).

    Example: `steward monitor rebuild`
    """
    store = context.open_store()
    folded = RollupWorker(store, apps=context.project().apps).rebuild()
    held = sum(rollup.requests for _, rollup in store.monitoring.rollups(None, "day"))
    if as_json:
        _print_json({"records": folded, "requests": held})
    else:
        shared = " (folded by a running server's monitoring)" if held and not folded else ""
        context.console.print(
            f"rebuilt the rollups from the records: they hold {counted(held, 'request')}{shared}"
        )


@app.command()
def rollups(
    app_name: Annotated[
        str | None,
        typer.Argument(
            help="An app of the config, or (unknown) for apps it does not declare (default: every app)."
        ),
    ] = None,
    grain: Annotated[str, typer.Option("--grain", help="minute, hour or day.")] = "hour",
    window: Annotated[
        str, typer.Option("--window", help="Which buckets: FROM..TO (ISO 8601, `now`, -24h …).")
    ] = "-24h..now",
    as_json: JsonOption = False,
) -> None:
    """Requests by status, latency p50/p95/p99, tokens, cost, verdict rates and feedback per bucket.

    Example: `steward monitor rollups airport-assistant --grain hour --window -24h..now`
    """
    from steward.monitor.windows import parse_window

    if grain not in GRAINS:
        raise InvalidRequest(f"--grain {grain!r} is not one of {', '.join(GRAINS)}.")
    span = parse_window(window)
    if span.first is not None:
        raise InvalidRequest("--window takes FROM..TO here (first:N@MODEL picks records, not buckets).")
    store = context.open_store()
    RollupWorker(store, apps=context.project().apps).catch_up()  # include what the server has not folded yet
    found = store.monitoring.rollups(
        _known_app(app_name, own=True) if app_name else None, grain, span.since, span.until
    )
    if as_json:
        _print_json([{"app": k.app, "model": k.model, "arm": k.arm, "grain": k.grain,
                      "bucket": _iso(k.bucket), **r.summary()} for k, r in found])  # fmt: skip
        return
    if not found:
        context.err_console.print(f"no records in {window}; widen --window or send traffic first.")
        return
    table = Table("bucket (UTC)", "app", "model", "arm", "requests", "blocked", "failed", "4xx", "p50 ms",
                  "p95 ms", "p99 ms", "tokens", "cost", "feedback")  # fmt: skip
    for key, rollup in found:
        table.add_row(_iso(key.bucket), key.app, key.model, key.arm, *_cells(rollup))
    context.console.print(table)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="minutes").replace("+00:00", "Z")


def _cells(rollup: Rollup) -> list[str]:
    s = rollup.summary()
    latency = s["latency_ms"]
    feedback = s["feedback"]
    return [
        str(s["requests"]),
        str(s["statuses"]["blocked"]),
        str(s["statuses"]["failed"]),
        str(s["statuses"]["client_error"]),
        *(f"{latency[q]:.0f}" if latency[q] is not None else "-" for q in ("p50", "p95", "p99")),
        str(s["prompt_tokens"] + s["completion_tokens"]),
        f"{s['cost']:.4f}",
        f"{feedback['count']} ({feedback['mean']:+.2f})" if feedback["count"] else "-",
    ]


@app.command()
def drift(
    app_name: Annotated[str, typer.Argument(help="An app of the config.")],
    reference: Annotated[
        str, typer.Option("--reference", help="FROM..TO (ISO 8601, `now`, -14d …) or first:N@MODEL.")
    ],
    current: Annotated[str, typer.Option("--current", help="FROM..TO, as --reference.")] = "-24h..now",
    alpha: Annotated[float, typer.Option("--alpha", help="False-alarm rate over all the signals.")] = 0.005,
    embeddings: Annotated[
        bool, typer.Option("--embeddings/--no-embeddings", help="Compare input and output embeddings.")
    ] = True,
    max_records: Annotated[int, typer.Option("--max-records", min=30, help="Sample larger windows.")] = 10_000,
    as_json: JsonOption = False,
) -> None:
    """Has the app's traffic drifted? Each signal's statistic, threshold and verdict.

    Exit status, for scripts: 0 = no drift, 1 = drift, 2 = bad input (a window that does not parse or holds too
    few records, an unknown app). Windows that overlap are warned about on stderr (and in `warnings` of --json).

    Example: `steward monitor drift airport-assistant --reference 2026-11-01..2026-11-08 --current -24h..now`
    """
    from steward.monitor import drift_run

    name = _known_app(app_name)
    if not 0 < alpha < 1:
        raise InvalidRequest(f"--alpha must lie between 0 and 1, not {alpha}; 0.005 is the default.")
    store = context.open_store()
    for warning in drift_run.windows_overlap(store, name, reference, current):
        context.err_console.print(f"warning: {warning}")
    from steward.models.embeddings import LazyEmbedder

    embedder = LazyEmbedder() if embeddings else None
    result = drift_run.run(
        store, name, reference, current, alpha=alpha, embedder=embedder, max_records=max_records
    )
    if as_json:
        _print_json(result)
    else:
        _print_drift(result)
    if result["drifted"]:
        raise typer.Exit(1)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value + 0.0:.4g}"  # + 0.0: no "-0"


def _print_drift(report: dict[str, Any]) -> None:
    table = Table("signal", "test", "statistic", "threshold", "drifted", title=f"drift of {report['app']}")
    for signal in report["signals"]:
        table.add_row(
            signal["name"], signal["test"], _number(signal["statistic"]), _number(signal["threshold"]),
            "[red]yes[/red]" if signal["drifted"] else "no",
        )  # fmt: skip
    context.console.print(f"reference: {report['reference']}\ncurrent:   {report['current']}")
    context.console.print(table)
    for skipped, why in report["skipped"].items():
        context.err_console.print(f"skipped {skipped}: {why}")
    context.console.print("[red]drifted[/red]" if report["drifted"] else "no drift")


@app.command()
def export(
    prometheus: Annotated[
        Path | None, typer.Option("--prometheus", help="Write the alert rules as a Prometheus rules file (YAML).")
    ] = None,
    grafana: Annotated[Path | None, typer.Option("--grafana", help="Write a Grafana dashboard (JSON).")] = None,
) -> None:
    """Export `monitor.alerts` as Prometheus alerting rules and a Grafana dashboard over Steward's /metrics.

    Example: `steward monitor export --prometheus steward-rules.yml --grafana steward-dashboard.json`
    """
    import json

    import yaml

    from steward.monitor.export import grafana_dashboard, prometheus_rules

    if prometheus is None and grafana is None:
        raise InvalidRequest("say what to write: --prometheus FILE, --grafana FILE, or both.")
    prometheus = None if prometheus is None else context.output_file(prometheus, "--prometheus")
    grafana = None if grafana is None else context.output_file(grafana, "--grafana")
    spec = context.project().monitor
    if prometheus is not None:
        rules, skipped = prometheus_rules(spec)
        _write(prometheus, yaml.safe_dump(rules, sort_keys=False, width=200))
        context.console.print(f"wrote {counted(len(rules['groups'][0]['rules']), 'rule')} to {prometheus}")
        for name in skipped:
            context.err_console.print(f"left out {name}: Prometheus has no series for it")
    if grafana is not None:
        _write(grafana, json.dumps(grafana_dashboard(spec), indent=2))
        context.console.print(f"wrote the dashboard to {grafana}")


def _write(path: Path, text: str) -> None:
    """Write `text` to a path `context.output_file` checked, making its folder (only that one) if missing."""
    try:
        context.write_text(path, text)
    except OSError as exc:  # a folder, a missing parent, no permission: say which file, not a traceback
        raise InvalidRequest(f"cannot write {path}: {exc.strerror}; name a file you can write.") from exc


@app.command("drift-runs")
def drift_runs(
    app_name: Annotated[str | None, typer.Argument(help="An app of the config (default: every app).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """The drift runs `steward serve` made on its schedule (`monitor.drift`), newest first.

    Example: `steward monitor drift-runs airport-assistant --json`
    """
    runs = context.open_store().monitoring.drift_runs(_known_app(app_name) if app_name else None, limit=limit)
    if as_json:
        _print_json(runs)
        return
    if not runs:
        if context.project().monitor.drift is None:
            context.err_console.print("no scheduled drift runs: set `monitor.drift` in steward.yaml and serve.")
        else:  # set, and every run so far skipped: the server logs why (each window needs 30 traffic records)
            context.err_console.print(
                "no scheduled drift run stored yet: a run is skipped while a window holds fewer than 30 traffic "
                "records (the server logs why); `steward monitor drift APP --reference … --current …` runs one."
            )
        return
    table = Table("run", "app", "at (UTC)", "drifted", "signals that drifted")
    for run in runs:
        drifted = [s["name"] for s in run["report"]["signals"] if s["drifted"]]
        verdict = "yes" if run["drifted"] else "no"
        table.add_row(run["id"], run["app"], _iso(run["at"]), verdict, ", ".join(drifted))
    context.console.print(table)
