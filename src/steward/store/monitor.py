"""SQL for monitoring: rollup buckets, the worker's cursors and the records' embeddings.

`monitor_rollups` holds one row per app × model × arm × grain × bucket (see `steward.monitor.rollups`), the
latency sketch as DDSketch's protobuf bytes and the scanners' verdicts as JSON. `monitor_cursors` holds how far
the rollup worker has read: the writer's chain sequence of records and the id of feedback rows, both gap-free
or increasing, so a restart resumes where it stopped and nothing is counted twice (the cursor moves in the same
transaction as the buckets it fed). `record_embeddings` keeps each record's input and output embedding, computed
in the background for drift, as float32 bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from steward.monitor.rollups import RecordFacts, Rollup, RollupKey, sketch_bytes, sketch_from_bytes
from steward.store.codec import BodyCipher, record_dict_from_store
from steward.store.rows import from_row, row_of
from steward.store.schema import ID, NAME, feedback, in_batches, in_range, metadata, records
from steward.store.unit import Repository, Unit

monitor_rollups = Table(
    "monitor_rollups",
    metadata,
    Column("app", NAME, primary_key=True),
    Column("model", NAME, primary_key=True),
    Column("arm", NAME, primary_key=True),
    Column("grain", String(8), primary_key=True),
    Column("bucket", Float, primary_key=True),
    Column("requests", Integer, nullable=False),
    Column("statuses", JSON, nullable=False),
    Column("prompt_tokens", BigInteger, nullable=False),
    Column("completion_tokens", BigInteger, nullable=False),
    Column("cost", Float, nullable=False),
    Column("latency", LargeBinary, nullable=False),
    Column("verdicts", JSON, nullable=False),
    Column("declines", Integer, nullable=False),
    Column("fallbacks", Integer, nullable=False),
    Column("feedback_count", Integer, nullable=False),
    Column("feedback_sum", Integer, nullable=False),
    Column("quality_count", Integer, nullable=False),
    Column("quality_sum", Float, nullable=False),
    # a summary reads one app's buckets of one grain over a time range (the key starts with app, then model)
    Index("ix_monitor_rollups_app_grain_bucket", "app", "grain", "bucket"),
)

monitor_cursors = Table(
    "monitor_cursors",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

record_embeddings = Table(
    "record_embeddings",
    metadata,
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("side", String(8), primary_key=True),  # input | output
    Column("model", NAME, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)


monitor_alerts = Table(
    "monitor_alerts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("rule", NAME, nullable=False),
    Column("app", NAME, nullable=False),
    Column("state", String(10), nullable=False),  # pending | firing | resolved
    Column("severity", String(10), nullable=False),
    Column("metric", NAME, nullable=False),
    Column("condition", String(64), nullable=False),
    Column("value", Float),
    Column("started_at", Float, nullable=False),
    Column("fired_at", Float),
    Column("resolved_at", Float),
    Column("notifications", JSON, nullable=False),  # [{at, channel, event, ok, error}]
    Index("ix_monitor_alerts_rule_app_state", "rule", "app", "state"),
)

monitor_silences = Table(
    "monitor_silences",
    metadata,
    Column("id", ID, primary_key=True),
    Column("rule", NAME, nullable=False),
    Column("app", NAME, nullable=False),
    Column("until", Float, nullable=False),
    Column("by", NAME, nullable=False),
    Column("why", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)


monitor_drift_runs = Table(
    "monitor_drift_runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False),
    Column("at", Float, nullable=False),
    Column("drifted", Boolean, nullable=False),
    Column("report", JSON, nullable=False),  # steward.monitor.drift.DriftReport.as_dict()
    Index("ix_monitor_drift_runs_app_at", "app", "at"),
)


record_scores = Table(
    "record_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("metric", NAME, nullable=False),
    Column("score", Float, nullable=False),
    Column("at", Float, nullable=False),
    UniqueConstraint("record_id", "metric"),
)


@dataclass
class AlertRow:
    """One alert: a rule breached for one app, from pending to firing to resolved."""

    id: str
    rule: str
    app: str
    state: str
    severity: str
    metric: str
    condition: str
    value: float | None
    started_at: float
    fired_at: float | None = None
    resolved_at: float | None = None
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class SilenceRow:
    id: str
    rule: str
    app: str
    until: float
    by: str
    why: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Sequenced:
    """What rollups need of a record, with its place in the writer's chain."""

    seq: int
    facts: RecordFacts


def _row(key: RollupKey, rollup: Rollup) -> dict[str, Any]:
    return row_of(monitor_rollups, key, rollup, latency=sketch_bytes(rollup.latency))


def _rollup(row: Row[Any]) -> Rollup:
    return from_row(
        Rollup,
        row,
        statuses=dict(row.statuses),
        latency=sketch_from_bytes(row.latency),
        verdicts={name: list(pair) for name, pair in row.verdicts.items()},
    )


def _key(row: Any) -> RollupKey:
    return RollupKey(row.app, row.model, row.arm, row.grain, float(row.bucket))


class Monitoring(Repository):
    """Rollups, cursors, alerts, silences, sampled scores and embeddings (`store.monitoring`, or `tx.monitoring`
    inside a unit of work)."""

    def __init__(self, db: Engine | Unit, cipher: BodyCipher | None = None) -> None:
        super().__init__(db)
        self._cipher = cipher  # record bodies are read decrypted

    # -- the worker's reads --------------------------------------------------------------------------------

    def records_after(self, seq: int, limit: int) -> list[Sequenced]:
        """Records with a chain sequence above `seq`, in chain order."""
        return [Sequenced(at, RecordFacts.from_dict(body)) for at, body in self.bodies_after(seq, limit)]

    def feedback_after(self, last_id: int, limit: int) -> list[tuple[int, str, int]]:
        """(feedback id, record id, score) of feedback rows with an id above `last_id`, in id order."""
        query = (
            select(feedback.c.id, feedback.c.record_id, feedback.c.score)
            .where(feedback.c.id > last_id)
            .order_by(feedback.c.id)
            .limit(limit)
        )
        with self._reading() as conn:
            return [(int(r.id), str(r.record_id), int(r.score)) for r in conn.execute(query)]

    def facts_by_id(self, record_ids: Sequence[str]) -> dict[str, RecordFacts]:
        return {rid: RecordFacts.from_dict(body) for rid, body in self.bodies(sorted(set(record_ids))).items()}

    def cursor(self, name: str) -> int:
        """How far a folder has read (0 before its first batch)."""
        with self._reading() as conn:
            return _cursor(conn, name)

    # -- the worker's writes -------------------------------------------------------------------------------

    def apply(self, deltas: dict[RollupKey, Rollup], cursors: dict[str, tuple[int, int]]) -> bool:
        """Merge `deltas` into their buckets and move each cursor from its first position to its second, in one
        transaction that holds the monitor's lock. If a cursor is no longer where the deltas were read from
        (another process folded them, or a rebuild cleared it), nothing is written and False is returned: the
        caller reads again from the cursor as it is. This is what keeps two folders (`steward serve` and a
        `steward monitor rebuild`, or two servers) from counting a record twice."""
        with self._writing() as conn:
            _lock(conn)
            for name, (expected, _) in cursors.items():
                if _cursor(conn, name) != expected:
                    return False
            existing = _load(conn, list(deltas))
            new_rows, changed_rows = [], []
            for key, delta in deltas.items():
                bucket = existing.get(key)
                if bucket is None:
                    new_rows.append(_row(key, delta))
                else:
                    bucket.merge(delta)
                    changed_rows.append({f"k_{k}": v for k, v in _row(key, bucket).items()})
            if new_rows:
                conn.execute(insert(monitor_rollups), new_rows)
            if changed_rows:
                conn.execute(_UPDATE, changed_rows)
            for name, (_, position) in cursors.items():
                _set_cursor(conn, name, position)
        return True

    def move_cursor(self, name: str, moves: tuple[int, int]) -> bool:
        """Move cursor `name` from `moves[0]` to `moves[1]` (as `tx.monitoring`, inside the caller's unit of work,
        so it commits with what its batch wrote); False, and nothing moved, when it is no longer at `moves[0]`
        (another process took that batch)."""
        expected, position = moves
        with self._writing() as conn:
            _lock(conn)
            if _cursor(conn, name) != expected:
                return False
            _set_cursor(conn, name, position)
        return True

    def clear(self) -> None:
        """Forget every rollup and cursor (before a rebuild), in one transaction under the monitor's lock."""
        with self._writing() as conn:
            _lock(conn)
            conn.execute(delete(monitor_rollups))
            # the review rule's cursors stay: they say which records were offered to the queue, not what was folded
            kept = (monitor_cursors.c.name == LOCK) | monitor_cursors.c.name.startswith("review.")
            conn.execute(delete(monitor_cursors).where(~kept))

    # -- readers -------------------------------------------------------------------------------------------

    def rollups(
        self, app: str | None, grain: str, since: float | None = None, until: float | None = None
    ) -> list[tuple[RollupKey, Rollup]]:
        """Buckets of one grain (of one app, or all), oldest first."""
        c = monitor_rollups.c
        clauses = [c.grain == grain]
        if app is not None:
            clauses.append(c.app == app)
        clauses += in_range(c.bucket, since, until)
        query = select(monitor_rollups).where(*clauses).order_by(c.bucket, c.app, c.model, c.arm)
        with self._reading() as conn:
            return [(_key(row), _rollup(row)) for row in conn.execute(query)]

    # -- windows of traffic, for drift ------------------------------------------------------------------------

    def window_ids(
        self,
        app: str,
        since: float | None = None,
        until: float | None = None,
        model: str | None = None,
        first: int | None = None,
    ) -> list[str]:
        """Ids of the app's traffic records (not evals, red-team scans or tests) in a time range, or the first
        `first` that `model` answered; oldest first."""
        c = records.c
        clauses = [c.app == app, c.origin == "traffic"]
        clauses += in_range(c.created_at, since, until)
        if model is not None:
            clauses.append(c.model_id == model)
        query = select(c.id).where(*clauses).order_by(c.created_at, c.id)
        if first is not None:
            query = query.limit(first)
        with self._reading() as conn:
            return list(conn.execute(query).scalars())

    def bodies(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Records' stored bodies as plain values (decrypted, not built into `Record`s), by id."""
        found: dict[str, dict[str, Any]] = {}
        with self._reading() as conn:
            for batch in in_batches(record_ids):
                query = select(records.c.id, records.c.body).where(records.c.id.in_(batch))
                found.update({r.id: record_dict_from_store(r.body, self._cipher) for r in conn.execute(query)})
        return found

    # -- alerts and silences ----------------------------------------------------------------------------------

    def open_alerts(self) -> dict[tuple[str, str], AlertRow]:
        """Pending and firing alerts by (rule, app): at most one each, which is what deduplicates them."""
        query = select(monitor_alerts).where(monitor_alerts.c.state.in_(["pending", "firing"]))
        with self._reading() as conn:
            return {(r.rule, r.app): _alert(r) for r in conn.execute(query)}

    def open_alert(self, alert: AlertRow) -> bool:
        """Insert a new pending or firing alert unless (rule, app) already has an open one (another process
        raised it first): True when this one was inserted. Under the monitor's lock."""
        c = monitor_alerts.c
        with self._writing() as conn:
            _lock(conn)
            taken = conn.execute(
                select(c.id).where(c.rule == alert.rule, c.app == alert.app, c.state.in_(["pending", "firing"]))
            ).first()
            if taken is not None:
                return False
            conn.execute(insert(monitor_alerts).values(**alert.as_dict()))
        return True

    def move_alert(self, alert: AlertRow, from_state: str) -> bool:
        """Save the alert if it is still in `from_state` (so two evaluators cannot both make the same
        transition and both notify): True when this call made it. Under the monitor's lock."""
        values = {k: v for k, v in alert.as_dict().items() if k not in ("id", "notifications")}
        c = monitor_alerts.c
        with self._writing() as conn:
            _lock(conn)
            moved = conn.execute(
                update(monitor_alerts).where(c.id == alert.id, c.state == from_state).values(**values)
            ).rowcount
        return bool(moved)

    def add_notifications(self, alert_id: str, notes: list[dict[str, Any]]) -> None:
        """Append what the channels answered to an alert's notifications."""
        c = monitor_alerts.c
        with self._writing() as conn:
            _lock(conn)
            kept = conn.execute(select(c.notifications).where(c.id == alert_id)).scalar()
            conn.execute(
                update(monitor_alerts).where(c.id == alert_id).values(notifications=[*(kept or []), *notes])
            )

    def claim_notifications(self, alert_id: str, seen: int, notes: list[dict[str, Any]]) -> bool:
        """Append `notes` only if the alert still has the `seen` notifications its reader saw: the claim of a
        re-send, which one process wins (a second one, having read the same list, finds it longer)."""
        c = monitor_alerts.c
        with self._writing() as conn:
            _lock(conn)
            kept = conn.execute(select(c.notifications).where(c.id == alert_id)).scalar() or []
            if len(kept) != seen:
                return False
            conn.execute(update(monitor_alerts).where(c.id == alert_id).values(notifications=[*kept, *notes]))
            return True

    def alerts(self, *, everything: bool = False, limit: int = 100) -> list[AlertRow]:
        """Open alerts, or with `everything` the latest alerts of any state; newest first."""
        c = monitor_alerts.c
        query = select(monitor_alerts).order_by(c.started_at.desc()).limit(limit)
        if not everything:
            query = query.where(c.state.in_(["pending", "firing"]))
        with self._reading() as conn:
            return [_alert(r) for r in conn.execute(query)]

    def alert(self, alert_id: str) -> AlertRow | None:
        with self._reading() as conn:
            row = conn.execute(select(monitor_alerts).where(monitor_alerts.c.id == alert_id)).first()
            return None if row is None else _alert(row)

    def add_silence(self, silence: SilenceRow) -> None:
        """As `tx.monitoring`, in the caller's unit of work, so that the silence commits with its audit event."""
        with self._writing() as conn:
            conn.execute(insert(monitor_silences).values(**silence.__dict__))

    def end_silences(self, ids: Sequence[str], at: float) -> int:
        """End the silences `ids` still in force at `at` (their `until` becomes `at`, the row stays: who silenced,
        why, and until when it was meant to last are in the audit log); how many it ended. As `add_silence`, in
        the caller's unit of work."""
        c = monitor_silences.c
        with self._writing() as conn:
            ended = update(monitor_silences).where(c.id.in_(list(ids)), c.until > at).values(until=at)
            return int(conn.execute(ended).rowcount)

    def silences(self, at: float) -> list[SilenceRow]:
        """Silences still in force at `at`."""
        query = select(monitor_silences).where(monitor_silences.c.until > at)
        with self._reading() as conn:
            return [SilenceRow(**row._mapping) for row in conn.execute(query)]

    def every_silence(self) -> list[SilenceRow]:
        """Every silence ever set, ended or not (Steward never deletes one: who silenced what, and why, stays)."""
        with self._reading() as conn:
            return [SilenceRow(**row._mapping) for row in conn.execute(select(monitor_silences))]

    # -- sampled quality scores ---------------------------------------------------------------------------------

    def bodies_after(self, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """(chain sequence, stored body as plain values) of records after `seq`, in chain order."""
        query = (
            select(records.c.chain_seq, records.c.body)
            .where(records.c.chain_seq > seq)
            .order_by(records.c.chain_seq)
            .limit(limit)
        )
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [(int(r.chain_seq), record_dict_from_store(r.body, self._cipher)) for r in rows]

    def save_scores(
        self, scores: Sequence[tuple[str, str, float, float]], cursor: str, moves: tuple[int, int]
    ) -> bool:
        """(record id, metric, score, at) rows and the sampler's cursor moved from `moves[0]` to `moves[1]`, in one
        transaction under the monitor's lock (False, and nothing written, if another sampler moved it); a score
        already kept for a record and metric stays."""
        expected, position = moves
        with self._writing() as conn:
            _lock(conn)
            if _cursor(conn, cursor) != expected:
                return False
            if scores:
                rows = [{"record_id": r, "metric": m, "score": v, "at": t} for r, m, v, t in scores]
                _insert_new_rows(conn, record_scores, rows)
            _set_cursor(conn, cursor, position)
        return True

    def scores_after(self, last_id: int, limit: int) -> list[tuple[int, str, float]]:
        """(score id, record id, score) of scores with an id above `last_id`, in id order."""
        c = record_scores.c
        query = select(c.id, c.record_id, c.score).where(c.id > last_id).order_by(c.id).limit(limit)
        with self._reading() as conn:
            return [(int(r.id), str(r.record_id), float(r.score)) for r in conn.execute(query)]

    def scores_of(self, record_ids: Sequence[str], metric: str | None = None) -> dict[str, float]:
        """The sampled scores of these records (of one metric, or the first kept)."""
        found: dict[str, float] = {}
        c = record_scores.c
        with self._reading() as conn:
            for batch in in_batches(record_ids):
                query = select(c.record_id, c.score).where(c.record_id.in_(batch))
                if metric is not None:
                    query = query.where(c.metric == metric)
                for row in conn.execute(query.order_by(c.id)):
                    found.setdefault(row.record_id, float(row.score))
        return found

    # -- scheduled drift runs -----------------------------------------------------------------------------------

    def save_drift_run(self, run_id: str, app: str, at: float, drifted: bool, report: dict[str, Any]) -> None:
        row = {"id": run_id, "app": app, "at": at, "drifted": drifted, "report": report}
        with self._writing() as conn:
            conn.execute(insert(monitor_drift_runs).values(**row))

    def drift_runs(
        self, app: str | None = None, since: float | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Scheduled drift runs, newest first (each: id, app, at, drifted, report)."""
        c = monitor_drift_runs.c
        query = select(monitor_drift_runs).order_by(c.at.desc()).limit(limit)
        if app is not None:
            query = query.where(c.app == app)
        if since is not None:
            query = query.where(c.at >= since)
        with self._reading() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    # -- embeddings ----------------------------------------------------------------------------------------

    def embeddings(self, record_ids: Sequence[str], side: str) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        c = record_embeddings.c
        with self._reading() as conn:
            for batch in in_batches(record_ids):
                query = select(c.record_id, c.vector).where(c.side == side, c.record_id.in_(batch))
                found.update({r.record_id: np.frombuffer(r.vector, dtype=np.float32) for r in conn.execute(query)})
        return found

    def save_embeddings(self, side: str, model: str, vectors: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [
            {"record_id": rid, "side": side, "model": model, "vector": np.asarray(v, np.float32).tobytes()}
            for rid, v in vectors
        ]
        if rows:  # two drift runs may embed the same records at once: the first one's vectors stay
            with self._writing() as conn:
                _insert_new_rows(conn, record_embeddings, rows)


def _alert(row: Any) -> AlertRow:
    values = dict(row._mapping)
    values["notifications"] = list(values["notifications"] or [])
    return AlertRow(**values)


_KEY_COLUMNS = ("app", "model", "arm", "grain", "bucket")
# One statement for every changed bucket of a batch (executemany), its parameters named k_<column>.
_UPDATE = (
    update(monitor_rollups)
    .where(*[monitor_rollups.c[name] == bindparam(f"k_{name}") for name in _KEY_COLUMNS])
    .values({c.name: bindparam(f"k_{c.name}") for c in monitor_rollups.columns if c.name not in _KEY_COLUMNS})
)


def _load(conn: Unit, keys: list[RollupKey]) -> dict[RollupKey, Rollup]:
    """The stored buckets among `keys`: one range query per grain (a batch's buckets are close in time), the
    rows outside `keys` dropped here, rather than a statement with five bound parameters per key."""
    wanted = set(keys)
    found: dict[RollupKey, Rollup] = {}
    c = monitor_rollups.c
    for grain in sorted({k.grain for k in keys}):
        buckets = [k.bucket for k in keys if k.grain == grain]
        query = select(monitor_rollups).where(c.grain == grain, c.bucket >= min(buckets), c.bucket <= max(buckets))
        for row in conn.execute(query):
            key = _key(row)
            if key in wanted:
                found[key] = _rollup(row)
    return found


LOCK = "_lock"  # a row of monitor_cursors that every writer of monitoring state updates first


def _lock(conn: Unit) -> None:
    """Serialise writers of monitoring state: an UPDATE of the lock row takes SQLite's write lock, or
    PostgreSQL's row lock, until the transaction ends."""
    if not conn.execute(update(monitor_cursors).where(monitor_cursors.c.name == LOCK).values(position=0)).rowcount:
        _insert_new_rows(conn, monitor_cursors, [{"name": LOCK, "position": 0}])
        conn.execute(update(monitor_cursors).where(monitor_cursors.c.name == LOCK).values(position=0))


def _cursor(conn: Unit, name: str) -> int:
    value = conn.execute(select(monitor_cursors.c.position).where(monitor_cursors.c.name == name)).scalar()
    return 0 if value is None else int(value)


def _insert_new_rows(conn: Unit, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT that skips rows whose key exists (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def _set_cursor(conn: Unit, name: str, position: int) -> None:
    changed = conn.execute(
        update(monitor_cursors).where(monitor_cursors.c.name == name).values(position=position)
    ).rowcount
    if not changed:
        conn.execute(insert(monitor_cursors).values(name=name, position=position))
