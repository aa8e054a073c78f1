"""Where examples come from: an app's governed records, or files.

Records are read by `steward.governance.datasets.collect`, the path `steward registry dataset-build` and
`steward alerts dataset` use: consenting records only (the per-request `consent` flag; erased or anonymised
records have it cleared), served traffic and the records a reviewer corrected, with the reviewer's corrected
answer preferred over the model's, every message and answer pseudonymised as it is read. An alert's window is
the one `steward alerts dataset` takes (`datasets.alert_window`), and the version gets the same lineage edge
from the alert. Files are read by `steward.tune.files` and pseudonymised here alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.config import Project
from steward.errors import InvalidRequest
from steward.governance import datasets
from steward.governance.apply import file_sha256
from steward.governance.identity import Actor
from steward.store import Store
from steward.tune import files
from steward.tune.examples import Example
from steward.tune.pii import CountingRedactor


@dataclass(slots=True)
class Source:
    """The examples of a source (already pseudonymised) and what the data card says of where they came from."""

    kind: str  # records, alert, files
    examples: list[Example]
    team: str
    source: str  # `records:APP`, `alert:alr_…`, `files:a.jsonl`
    description: str
    consent: str
    pii: dict[str, Any]
    excluded_without_consent: int = 0
    parents: tuple[tuple[str, str], ...] = ()  # lineage edges into the version
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        """Rows read: a file's rows with consent=false count (and are removed), records without consent are
        never read (the card's `consent` says how many the app has)."""
        return len(self.examples) + (self.excluded_without_consent if self.kind == "files" else 0)


def _period(since: float | None, until: float | None) -> str:
    return datasets._period(since, until)


def from_records(
    store: Store,
    project: Project,
    actor: Actor,
    *,
    app: str | None = None,
    since: float | None = None,
    until: float | None = None,
    alert: str | None = None,
    advance: Callable[[int], None] = lambda n: None,
) -> Source:
    """The consenting records of `app` in [since, until), or of the alert's app in its window."""
    parents: tuple[tuple[str, str], ...] = ()
    if alert is not None:
        if app is not None or since is not None or until is not None:
            raise InvalidRequest(
                "--alert takes its app and window from the alert; leave out --app/--since/--until."
            )
        window = datasets.alert_window(store, project, alert, actor)
        app, since, until = window.alert.app, window.since, window.until
        description = window.about
        parents = ((f"alert:{window.alert.id}", "triggered"),)
    elif app is None:
        raise InvalidRequest("name a source: --app APP (with --since/--until), --alert ID, or --file PATH.")
    else:
        description = f"records of {app} {_period(since, until)}"
    if since is not None and until is not None and since >= until:
        raise InvalidRequest("--since must be before --until.")
    redact = CountingRedactor(advance)
    found = datasets.collect(store, project, app, actor, since=since, until=until, redact=redact, corrections=True)
    examples = []
    for record_id, subject, row in found.rows:
        answer = row["output"] if row["output"] is not None else ""
        meta = {"answer_from": row["answer_from"]}
        if "correction" in row:
            meta["correction"] = row["correction"]["id"]
        examples.append(
            Example(
                messages=[*row["messages"], {"role": "assistant", "content": answer}],
                origin=record_id,
                record_id=record_id,
                subject=subject,
                meta=meta,
            )
        )
    return Source(
        kind="alert" if alert else "records",
        examples=examples,
        team=found.team,
        source=f"alert:{alert}" if alert else f"records:{app}",
        description=description,
        consent=found.consent,
        pii={**redact.summary(), "recorded": found.pii},
        excluded_without_consent=found.excluded_without_consent,
        parents=parents,
        extra={"app": app, "since": since, "until": until, "origins": found.origins},
    )


def from_files(
    paths: list[Path], actor: Actor, team: str, consent: str, advance: Callable[[int], None] = lambda n: None
) -> Source:
    """Examples of the files, in order, pseudonymised; `consent` is the basis their owner declares."""
    actor.require_change(team, "the registry")
    if not consent.strip():
        raise InvalidRequest(
            'files need their consent basis for the data card: pass --consent "…" (e.g. "contract §4, opt-in").'
        )
    examples: list[Example] = []
    without = 0
    named = []
    for path in paths:
        found, excluded = files.read(path)
        examples += found
        without += excluded
        named.append(f"{Path(path).name} (sha256:{file_sha256(Path(path))})")
    redact = CountingRedactor(advance)
    for example in examples:
        example.with_texts(redact(example.texts()))
    return Source(
        kind="files",
        examples=examples,
        team=team,
        source="files:" + ",".join(Path(p).name for p in paths),
        description="files " + ", ".join(named),
        consent=f"{consent.strip()} (declared); {without} rows with consent=false excluded",
        pii=redact.summary(),
        excluded_without_consent=without,
    )
