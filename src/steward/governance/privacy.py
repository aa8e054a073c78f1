"""Privacy: retention per app, erasure of a data subject, and re-sealing record bodies at rest.

Retention (`retention: {days: N, action: delete|anonymise}` on an app) removes records older than N days, or
anonymises them: the inputs, output, redacted texts, explanation and feedback comments are replaced, the
subject is dropped and the record may no longer enter a training dataset — what remains (app, status, model
and prompt versions, guardrail reason codes, tokens, latency, cost) still feeds monitoring and audits.
Erasure (`erase_subject`) does the same to every record of one subject, removes or blanks their feedback, and
deletes their rows from registered datasets, in one transaction. Both are logged in the audit chain with
counts and a keyed hash of the subject id, never the id itself, so the log does not keep what was erased.
Bodies are read and written through `steward.store.crypto`, so encrypted stores work the same.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from steward.config import Project
from steward.errors import InvalidRequest, PermissionDenied
from steward.governance import audit
from steward.governance.identity import Actor
from steward.store import Store
from steward.store.codec import record_from_json, record_to_json
from steward.store.crypto import cipher, open_body, seal_body
from steward.types import Record, Turn, now

ERASED = "[erased]"
BATCH = 500
DAY_S = 86_400.0
Mode = Literal["delete", "anonymise"]


@dataclass(frozen=True, slots=True)
class Retention:
    """How long an app's records are kept, and what happens to them afterwards."""

    days: int
    action: Mode = "delete"

    def __post_init__(self) -> None:
        if self.days < 1:
            raise InvalidRequest("retention needs at least 1 day.")
        if self.action not in ("delete", "anonymise"):
            raise InvalidRequest(f"retention action {self.action!r}: use delete or anonymise.")


@dataclass(slots=True)
class Erasure:
    """What an erasure or a retention run changed (counts only)."""

    records: int = 0
    feedback: int = 0
    datasets: dict[str, int] = field(default_factory=dict)
    mode: str = "delete"


def retention_of(spec: Any) -> Retention | None:
    """An app's retention, read defensively (`AppSpec.retention` may be a model, a dict, or absent)."""
    value = getattr(spec, "retention", None)
    if value is None:
        return None
    if isinstance(value, dict):
        return Retention(int(value["days"]), value.get("action", "delete"))
    return Retention(int(value.days), getattr(value, "action", "delete"))


def subject_hash(subject: str, key: bytes | None) -> str:
    """A stable pseudonym of a subject id for logs and dataset rows (keyed with the audit key when the process
    was given one: `audit.audit_key(store.secrets)`)."""
    message = f"steward-subject\x00{subject}".encode()
    if key is not None:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def anonymise(record: Record) -> Record:
    """The record without personal content; the governance facts stay."""
    record.subject = None
    record.input = [Turn(m.role, ERASED) for m in record.input]
    record.output = ERASED if record.output is not None else None
    record.explanation = None
    record.consent = False
    for decision in record.decisions:
        decision.text = None
        decision.stored_text = None
        decision.findings = [replace(f, detail="") for f in decision.findings]
    for item in record.feedback:
        item.comment = ""
        item.by = None
    return record


def _anonymised_body(store: Store, stored: str) -> str:
    anonymised = anonymise(record_from_json(open_body(stored, store.cipher)))
    return seal_body(record_to_json(anonymised).decode(), store.cipher)


def enforce_retention(
    store: Store, app: str, team: str, retention: Retention, actor: Actor, at: float | None = None
) -> Erasure:
    """Apply one app's retention now (in batches, each its own transaction with its audit event)."""
    actor.require_change(team, f"records of {app}")
    cutoff = (at if at is not None else now()) - retention.days * DAY_S
    total = Erasure(mode=retention.action)
    while True:
        with audit.changing(store) as tx:
            rows = tx.privacy.expired_records(
                app, cutoff, skip_anonymised=retention.action == "anonymise", limit=BATCH
            )
            if not rows:
                return total
            ids = [r.id for r in rows]
            if retention.action == "delete":
                done = tx.privacy.delete_records(store.sealer, ids, "retention")
            else:
                stamp = now()
                for row in rows:
                    tx.privacy.rewrite_record(store.sealer, row.id, _anonymised_body(store, row.body), stamp)
                tx.privacy.clear_feedback_comments(ids)
                tx.reviews.clear_texts(ids)
                done = len(rows)
            total.records += done
            audit.append(
                tx,
                actor,
                "privacy.retention",
                f"app:{app}",
                team=team,
                detail={
                    "action": retention.action,
                    "days": retention.days,
                    "records": done,
                    "cutoff": round(cutoff, 3),
                },
            )


def enforce_all(store: Store, project: Project, actor: Actor, at: float | None = None) -> dict[str, Erasure]:
    """Apply every app's declared retention; apps without one are left alone."""
    out = {}
    for name, spec in project.apps.items():
        retention = retention_of(spec)
        if retention is not None and actor.may_read(spec.team):
            out[name] = enforce_retention(store, name, spec.team, retention, actor, at)
    return out


def erase_subject(
    store: Store, subject: str, actor: Actor, *, mode: Mode = "delete", team: str | None = None
) -> Erasure:
    """Erase (delete or anonymise) one subject's records, feedback and dataset rows; logged without the id."""
    if not subject.strip():
        raise InvalidRequest("give the subject id to erase (the `subject` the app sent with its requests).")
    if mode not in ("delete", "anonymise"):
        raise InvalidRequest(f"erasure mode {mode!r}: use delete or anonymise.")
    scope = actor.scope(team)
    actor.require_change(scope if scope is not None else actor.team, "personal data")
    hashed = subject_hash(subject, audit.audit_key(store.secrets))
    result = Erasure(mode=mode)
    with audit.changing(store) as tx:
        rows = tx.privacy.subject_records(subject, scope)
        ids = [r.id for r in rows]
        if mode == "delete":
            result.feedback = tx.privacy.clear_feedback_comments(ids)
            result.records = tx.privacy.delete_records(store.sealer, ids, "erasure")
        else:
            stamp = now()
            for row in rows:
                tx.privacy.rewrite_record(store.sealer, row.id, _anonymised_body(store, row.body), stamp)
            result.feedback = tx.privacy.clear_feedback_comments(ids)
            tx.reviews.clear_texts(ids)  # held and released texts of escalated requests
            result.records = len(rows)
        result.datasets = tx.datasets.delete_rows(record_ids=ids, subject_hash=hashed)
        audit.append(
            tx,
            actor,
            "privacy.erase",
            f"subject:{hashed[:24]}",
            team=scope,
            detail={
                "mode": mode,
                "records": result.records,
                "feedback": result.feedback,
                "datasets": result.datasets,
            },
        )
    return result


def reseal_bodies(store: Store, actor: Actor) -> int:
    """Encrypt every plaintext body and re-seal every sealed one under the newest key; returns bodies written."""
    actor.require_admin("re-sealing record bodies")
    if actor.team is not None:  # it rewrites every team's records: no one team's key may
        raise PermissionDenied(
            "re-sealing rewrites every team's records; run it as the local operator (without --key)."
        )
    active = cipher(store.secrets.record_keys)
    if active is None:
        raise InvalidRequest("set STEWARD_RECORD_KEY first (generate one with `steward privacy keygen`).")
    written, after = 0, None
    while True:
        with audit.changing(store) as tx:
            rows = tx.privacy.body_page(BATCH, after)
            for row in rows:
                tx.privacy.set_body(store.sealer, row.id, active.reseal(row.body))
            written += len(rows)
            if len(rows) < BATCH:
                audit.append(tx, actor, "privacy.encrypt", "records:bodies", detail={"bodies": written})
                return written
            after = rows[-1].id
