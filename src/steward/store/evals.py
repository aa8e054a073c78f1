"""SQL of the evaluation capability: stored eval and red-team runs, their cases, and the suite answer cache.

A run is written in one transaction — the run row and every case row, or nothing — so a crashed or
interrupted run never leaves a half-written run behind. A run names what it ran against (model ids and
sha256, prompt version, policy version, dataset content hash) in `versions`, and keeps its summary scores and
gate outcomes; each case keeps its input, answer, record id and per-case scores, which is what `steward eval
compare` pairs. The cache maps a hash of (app configuration versions, messages, parameters) to a pipeline
answer, so re-running an unchanged suite does not call the model again.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    Row,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from steward.errors import NotFound
from steward.store.rows import from_row, row_of
from steward.store.schema import ID, NAME, metadata
from steward.store.unit import Repository

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(16), nullable=False),  # suite | redteam
    Column("name", NAME, nullable=False),
    Column("app", NAME, nullable=False, index=True),
    Column("variant", NAME),
    Column("created_at", Float, nullable=False, index=True),
    Column("finished_at", Float, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("cases", Integer, nullable=False),
    Column("dataset", Text),
    Column("dataset_hash", String(80)),
    Column("versions", JSON, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("gates", JSON, nullable=False),
    Column("reports", JSON, nullable=False),
)

eval_cases = Table(
    "eval_cases",
    metadata,
    Column("run_id", ID, ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("case_id", NAME, nullable=False),
    Column("record_id", ID),
    Column("status", String(16)),
    Column("input", JSON, nullable=False),
    Column("prediction", Text, nullable=False),
    Column("scores", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("detail", JSON, nullable=False),
)

eval_cache = Table(
    "eval_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("answer", JSON, nullable=False),
)


@dataclass
class StoredCase:
    """One evaluated case of a stored run."""

    position: int
    case_id: str
    input: Any
    prediction: str
    scores: dict[str, float | None]
    record_id: str | None = None
    status: str | None = None
    tags: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoredRun:
    """A finished evaluation or red-team run."""

    id: str
    kind: str
    name: str
    app: str
    created_at: float
    finished_at: float
    passed: bool
    versions: dict[str, Any]
    summary: list[dict[str, Any]]
    gates: list[dict[str, Any]]
    variant: str | None = None
    dataset: str | None = None
    dataset_hash: str | None = None
    reports: dict[str, str] = field(default_factory=dict)
    cases: list[StoredCase] = field(default_factory=list)
    case_count: int = 0


def _run_from(row: Row[Any]) -> StoredRun:
    # the table's `cases` column is the count; the cases themselves are read separately (or not at all)
    return from_row(
        StoredRun, row, passed=bool(row.passed), reports=row.reports or {}, cases=[], case_count=row.cases
    )


class EvalRuns(Repository):
    """Stored eval and red-team runs and the answer cache (`store.evals`, or `tx.evals` inside a transaction)."""

    def save_run(self, run: StoredRun) -> None:
        """Write the run and all its cases in one transaction."""
        row = row_of(eval_runs, run, cases=len(run.cases))
        with self._writing() as connection:
            connection.execute(insert(eval_runs), [row])
            if run.cases:
                connection.execute(insert(eval_cases), [row_of(eval_cases, c, run_id=run.id) for c in run.cases])

    def get_run(self, run_id: str, with_cases: bool = True, apps: Collection[str] | None = None) -> StoredRun:
        """A stored run by id (or unique id prefix), with its cases in order; with `apps`, a run of one of them
        (the prefix unique among their runs, whatever other teams' runs begin with)."""
        query = select(eval_runs).where(eval_runs.c.id.startswith(run_id, autoescape=True))
        if apps is not None:
            query = query.where(eval_runs.c.app.in_(list(apps)))
        with self._reading() as connection:
            rows = connection.execute(query.limit(2)).all()
            if len(rows) != 1:
                problem = "no stored run" if not rows else "several runs"
                raise NotFound(f"{problem} matches {run_id!r}; list runs with `steward eval runs`.")
            run = _run_from(rows[0])
            if with_cases:
                query = select(eval_cases).where(eval_cases.c.run_id == run.id).order_by(eval_cases.c.position)
                run.cases = [
                    from_row(StoredCase, c, tags=c.tags or [], detail=c.detail or {})
                    for c in connection.execute(query)
                ]
        return run

    def list_runs(self, app: str | None = None, kind: str | None = None, limit: int = 20) -> list[StoredRun]:
        """Newest first, without cases."""
        query = select(eval_runs).order_by(eval_runs.c.created_at.desc()).limit(limit)
        if app:
            query = query.where(eval_runs.c.app == app)
        if kind:
            query = query.where(eval_runs.c.kind == kind)
        with self._reading() as connection:
            return [_run_from(row) for row in connection.execute(query)]

    def cache_get(self, key: str) -> dict[str, Any] | None:
        with self._reading() as connection:
            value = connection.execute(
                select(eval_cache.c.answer).where(eval_cache.c.key == key)
            ).scalar_one_or_none()
        return value if isinstance(value, dict) else None

    def cache_put(self, key: str, answer: dict[str, Any]) -> None:
        """Remember an answer (replacing an older one under the same key)."""
        with self._writing() as connection:
            connection.execute(delete(eval_cache).where(eval_cache.c.key == key))
            connection.execute(insert(eval_cache), [{"key": key, "created_at": time.time(), "answer": answer}])

    def cache_clear(self) -> int:
        with self._writing() as connection:
            return connection.execute(delete(eval_cache)).rowcount or 0
