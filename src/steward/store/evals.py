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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)

from steward.errors import NotFound
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


def _case_row(run_id: str, case: StoredCase) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "position": case.position,
        "case_id": case.case_id,
        "record_id": case.record_id,
        "status": case.status,
        "input": case.input,
        "prediction": case.prediction,
        "scores": case.scores,
        "tags": case.tags,
        "detail": case.detail,
    }


def _run_from(row: Any) -> StoredRun:
    return StoredRun(
        id=row.id,
        kind=row.kind,
        name=row.name,
        app=row.app,
        variant=row.variant,
        created_at=row.created_at,
        finished_at=row.finished_at,
        passed=bool(row.passed),
        versions=row.versions,
        summary=row.summary,
        gates=row.gates,
        dataset=row.dataset,
        dataset_hash=row.dataset_hash,
        reports=row.reports or {},
        case_count=row.cases,
    )


class EvalRuns(Repository):
    """Stored eval and red-team runs and the answer cache (`store.evals`, or `tx.evals` inside a transaction)."""

    def save_run(self, run: StoredRun) -> None:
        """Write the run and all its cases in one transaction."""
        row = {
            "id": run.id,
            "kind": run.kind,
            "name": run.name,
            "app": run.app,
            "variant": run.variant,
            "created_at": run.created_at,
            "finished_at": run.finished_at,
            "passed": run.passed,
            "cases": len(run.cases),
            "dataset": run.dataset,
            "dataset_hash": run.dataset_hash,
            "versions": run.versions,
            "summary": run.summary,
            "gates": run.gates,
            "reports": run.reports,
        }
        with self._writing() as connection:
            connection.execute(insert(eval_runs), [row])
            if run.cases:
                connection.execute(insert(eval_cases), [_case_row(run.id, c) for c in run.cases])

    def get_run(self, run_id: str, with_cases: bool = True) -> StoredRun:
        """A stored run by id (or unique id prefix), with its cases in order."""
        with self._reading() as connection:
            rows = connection.execute(
                select(eval_runs).where(eval_runs.c.id.startswith(run_id, autoescape=True)).limit(2)
            ).all()
            if len(rows) != 1:
                problem = "no stored run" if not rows else "several runs"
                raise NotFound(f"{problem} matches {run_id!r}; list runs with `steward eval runs`.")
            run = _run_from(rows[0])
            if with_cases:
                query = select(eval_cases).where(eval_cases.c.run_id == run.id).order_by(eval_cases.c.position)
                run.cases = [
                    StoredCase(
                        position=c.position,
                        case_id=c.case_id,
                        input=c.input,
                        prediction=c.prediction,
                        scores=c.scores,
                        record_id=c.record_id,
                        status=c.status,
                        tags=c.tags or [],
                        detail=c.detail or {},
                    )
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
