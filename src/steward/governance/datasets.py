"""Datasets and training runs in the registry: built from consenting records, or registered from a file.

`build_from_records` turns an app's served records into a training dataset (JSONL of messages and answer)
and admits only records whose `consent` flag is true — the per-request flag decides, and anonymised records
have it cleared. Its data card is computed, not typed: source, row count, how many records were excluded for
lack of consent, and a PII summary from the guardrail findings recorded with each record. The rows are also
kept in `dataset_rows` with a pseudonym of their subject, so an erasure request reaches them. The file is
written beside its final name and renamed after the registration commits.

`register_file` registers an external dataset by content hash with the provenance its owner declares.
`register_training_run` records a fine-tuning run and links dataset → run → model (and base model → run).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from steward.config import Project
from steward.errors import InvalidRequest
from steward.governance import audit, lineage, versions
from steward.governance.apply import file_sha256
from steward.governance.identity import Actor
from steward.governance.privacy import subject_hash
from steward.store import Store, canonical_json, digest
from steward.store.codec import record_from_json
from steward.store.crypto import open_body
from steward.types import ORIGINS

# one row's texts in (its messages, then its answer), the same texts with personal data replaced out: a row at a
# time, so that a value is replaced alike in the prompt and in the answer
Redactor = Callable[[list[str]], list[str]]
PAGE = 500
CORRECTABLE = ("escalated", "declined", "blocked", "failed")  # statuses a reviewer's correction gives an answer


@dataclass(slots=True)
class Built:
    version: versions.Version
    created: bool
    rows: int
    excluded_without_consent: int
    path: Path
    excluded_by_origin: int = 0  # records of evals, red-team scans and tests left out


def _row(record: Any) -> dict[str, Any]:
    return {
        "record_id": record.id,
        "app": record.app,
        "messages": [{"role": turn.role, "content": turn.content} for turn in record.input],
        "output": record.output,
        "prompt_version": record.prompt_version,
        "model": record.model.id if record.model else None,
    }


def _prefer(line: dict[str, Any], correction: Any) -> None:
    """The reviewer's corrected answer instead of the model's, and which of the two the row holds."""
    if correction is None:
        line["answer_from"] = "model"
        return
    line["output"] = correction.answer
    line["answer_from"] = "correction"
    line["correction"] = {"id": correction.id, "by": correction.by, "at": correction.at}


def _redact(line: dict[str, Any], redact: Redactor) -> None:
    """The row's messages and answer, whichever answer it holds, redacted together."""
    texts = [message["content"] for message in line["messages"]]
    answered = line["output"] is not None
    clean = redact([*texts, line["output"]] if answered else texts)
    for message, text in zip(line["messages"], clean, strict=False):
        message["content"] = text
    if answered:
        line["output"] = clean[-1]


def _period(since: float | None, until: float | None) -> str:
    """`from 2026-12-07T10:00:00Z to …`: the times the records were filtered by (`at any time` without bounds)."""

    def iso(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    bounds = [f"from {iso(since)}"] if since is not None else []
    bounds += [f"to {iso(until)}"] if until is not None else []
    return " ".join(bounds) or "at any time"


def _pii(records_with: int, kinds: Counter[str], scanned: int) -> dict[str, Any]:
    if scanned == 0:
        return {"scanned": False, "note": "no guardrail decisions were recorded with these records"}
    return {
        "scanned": True,
        "method": "guardrail findings recorded with each request",
        "records_with_findings": records_with,
        "by_kind": dict(sorted(kinds.items())),
    }


def _collect(
    store: Store,
    app: str,
    team: str,
    statuses: tuple[str, ...],
    since: float | None,
    until: float | None,
    origins: tuple[str, ...],
    redact: Redactor | None = None,
    corrections: bool = False,
) -> tuple[list[tuple[str, str | None, dict[str, Any]]], dict[str, Any]]:
    """(record id, subject, row) of the consenting records, and the PII summary of their findings.

    `corrections`: a reviewer's correction replaces the model's answer (`answer_from` says which each row has),
    and a record of another status (escalated, declined, blocked, failed) comes in when it was corrected."""
    lines: list[tuple[str, str | None, dict[str, Any]]] = []
    kinds: Counter[str] = Counter()
    with_findings = scanned = 0
    after = None
    wanted = tuple(dict.fromkeys([*statuses, *(CORRECTABLE if corrections else ())]))
    while True:
        page = store.datasets.records_page(
            app=app,
            team=team,
            since=since,
            until=until,
            consent_only=True,
            statuses=wanted,
            after=after,
            limit=PAGE,
            origins=origins,
        )
        corrected = store.reviews.corrections([row.id for row in page]) if corrections else {}
        for row in page:
            record = record_from_json(open_body(row.body, store.cipher))
            if not record.consent or record.origin not in origins:  # the body is the truth; columns are copies
                continue
            correction = corrected.get(record.id)
            if record.status not in statuses and correction is None:
                continue
            # what a scanner found at or above its threshold (`flagged`), not every score it reported
            found = [
                f.kind for d in record.decisions for f in d.findings if d.flagged is None or f.scanner in d.flagged
            ]
            scanned += bool(record.decisions)
            with_findings += bool(found)
            kinds.update(found)
            line = _row(record)
            if corrections:
                _prefer(line, correction)
            if redact is not None:
                _redact(line, redact)
            lines.append((record.id, row.subject, line))
        if len(page) < PAGE:
            return lines, _pii(with_findings, kinds, scanned)
        after = (page[-1].created_at, page[-1].id)


def build_from_records(
    store: Store,
    project: Project,
    app: str,
    name: str,
    actor: Actor,
    out: Path,
    *,
    statuses: tuple[str, ...] = ("served",),
    since: float | None = None,
    until: float | None = None,
    description: str | None = None,
    origins: tuple[str, ...] = ("traffic",),
    redact: Redactor | None = None,
    corrections: bool = False,
    parents: tuple[tuple[str, str], ...] = (),
) -> Built:
    """Register a training dataset of the app's consenting records and write it to `out` (JSONL).

    `redact`: applied to each row's messages and answer together before it is written (e.g. the PII scanner's
    numbered pseudonyms, as `steward alerts dataset` does); the card says whether it was.

    `origins`: which records to take by where they came from; only served traffic unless the caller names
    `eval`, `redteam` or `test` too (probes and eval cases are not training data by default).

    `corrections`: reviewers' corrections (`steward review correct`) are preferred over the model's answers,
    and corrected records of the other statuses are taken too; each row's `answer_from` says which it holds.

    `parents`: lineage edges (node, relation) into the version, in the registration's transaction.
    """
    found = collect(
        store,
        project,
        app,
        actor,
        statuses=statuses,
        since=since,
        until=until,
        origins=origins,
        redact=redact,
        corrections=corrections,
    )
    lines = [(record_id, subject, canonical_json(row)) for record_id, subject, row in found.rows]
    text = "\n".join(line for _, _, line in lines) + "\n"
    card = {
        "source": f"records:{app}",
        "rows": len(lines),
        "rows_hash": digest(text),
        "path": str(Path(out).resolve()),
        "consent": found.consent,
        "origins": found.origins,
        "pii": found.pii,
        "redaction": "every message and answer redacted at build time, by row" if redact else "as recorded",
        "filters": {"statuses": list(statuses), "since": since, "until": until, "origins": list(origins)},
        "description": description,
    }
    if corrections:
        corrected = sum(1 for _, _, row in found.rows if row.get("answer_from") == "correction")
        card["corrections"] = f"reviewers' corrections preferred over the model's answers ({corrected} rows)"
    version, created = register_rows(store, actor, found.team, name, card, lines, out, parents)
    return Built(
        version, created, len(lines), found.excluded_without_consent, Path(out),
        excluded_by_origin=found.excluded_by_origin,
    )  # fmt: skip


@dataclass(slots=True)
class Collected:
    """The consenting records of an app that a dataset may be built from, and what was left out."""

    team: str
    rows: list[tuple[str, str | None, dict[str, Any]]]  # (record id, subject, row)
    pii: dict[str, Any]  # the summary of the guardrail findings recorded with them
    excluded_without_consent: int
    excluded_by_origin: int
    origins: str  # what the card says of the origins taken
    consent: str  # what the card says of consent


def collect(
    store: Store,
    project: Project,
    app: str,
    actor: Actor,
    *,
    statuses: tuple[str, ...] = ("served",),
    since: float | None = None,
    until: float | None = None,
    origins: tuple[str, ...] = ("traffic",),
    redact: Redactor | None = None,
    corrections: bool = False,
) -> Collected:
    """The app's consenting records as dataset rows (see `build_from_records`), checked as `actor` may change the
    app's datasets; none at all is refused with a message that says what was left out and why."""
    unknown = sorted(set(origins) - set(ORIGINS))
    if unknown or not origins:
        raise InvalidRequest(f"unknown origin {', '.join(unknown) or '(none)'}; use {', '.join(ORIGINS)}.")
    spec = project.app(app, team=actor.team)
    actor.require_change(spec.team, f"datasets of {app}")
    rows, pii = _collect(store, app, spec.team, statuses, since, until, origins, redact, corrections)
    by_origin = store.datasets.count_of_other_origins(app, statuses, origins)
    excluded = store.datasets.count_without_consent(app, statuses)
    if not rows:
        raise InvalidRequest(
            f"no consenting {'/'.join(statuses)} {'/'.join(origins)} records of {app} {_period(since, until)} "
            f"({excluded} without consent, {by_origin} from {', '.join(o for o in ORIGINS if o not in origins)} "
            "left out); nothing to build. Widen the window, or check that the app records consent "
            "(`consent` on each request)."
        )
    return Collected(
        team=spec.team,
        rows=rows,
        pii=pii,
        excluded_without_consent=excluded,
        excluded_by_origin=by_origin,
        origins=f"only records from {', '.join(origins)} ({by_origin} from elsewhere excluded)",
        consent=f"only records with consent=true ({excluded} without consent excluded)",
    )


def register_rows(
    store: Store,
    actor: Actor,
    team: str,
    name: str,
    card: dict[str, Any],
    lines: Sequence[tuple[str | None, str | None, str]],
    out: Path,
    parents: tuple[tuple[str, str], ...] = (),
) -> tuple[versions.Version, bool]:
    """Register a dataset version with `card` and its rows (record id, subject, JSON line), and write the lines
    to `out` as JSONL: the file is written beside its final name and renamed inside the registration's
    transaction, so a file that cannot be written registers nothing and a failed registration leaves no file.
    Subjects are kept as keyed pseudonyms, so an erasure request reaches the rows. `parents`: lineage edges
    (parent node, relation) into the version, added in the same transaction (`alert:alr_…`, `triggered`)."""
    out = Path(out)
    if out.is_dir():
        raise InvalidRequest(f"--out {out} is a folder; name the file to write, e.g. {out / (name + '.jsonl')}.")
    if out.exists() and not out.is_file():  # the file is renamed over it: /dev/null would become a dataset
        raise InvalidRequest(f"--out {out} is no regular file (a device, a pipe); name a file to write.")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(line for _, _, line in lines) + "\n")
    key = audit.audit_key(store.secrets)  # subject ids are kept as keyed pseudonyms
    try:
        with audit.changing(store) as tx:
            version, created = versions.register(tx, actor, team, "dataset", name, card)
            if created:
                tx.datasets.add_rows(
                    [
                        {
                            "entry_id": version.id,
                            "position": position,
                            "record_id": record_id,
                            "subject_hash": subject_hash(subject, key) if subject else None,
                            "body": line,
                        }
                        for position, (record_id, subject, line) in enumerate(lines)
                    ]
                )
            for parent, relation in parents:
                lineage.add_edge(tx, actor, parent, version.node, relation, team)
            os.replace(temp, out)  # inside the transaction: a file that cannot be written registers nothing
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return version, created


@dataclass(slots=True)
class AlertWindow:
    """The records an alert is about: its app, from the rule's window before it started until it resolved."""

    alert: Any  # steward.store.monitor.AlertRow
    since: float
    until: float
    about: str


def alert_window(store: Store, project: Project, alert_id: str, actor: Actor) -> AlertWindow:
    """The window of alert `alert_id` as `actor` may see it (`steward alerts dataset`, `steward tune data`)."""
    import time

    from steward.governance.silences import alert_of

    alert = alert_of(store, project, alert_id, actor)
    rule = project.monitor.alerts.get(alert.rule)
    window_s = rule.window_s if rule is not None else 3600.0  # a rule since removed from the config: its hour
    since, until = alert.started_at - window_s, alert.resolved_at or time.time()
    about = f"records of {alert.app} around alert {alert.id} ({alert.rule}: {alert.metric} {alert.condition})"
    return AlertWindow(alert, since, until, about)


def register_file(
    store: Store,
    actor: Actor,
    team: str,
    name: str,
    path: Path,
    *,
    source: str,
    consent: str,
    pii: dict[str, Any] | None = None,
    description: str | None = None,
) -> tuple[versions.Version, bool]:
    """Register an external dataset file by content hash, with its declared provenance."""
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest(f"{path}: no such file; give the dataset file to register.")
    if not source.strip() or not consent.strip():
        raise InvalidRequest("a dataset needs its source and its consent basis (data cards are required for it).")
    with path.open("rb") as handle:
        rows = sum(1 for line in handle if line.strip())
    card = {
        "source": source.strip(),
        "consent": consent.strip(),
        "rows": rows,
        "file_hash": f"sha256:{file_sha256(path)}",
        "path": str(path.resolve()),
        "pii": pii or {"scanned": False, "note": "no PII summary was given"},
        "description": description,
    }
    return versions.register(store, actor, team, "dataset", name, card)


def register_training_run(
    store: Store,
    actor: Actor,
    team: str,
    name: str,
    *,
    datasets: list[str],
    base_model: str | None,
    produces: str | None,
    params: dict[str, Any] | None = None,
) -> versions.Version:
    """Record a training run and its lineage: dataset → run, base model → run, run → produced model."""
    actor.require_change(team, "the registry")
    if not datasets:
        raise InvalidRequest("a training run needs at least one dataset (`--dataset dataset:NAME@VERSION`).")
    with audit.changing(store) as tx:
        inputs = [versions.resolve(tx, None, versions.parse_ref(d, "dataset"), team) for d in datasets]
        base = versions.resolve(tx, None, versions.parse_ref(base_model, "model"), team) if base_model else None
        output = versions.resolve(tx, None, versions.parse_ref(produces, "model"), team) if produces else None
        spec = {
            "datasets": [d.id for d in inputs],
            "base_model": base.id if base else None,
            "produces": output.id if output else None,
            "params": json.loads(json.dumps(params or {}, default=str)),
        }
        run, _ = versions.register(tx, actor, team, "training_run", name, spec)
        for dataset in inputs:
            lineage.add_edge(tx, actor, dataset.node, run.node, "trained_on", team)
        if base is not None:
            lineage.add_edge(tx, actor, base.node, run.node, "fine_tuned_from", team)
        if output is not None:
            lineage.add_edge(tx, actor, run.node, output.node, "produced", team)
    return run
