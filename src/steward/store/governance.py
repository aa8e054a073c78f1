"""SQL of the governance capability: registry, lineage, deployments, approvals, audit chain, compliance, privacy.

Tables are declared on the shared `metadata` and created by migration `0005_governance`. The registry keeps
immutable versions (`registry_entries`, unique by content hash within a team, kind and name) and mutable
stage labels beside them; lineage is a table of edges between node references (`kind:id`). Deployments are an
append-only history per app (`seq` is unique per app, so two concurrent changes cannot both win); the newest
row is the app's traffic. The audit log is a hash chain with a one-row head (`audit_head`); every governance
transaction first takes the head's row lock (`lock_audit`), which serialises writers on both backends — on
SQLite the UPDATE takes the write lock before anything is read, so no transaction works from a stale snapshot.

Rows that the audit log vouches for are hashed with `row_digest` over their stored values, so `steward audit
verify` can recompute the digest from the table and compare it with the event that created the row.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row

from steward.store import integrity
from steward.store.schema import ID, NAME, feedback, metadata, records

GENESIS = "0" * 64  # the `prev_hash` of the first audit event
REF = String(300)  # a lineage node or audit subject: `kind:id`
HASH = String(80)  # `sha256:<hex>` or a bare hex digest

registry_entries = Table(
    "registry_entries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("team", NAME, nullable=False),
    Column("kind", String(32), nullable=False),  # model | prompt | dataset | policy | training_run
    Column("name", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", HASH, nullable=False),
    Column("spec", Text, nullable=False),  # canonical JSON; `content_hash` is its sha256
    Column("created_at", Float, nullable=False),
    Column("created_by", NAME, nullable=False),
    UniqueConstraint("team", "kind", "name", "version"),
    UniqueConstraint("team", "kind", "name", "content_hash"),
)

registry_labels = Table(
    "registry_labels",
    metadata,
    Column("entry_id", ID, ForeignKey("registry_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("label", String(64), primary_key=True),
    Column("set_at", Float, nullable=False),
    Column("set_by", NAME, nullable=False),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("parent", REF, primary_key=True),
    Column("child", REF, primary_key=True, index=True),
    Column("relation", String(64), nullable=False),
    Column("team", NAME, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", NAME, nullable=False),
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # baseline | deploy | promote | rollback | config
    Column("strategy", String(16)),  # canary | blue_green | ab, while a candidate is in flight
    Column("stable", JSON, nullable=False),  # [[model, weight], ...]
    Column("candidate", JSON),  # {model, entry_id, version, share, strategy, deployment_id} or null
    Column("fallback", JSON, nullable=False),
    Column("declared", HASH, nullable=False),  # digest of steward.yaml's route + fallback when written
    Column("release_of", ID, nullable=False),  # the release row whose stable route this row serves
    Column("previous_release", ID),  # on release rows: the release they replaced
    Column("eval_run", ID),
    Column("created_at", Float, nullable=False),
    Column("created_by", NAME, nullable=False),
    Column("note", Text),
    UniqueConstraint("app", "seq"),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", ID, primary_key=True),
    Column("deployment_id", ID, ForeignKey("deployments.id"), nullable=False, index=True),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("approver", NAME, nullable=False),
    Column("role", String(16), nullable=False),
    Column("at", Float, nullable=False),
    Column("note", Text),
    UniqueConstraint("deployment_id", "approver"),
)

approvers = Table(
    "approvers",
    metadata,
    Column("team", NAME, primary_key=True),
    Column("principal", NAME, primary_key=True),  # `user:NAME` or `key:KEY_ID`
    Column("granted_at", Float, nullable=False),
    Column("granted_by", NAME, nullable=False),
    Column("revoked_at", Float),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("id", ID, nullable=False, unique=True),
    Column("at", Float, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", REF, nullable=False, index=True),
    Column("team", NAME, index=True),
    Column("before_hash", HASH),
    Column("after_hash", HASH),
    Column("detail", Text, nullable=False),  # canonical JSON, hashed as stored
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("keyed", Boolean, nullable=False),  # HMAC with STEWARD_AUDIT_KEY rather than a plain sha256
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

risk_assessments = Table(
    "risk_assessments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False, index=True),
    Column("team", NAME, nullable=False),
    Column("tier", String(16), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("questionnaire", HASH, nullable=False),
    Column("at", Float, nullable=False),
    Column("by", NAME, nullable=False),
)

attestations = Table(
    "attestations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("app", NAME, nullable=False, index=True),
    Column("team", NAME, nullable=False),
    Column("control", String(64), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("at", Float, nullable=False),
    Column("by", NAME, nullable=False),
)

provider_checks = Table(
    "provider_checks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("model", NAME, nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("prompts_hash", HASH, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("answers_hash", HASH, nullable=False),
    Column("reported", JSON, nullable=False),
    Column("changed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("accepted", Boolean, nullable=False),
)

dataset_rows = Table(
    "dataset_rows",
    metadata,
    Column("entry_id", ID, ForeignKey("registry_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("record_id", ID, index=True),
    Column("subject_hash", String(64), index=True),
    Column("body", Text, nullable=False),
)

privacy_anonymised = Table(
    "privacy_anonymised",
    metadata,
    Column("record_id", ID, primary_key=True),
    Column("at", Float, nullable=False),
)


# ---- hashing ------------------------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """One spelling of a JSON value (sorted keys, no spaces), so equal content hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any) -> str:
    """`sha256:<hex>` of a value's canonical JSON (a string is hashed as it is)."""
    text = value if isinstance(value, str) else canonical_json(value)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def row_digest(table: Table, row: Any) -> str:
    """The digest of a row of `table` over every column, from a mapping or a fetched `Row`."""
    mapping = row._mapping if isinstance(row, Row) else row
    return digest({column.name: mapping.get(column.name) for column in table.columns})


# ---- audit chain ----------------------------------------------------------------------------------------------


def lock_audit(conn: Connection) -> tuple[int, str]:
    """Take the audit head's write lock for this transaction and return (last seq, last hash)."""
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
    found = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    if found is None:  # a database whose head row was deleted: the chain verifier reports it
        conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))
        return 0, GENESIS
    return int(found.seq), str(found.hash)


def insert_event(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(audit_events).values(row))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=row["seq"], hash=row["hash"]))


def read_head(conn: Connection) -> tuple[int, str] | None:
    found = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    return (int(found.seq), str(found.hash)) if found is not None else None


def iter_events(engine: Engine, chunk: int = 1000) -> Iterator[Row[Any]]:
    """Every audit event in `seq` order, read in chunks (the physical order is what verification checks)."""
    after = -1
    while True:
        query = select(audit_events).where(audit_events.c.seq > after).order_by(audit_events.c.seq).limit(chunk)
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = int(rows[-1].seq)


def list_events(
    engine: Engine,
    *,
    team: str | None = None,
    subject_prefix: str | None = None,
    action_prefix: str | None = None,
    since: float | None = None,
    limit: int = 50,
) -> list[Row[Any]]:
    """Newest first."""
    c = audit_events.c
    clauses = []
    if team is not None:
        clauses.append(c.team == team)
    if subject_prefix:
        clauses.append(c.subject.startswith(subject_prefix, autoescape=True))
    if action_prefix:
        clauses.append(c.action.startswith(action_prefix, autoescape=True))
    if since is not None:
        clauses.append(c.at >= since)
    query = select(audit_events).where(*clauses).order_by(c.seq.desc()).limit(max(0, limit))
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def event_digests(engine: Engine) -> dict[str, set[str]]:
    """subject → every `after_hash` the audit log recorded for it (for cross-checking governed rows)."""
    out: dict[str, set[str]] = {}
    query = select(audit_events.c.subject, audit_events.c.after_hash).where(audit_events.c.after_hash.is_not(None))
    with engine.connect() as conn:
        for subject, after in conn.execute(query):
            out.setdefault(subject, set()).add(after)
    return out


def latest_events(engine: Engine, subject_prefix: str) -> dict[str, Row[Any]]:
    """The newest audit event of each subject starting with `subject_prefix` (e.g. every `key:`)."""
    c = audit_events.c
    newest = (
        select(c.subject, func.max(c.seq).label("seq"))
        .where(c.subject.startswith(subject_prefix))
        .group_by(c.subject)
    ).subquery()
    query = select(audit_events).join(newest, and_(c.subject == newest.c.subject, c.seq == newest.c.seq))
    with engine.connect() as conn:
        return {row.subject: row for row in conn.execute(query)}


def first_event(conn: Connection, action_prefix: str) -> Row[Any] | None:
    """The oldest audit event whose action starts with `action_prefix` (e.g. the first `review.` decision)."""
    query = (
        select(audit_events)
        .where(audit_events.c.action.startswith(action_prefix))
        .order_by(audit_events.c.seq)
        .limit(1)
    )
    return conn.execute(query).first()


def all_rows(engine: Engine, table: Table) -> list[Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(select(table)).all())


# ---- registry -----------------------------------------------------------------------------------------------


def find_entry(conn: Connection, team: str, kind: str, name: str, content_hash: str) -> Row[Any] | None:
    c = registry_entries.c
    query = select(registry_entries).where(
        c.team == team, c.kind == kind, c.name == name, c.content_hash == content_hash
    )
    return conn.execute(query).first()


def next_version(conn: Connection, team: str, kind: str, name: str) -> int:
    c = registry_entries.c
    query = select(func.max(c.version)).where(c.team == team, c.kind == kind, c.name == name)
    return int(conn.execute(query).scalar() or 0) + 1


def insert_row(conn: Connection, table: Table, row: dict[str, Any]) -> None:
    conn.execute(insert(table).values(row))


def get_entry(conn: Connection, entry_id: str) -> Row[Any] | None:
    return conn.execute(select(registry_entries).where(registry_entries.c.id == entry_id)).first()


def entry_by_version(conn: Connection, team: str, kind: str, name: str, version: int | None) -> Row[Any] | None:
    """A version by number, or the newest when `version` is None."""
    c = registry_entries.c
    query = select(registry_entries).where(c.team == team, c.kind == kind, c.name == name)
    query = query.where(c.version == version) if version is not None else query.order_by(c.version.desc())
    return conn.execute(query.limit(1)).first()


def list_entries(
    engine: Engine, *, team: str | None = None, kind: str | None = None, name: str | None = None
) -> list[Row[Any]]:
    c = registry_entries.c
    clauses = [
        col == value for col, value in ((c.team, team), (c.kind, kind), (c.name, name)) if value is not None
    ]
    query = select(registry_entries).where(*clauses).order_by(c.team, c.kind, c.name, c.version)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def labels_of(conn: Connection, entry_ids: Sequence[str]) -> dict[str, list[str]]:
    if not entry_ids:
        return {}
    query = select(registry_labels.c.entry_id, registry_labels.c.label).where(
        registry_labels.c.entry_id.in_(list(entry_ids))
    )
    out: dict[str, list[str]] = {}
    for entry_id, label in conn.execute(query.order_by(registry_labels.c.label)):
        out.setdefault(entry_id, []).append(label)
    return out


def set_label(conn: Connection, entry_id: str, label: str, at: float, by: str) -> None:
    exists = conn.execute(
        select(registry_labels.c.entry_id).where(
            registry_labels.c.entry_id == entry_id, registry_labels.c.label == label
        )
    ).first()
    if exists is None:
        conn.execute(insert(registry_labels).values(entry_id=entry_id, label=label, set_at=at, set_by=by))


def remove_label(conn: Connection, entry_ids: Iterable[str], label: str) -> int:
    ids = list(entry_ids)
    if not ids:
        return 0
    result = conn.execute(
        delete(registry_labels).where(registry_labels.c.entry_id.in_(ids), registry_labels.c.label == label)
    )
    return int(result.rowcount or 0)


def sibling_ids(conn: Connection, team: str, kind: str, name: str) -> list[str]:
    c = registry_entries.c
    return list(conn.execute(select(c.id).where(c.team == team, c.kind == kind, c.name == name)).scalars())


def add_edge(conn: Connection, parent: str, child: str, relation: str, team: str, at: float, by: str) -> bool:
    """Add a lineage edge; False when it already exists (edges are facts, recorded once)."""
    c = lineage_edges.c
    if conn.execute(select(c.parent).where(c.parent == parent, c.child == child)).first() is not None:
        return False
    conn.execute(
        insert(lineage_edges).values(
            parent=parent, child=child, relation=relation, team=team, created_at=at, created_by=by
        )
    )
    return True


def edges_touching(engine: Engine, nodes: Sequence[str], direction: str) -> list[Row[Any]]:
    """Edges whose child (direction "up") or parent ("down") is one of `nodes`."""
    if not nodes:
        return []
    column = lineage_edges.c.child if direction == "up" else lineage_edges.c.parent
    with engine.connect() as conn:
        return list(conn.execute(select(lineage_edges).where(column.in_(list(nodes)))).all())


# ---- deployments and approvals ---------------------------------------------------------------------------------


def latest_deployment(conn: Connection, app: str) -> Row[Any] | None:
    query = select(deployments).where(deployments.c.app == app).order_by(deployments.c.seq.desc()).limit(1)
    return conn.execute(query).first()


def get_deployment(conn: Connection, deployment_id: str) -> Row[Any] | None:
    return conn.execute(select(deployments).where(deployments.c.id == deployment_id)).first()


def deployment_history(engine: Engine, app: str, limit: int = 50) -> list[Row[Any]]:
    query = select(deployments).where(deployments.c.app == app).order_by(deployments.c.seq.desc()).limit(limit)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def approvals_of(conn: Connection, deployment_id: str) -> list[Row[Any]]:
    query = select(approvals).where(approvals.c.deployment_id == deployment_id).order_by(approvals.c.at)
    return list(conn.execute(query).all())


def active_approver(conn: Connection, team: str, principal: str) -> Row[Any] | None:
    c = approvers.c
    query = select(approvers).where(c.team == team, c.principal == principal, c.revoked_at.is_(None))
    return conn.execute(query).first()


def upsert_approver(conn: Connection, team: str, principal: str, at: float, by: str) -> None:
    c = approvers.c
    conn.execute(delete(approvers).where(c.team == team, c.principal == principal))
    conn.execute(insert(approvers).values(team=team, principal=principal, granted_at=at, granted_by=by))


def revoke_approver(conn: Connection, team: str, principal: str, at: float) -> int:
    c = approvers.c
    result = conn.execute(
        update(approvers)
        .where(c.team == team, c.principal == principal, c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(result.rowcount or 0)


def list_approvers(engine: Engine, team: str | None = None) -> list[Row[Any]]:
    query = select(approvers).order_by(approvers.c.team, approvers.c.principal)
    if team is not None:
        query = query.where(approvers.c.team == team)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


# ---- compliance ---------------------------------------------------------------------------------------------


def latest_assessment(conn: Connection, app: str) -> Row[Any] | None:
    query = select(risk_assessments).where(risk_assessments.c.app == app).order_by(risk_assessments.c.at.desc())
    return conn.execute(query.limit(1)).first()


def attestations_of(engine: Engine, app: str) -> list[Row[Any]]:
    query = select(attestations).where(attestations.c.app == app).order_by(attestations.c.at)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def count_app_records(engine: Engine, app: str) -> tuple[int, float | None]:
    """(records of the app, when the newest was created)."""
    query = select(func.count(), func.max(records.c.created_at)).where(records.c.app == app)
    with engine.connect() as conn:
        count, newest = conn.execute(query).one()
    return int(count), newest


# ---- provider change detection ------------------------------------------------------------------------------


def last_accepted_check(conn: Connection, model: str, prompts_hash: str) -> Row[Any] | None:
    c = provider_checks.c
    query = (
        select(provider_checks)
        .where(c.model == model, c.prompts_hash == prompts_hash, c.accepted.is_(True))
        .order_by(c.at.desc())
        .limit(1)
    )
    return conn.execute(query).first()


def latest_check(conn: Connection, model: str) -> Row[Any] | None:
    c = provider_checks.c
    return conn.execute(select(provider_checks).where(c.model == model).order_by(c.at.desc()).limit(1)).first()


def accept_check(conn: Connection, check_id: str) -> None:
    conn.execute(update(provider_checks).where(provider_checks.c.id == check_id).values(accepted=True))


def check_history(engine: Engine, model: str | None = None, limit: int = 20) -> list[Row[Any]]:
    query = select(provider_checks).order_by(provider_checks.c.at.desc()).limit(limit)
    if model is not None:
        query = query.where(provider_checks.c.model == model)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


# ---- privacy --------------------------------------------------------------------------------------------------


def expired_records(conn: Connection, app: str, cutoff: float, *, skip_anonymised: bool, limit: int) -> list[Any]:
    """(id, body) of the app's records created before `cutoff`, oldest first."""
    c = records.c
    query = select(c.id, c.body).where(c.app == app, c.created_at < cutoff)
    if skip_anonymised:
        query = query.where(c.id.not_in(select(privacy_anonymised.c.record_id)))
    return list(conn.execute(query.order_by(c.created_at, c.id).limit(limit)).all())


def subject_records(conn: Connection, subject: str, team: str | None) -> list[Any]:
    query = select(records.c.id, records.c.body).where(records.c.subject == subject)
    if team is not None:
        query = query.where(records.c.team == team)
    return list(conn.execute(query).all())


def delete_records(conn: Connection, record_ids: Sequence[str], reason: str = "privacy") -> int:
    """Delete records, leaving a keyed tombstone of each one's place in the chain of records."""
    if not record_ids:
        return 0
    ids = list(record_ids)
    integrity.bury(conn, integrity.sealer_for(conn.engine), ids, time.time(), reason)
    # Feedback cascades on PostgreSQL and on SQLite with foreign keys on; delete it explicitly anyway, so a
    # connection opened without the pragma cannot leave orphans that still hold personal comments.
    conn.execute(delete(feedback).where(feedback.c.record_id.in_(ids)))
    conn.execute(delete(privacy_anonymised).where(privacy_anonymised.c.record_id.in_(ids)))
    return int(conn.execute(delete(records).where(records.c.id.in_(ids))).rowcount or 0)


def rewrite_record(conn: Connection, record_id: str, body: str, at: float) -> None:
    """Replace a record's body with its anonymised form; drop the subject copy; it may no longer train models."""
    conn.execute(update(records).where(records.c.id == record_id).values(body=body, subject=None, consent=False))
    integrity.reseal(conn, integrity.sealer_for(conn.engine), [record_id])
    conn.execute(delete(privacy_anonymised).where(privacy_anonymised.c.record_id == record_id))
    conn.execute(insert(privacy_anonymised).values(record_id=record_id, at=at))


def clear_feedback_comments(conn: Connection, record_ids: Sequence[str]) -> int:
    if not record_ids:
        return 0
    result = conn.execute(
        update(feedback).where(feedback.c.record_id.in_(list(record_ids))).values(comment="", by=None)
    )
    return int(result.rowcount or 0)


def delete_dataset_rows(conn: Connection, *, record_ids: Sequence[str], subject_hash: str) -> dict[str, int]:
    """Delete dataset rows of a subject (by record or by subject hash); returns entry id → rows removed."""
    c = dataset_rows.c
    match = c.subject_hash == subject_hash
    if record_ids:
        match = match | c.record_id.in_(list(record_ids))
    counts: dict[str, int] = {}
    for (entry_id,) in conn.execute(select(c.entry_id).where(match)):
        counts[entry_id] = counts.get(entry_id, 0) + 1
    conn.execute(delete(dataset_rows).where(match))
    return counts


def dataset_bodies(engine: Engine, entry_id: str) -> list[str]:
    query = (
        select(dataset_rows.c.body).where(dataset_rows.c.entry_id == entry_id).order_by(dataset_rows.c.position)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def count_dataset_rows(conn: Connection, entry_id: str) -> int:
    query = select(func.count()).select_from(dataset_rows).where(dataset_rows.c.entry_id == entry_id)
    return int(conn.execute(query).scalar_one())


def records_in(
    engine: Engine,
    *,
    app: str,
    team: str | None,
    since: float | None,
    until: float | None,
    consent_only: bool,
    statuses: Sequence[str],
    after: tuple[float, str] | None,
    limit: int,
    origins: Sequence[str] = ("traffic",),
) -> list[Any]:
    """A keyset page of (created_at, id, subject, body, consent) for dataset building, oldest first."""
    c = records.c
    clauses = [c.app == app, c.status.in_(list(statuses)), c.origin.in_(list(origins))]
    if team is not None:
        clauses.append(c.team == team)
    if since is not None:
        clauses.append(c.created_at >= since)
    if until is not None:
        clauses.append(c.created_at < until)
    if consent_only:
        clauses.append(c.consent.is_(True))
    if after is not None:
        clauses.append((c.created_at > after[0]) | and_(c.created_at == after[0], c.id > after[1]))
    query = (
        select(c.created_at, c.id, c.subject, c.body, c.consent)
        .where(*clauses)
        .order_by(c.created_at, c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def count_without_consent(engine: Engine, app: str, statuses: Sequence[str]) -> int:
    c = records.c
    query = (
        select(func.count())
        .select_from(records)
        .where(c.app == app, c.status.in_(list(statuses)), c.consent.is_(False))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def count_of_other_origins(engine: Engine, app: str, statuses: Sequence[str], origins: Sequence[str]) -> int:
    """How many of the app's records with these statuses came from elsewhere (evals, red-team scans, tests)."""
    c = records.c
    query = (
        select(func.count())
        .select_from(records)
        .where(c.app == app, c.status.in_(list(statuses)), c.origin.not_in(list(origins)))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def body_page(conn: Connection, limit: int, after: str | None) -> list[Any]:
    """A page of (id, body) of records in id order, for re-encrypting bodies at rest."""
    query = select(records.c.id, records.c.body).order_by(records.c.id).limit(limit)
    if after is not None:
        query = query.where(records.c.id > after)
    return list(conn.execute(query).all())


def set_body(conn: Connection, record_id: str, body: str) -> None:
    conn.execute(update(records).where(records.c.id == record_id).values(body=body))
    integrity.reseal(conn, integrity.sealer_for(conn.engine), [record_id])


def last_event_after_hash(conn: Connection, action: str, subject: str) -> str | None:
    """The `after_hash` of the newest event with this action and subject (e.g. the last applied config)."""
    c = audit_events.c
    query = select(c.after_hash).where(c.action == action, c.subject == subject).order_by(c.seq.desc()).limit(1)
    return conn.execute(query).scalar_one_or_none()


def labelled(conn: Connection, team: str, kind: str, name: str, label: str) -> list[str]:
    """Ids of the versions of `kind:name` in `team` that carry `label`."""
    c = registry_entries.c
    query = (
        select(c.id)
        .join(registry_labels, registry_labels.c.entry_id == c.id)
        .where(c.team == team, c.kind == kind, c.name == name, registry_labels.c.label == label)
    )
    return list(conn.execute(query).scalars())


def get_approver(conn: Connection, team: str, principal: str) -> Row[Any] | None:
    c = approvers.c
    return conn.execute(select(approvers).where(c.team == team, c.principal == principal)).first()
