"""The audit trail: an append-only, hash-chained log of every governance action and configuration change.

Each event stores who, what, on which subject, when, and the hashes of the state before and after, plus a
small JSON detail. Its `hash` is sha256 over the previous event's hash and the event's canonical content —
or HMAC-SHA256 with the key in `STEWARD_AUDIT_KEY` when one is set, so that someone who can write the
database but does not hold the key cannot rewrite the chain and recompute it. `verify` walks the chain in
`seq` order and names the first event that was edited, removed or reordered, then checks the head row
(trailing events removed) and, deeply, that every governed row (registry versions, deployments, approvals,
approver grants, assessments, attestations) matches the digest its audit event recorded — a row written or
edited outside Steward has none — and that API keys, review decisions and records are as Steward left them
(`steward.governance.integrity`). Each event also copies the head of the chain of records, anchoring it here.

Writers append inside the transaction of the change they log (`transaction()` takes the audit lock first),
so a change and its event commit together or not at all. What a chain inside the database cannot show is
the removal of the newest events together with a rewritten head; `steward audit head` prints the head to
anchor elsewhere (a ticket, a Git commit), and `verify(anchor=...)` checks that it is still in the chain.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from steward.config.settings import AUDIT_KEY_ENV, Secrets
from steward.errors import StoreError
from steward.governance.errors import AuditBroken
from steward.governance.identity import Actor, actor_label
from steward.store import AUDIT_GENESIS, Database, Store, Tx, canonical_json, digest
from steward.types import Principal, new_id, now

KEY_ENV = AUDIT_KEY_ENV
GENESIS = AUDIT_GENESIS


@dataclass(frozen=True, slots=True)
class Event:
    """One audit event as stored."""

    seq: int
    id: str
    at: float
    actor: str
    action: str
    subject: str
    team: str | None
    before_hash: str | None
    after_hash: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str
    keyed: bool

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(slots=True)
class Verification:
    """The outcome of `verify`: `problem` names the first broken event or row, None when intact."""

    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problem: str | None = None
    broken_seq: int | None = None
    unkeyed: int = 0
    rows_checked: int = 0
    keys_checked: int = 0
    reviews_checked: int = 0
    corrections_checked: int = 0
    labels_checked: int = 0
    silences_checked: int = 0
    records_checked: int = 0
    integrity_key: str | None = None  # where the records' and keys' integrity key came from
    problems: list[str] = field(default_factory=list)  # every problem found, `problem` first
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """What `steward audit verify --json` prints and `POST /v1/audit/verify` answers."""
        return {
            "ok": self.ok,
            "events": self.events,
            "head": [self.head_seq, self.head_hash],
            "problem": self.problem,
            "broken_seq": self.broken_seq,
            "rows_checked": self.rows_checked,
            "unkeyed": self.unkeyed,
            "problems": self.problems,
            "keys_checked": self.keys_checked,
            "reviews_checked": self.reviews_checked,
            "corrections_checked": self.corrections_checked,
            "labels_checked": self.labels_checked,
            "silences_checked": self.silences_checked,
            "records_checked": self.records_checked,
            "integrity_key": self.integrity_key,
        }

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_key(secrets: Secrets) -> bytes | None:
    """The audit key among the keys the process was handed (`STEWARD_AUDIT_KEY`, read at its edge), as bytes."""
    return secrets.audit_key.encode() if secrets.audit_key else None


def state_hash(value: Any) -> str | None:
    """The hash of a before/after state: None stays None, a `sha256:` string is kept, anything else hashed."""
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("sha256:"):
        return value
    return digest(value)


def _hashed_content(row: Any) -> str:
    m = row if isinstance(row, dict) else row._mapping
    return canonical_json(
        {
            "seq": int(m["seq"]),
            "id": m["id"],
            "at": f"{float(m['at']):.6f}",
            "actor": m["actor"],
            "action": m["action"],
            "subject": m["subject"],
            "team": m["team"],
            "before": m["before_hash"],
            "after": m["after_hash"],
            "detail": m["detail"],
        }
    )


def _chain_hash(prev_hash: str, content: str, key: bytes | None) -> str:
    message = f"{prev_hash}\n{content}".encode()
    if key is not None:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def append(
    db: Database,
    actor: Actor | Principal | str | None,
    action: str,
    subject: str,
    before: Any = None,
    after: Any = None,
    *,
    team: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Append one event: in its own transaction given the store, or inside the caller's given a unit of work
    (so that it commits with the change it logs).

    `before`/`after` are the states (any JSON value, stored only as their hashes) or ready `sha256:` hashes;
    `detail` is a small JSON object shown in listings — never put personal data or secrets in it. An actor
    with a known person (a key's owner, an SSO user's verified e-mail) adds it as `person`, so the event names
    both the credential (`actor`) and the person who used it.
    """
    if not action or not subject:
        raise StoreError("an audit event needs an action and a subject.")
    with changing(db) as tx:
        last_seq, last_hash = tx.audit.lock()
        key = audit_key(tx.secrets)  # the keys of the store that opened the unit
        records_head = tx.records_head()
        if records_head:
            # Anchor the chain of records in the audit chain: cutting records off later contradicts this event.
            detail = {**(detail or {}), "records_head": records_head}
        if person := getattr(actor, "person", None):  # the person behind the key or SSO session, beside it
            detail = {**(detail or {}), "person": person}
        at = float(f"{now():.6f}")
        row: dict[str, Any] = {
            "seq": last_seq + 1,
            "id": new_id("aud"),
            "at": at,
            "actor": actor_label(actor),
            "action": action,
            "subject": subject,
            "team": team,
            "before_hash": state_hash(before),
            "after_hash": state_hash(after),
            "detail": canonical_json(detail or {}),
            "prev_hash": last_hash,
            "keyed": key is not None,
        }
        row["hash"] = _chain_hash(last_hash, _hashed_content(row), key)
        tx.audit.insert_event(row)
    return _event(row)


@contextlib.contextmanager
def changing(db: Database) -> Iterator[Tx]:
    """A governance transaction as a unit of work with its repositories (`tx.registry`, `tx.deployments` …): the
    audit lock first, then the change and its events (`append(tx, …)`), committed together.

    Given a unit of work (already inside a governance transaction) it joins it instead of opening another.
    """
    if isinstance(db, Tx):
        yield db
        return
    with db.transaction() as tx:
        tx.audit.lock()
        yield tx


def _event(row: Any) -> Event:
    m = row if isinstance(row, dict) else row._mapping
    detail = m["detail"]
    return Event(
        seq=int(m["seq"]),
        id=m["id"],
        at=float(m["at"]),
        actor=m["actor"],
        action=m["action"],
        subject=m["subject"],
        team=m["team"],
        before_hash=m["before_hash"],
        after_hash=m["after_hash"],
        detail=json.loads(detail) if isinstance(detail, str) else dict(detail),
        prev_hash=m["prev_hash"],
        hash=m["hash"],
        keyed=bool(m["keyed"]),
    )


def list_events(
    store: Store,
    *,
    team: str | None = None,
    subject: str | None = None,
    action: str | None = None,
    since: float | None = None,
    limit: int = 50,
    actor: str | None = None,
    until: float | None = None,
    before_seq: int | None = None,
    apps: tuple[str, ...] | None = None,
) -> list[Event]:
    """Newest first; `subject` and `action` match as prefixes (`deployment:`, `privacy.`), `actor` exactly
    (`key:key_…`, `user:alice`); `before_seq` continues a listing from the last event of the previous page;
    `apps` keeps the events about those apps only (what a key scoped to them may read)."""
    rows = store.audit.list_events(
        apps=apps,
        team=team,
        subject_prefix=subject,
        action_prefix=action,
        since=since,
        limit=limit,
        actor=actor,
        until=until,
        before_seq=before_seq,
    )
    return [_event(row) for row in rows]


# ---- verification ---------------------------------------------------------------------------------------------


def verify(
    store: Store,
    *,
    deep: bool = True,
    anchor: tuple[int, str] | None = None,
    unsealed_until: int = 0,
    records: bool = True,
) -> Verification:
    """Check the chain, the head, an optional external anchor and (deep) every governed row.

    With STEWARD_AUDIT_KEY set every event must be sealed with it, except events up to `unsealed_until` (those
    written before the key was introduced): otherwise someone without the key could rewrite sealed events as
    plain ones.
    """
    from steward.governance import integrity

    result = Verification()
    _verify_chain(store, result, anchor, unsealed_until)
    if result.ok and deep:
        _verify_rows(store, result)
    if result.problem is not None:
        result.problems.append(result.problem)
    if deep:  # keys and records have evidence of their own, checked even when the chain is broken
        result.keys_checked = integrity.verify_keys(store, result.problems)
        result.reviews_checked = integrity.verify_reviews(store, result.problems)
        result.corrections_checked = integrity.verify_corrections(store, result.problems)
        result.labels_checked = integrity.verify_labels(store, result.problems)
        result.silences_checked = integrity.verify_silences(store, result.problems)
        if records:
            result.records_checked, result.integrity_key = integrity.verify_records(store, result.problems)
        result.problem = result.problem or (result.problems[0] if result.problems else None)
    return result


def _event_problem(
    row: Any, expected_seq: int, expected_prev: str, key: bytes | None, unsealed_until: int
) -> str | None:
    """Why this event breaks the chain (None when it does not); rules are named in the message."""
    seq = int(row.seq)
    if seq != expected_seq:
        gone = f"#{expected_seq}" if seq == expected_seq + 1 else f"#{expected_seq}..#{seq - 1}"
        return (
            f"event {gone} is missing: the log jumps from #{expected_seq - 1} to #{seq} "
            "(rule: audit events are never removed)"
        )
    if row.prev_hash != expected_prev:
        return (
            f"event #{seq} ({row.id}) does not follow event #{seq - 1}: its previous hash differs, so events "
            "were reordered or an earlier one rewritten (rule: the audit log is append-only)"
        )
    if row.keyed and key is None:
        return f"event #{seq} is sealed with the audit key; set {KEY_ENV} to verify it"
    if key is not None and not row.keyed and seq > unsealed_until:
        return (
            f"event #{seq} ({row.id}) is not sealed with the audit key: the log was rewritten without the key "
            "(rule: the audit log is append-only; pass --unsealed-until SEQ for events older than the key)"
        )
    if _chain_hash(row.prev_hash, _hashed_content(row), key if row.keyed else None) != row.hash:
        return (
            f"event #{seq} ({row.id}, {row.action} on {row.subject}) was edited: its content no longer "
            "matches its hash (rule: audit events are immutable)"
        )
    return None


def _verify_chain(store: Store, result: Verification, anchor: tuple[int, str] | None, unsealed_until: int) -> None:
    key = audit_key(store.secrets)
    expected_prev, expected_seq = GENESIS, 1
    anchor_seen = anchor is None
    for row in store.audit.iter_events():
        problem = _event_problem(row, expected_seq, expected_prev, key, unsealed_until)
        if problem is None and anchor is not None and row.seq == anchor[0]:
            if row.hash != anchor[1]:
                problem = (
                    f"event #{row.seq} does not have the anchored hash {anchor[1][:16]}…: the log was rewritten"
                )
            anchor_seen = True
        if problem is not None:
            return _broken(result, min(int(row.seq), expected_seq), problem)
        result.unkeyed += 0 if row.keyed else 1
        expected_prev, expected_seq = row.hash, int(row.seq) + 1
        result.events += 1
    _verify_head(store, result, expected_seq - 1, expected_prev)
    if result.ok and not anchor_seen:
        assert anchor is not None
        _broken(
            result,
            anchor[0],
            f"anchored event #{anchor[0]} is no longer in the log (it ends at "
            f"#{expected_seq - 1}): trailing events were removed",
        )


def _verify_head(store: Store, result: Verification, last_seq: int, last_hash: str) -> None:
    head = store.audit.read_head()
    if head is None:
        _broken(result, last_seq, "the audit head row is missing (rule: the audit log is append-only)")
        return
    result.head_seq, result.head_hash = head
    if head[0] != last_seq:
        _broken(
            result,
            last_seq + 1,
            f"the log ends at event #{last_seq} but its head records #{head[0]}: trailing "
            "events were removed (rule: audit events are never removed)",
        )
    elif head[1] != last_hash:
        _broken(
            result,
            last_seq,
            f"the head hash differs from event #{last_seq}'s hash: the last event was "
            "replaced (rule: audit events are immutable)",
        )


def _broken(result: Verification, seq: int, problem: str) -> None:
    result.problem = problem
    result.broken_seq = seq


GOVERNED: dict[str, tuple[str, Callable[[Any], str]]] = {  # table: (what it holds, its audit subject)
    "registry_entries": ("registry version", lambda r: f"registry:{r.id}"),
    "deployments": ("deployment", lambda r: f"deployment:{r.id}"),
    "approvals": ("approval", lambda r: f"approval:{r.id}"),
    "approvers": ("approver grant", lambda r: f"approver:{r.team}/{r.principal}"),
    "risk_assessments": ("risk assessment", lambda r: f"assessment:{r.id}"),
    "attestations": ("attestation", lambda r: f"attestation:{r.id}"),
}


def _verify_rows(store: Store, result: Verification) -> None:
    recorded = store.audit.event_digests()
    for table, row, row_hash in store.audit.governed_rows():
        label, subject_of = GOVERNED[table]
        result.rows_checked += 1
        subject = subject_of(row)
        if row_hash not in recorded.get(subject, ()):
            where = f" (app {row.app}, seq {row.seq})" if table == "deployments" else ""
            result.problem = (
                f"{label} {subject.split(':', 1)[1]}{where} matches no audit event: it was written or edited "
                "outside Steward (rule: every governance change is recorded)"
            )
            return
        if table == "registry_entries" and digest(row.spec) != row.content_hash:
            result.problem = (
                f"registry version {row.id} does not match its content hash (rule: versions are immutable)"
            )
            return


def require_intact(store: Store, what: str) -> None:
    """Refuse a gated change while the audit log, a governed row or an API key has been tampered with.

    Records are left to `steward audit verify`: walking every record would make each promotion as slow as the
    record store is large, and a tampered record does not change what a release may do.
    """
    result = verify(store, records=False)
    if not result.ok:
        raise AuditBroken(
            f"{what} refused: the audit log is broken — {result.problem}. Investigate with `steward audit verify` "
            "and restore the database from a backup; rollbacks stay available meanwhile."
        )
