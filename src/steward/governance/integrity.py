"""What `steward audit verify` checks beyond the audit chain: API keys and records, each named where broken.

Keys: every key row must match the newest audit event about it (`key.create`, `key.revoke`), whose after-hash
is the digest of the key's governed columns, so a key inserted into the table (no event), un-revoked (its last
event is a revocation) or re-scoped (digest differs) is reported. Records: the keyed chain of
`steward.store.integrity` is walked from #1 to its head — a gap without a tombstone is a deleted record, a
wrong link an inserted or renumbered one, a wrong seal an edited one — and the heads that governance events
copied into their detail must not lie beyond today's head (trailing records removed and the head rewound).

Review decisions: a decided review item must match the newest audit event about it (`review.approve`,
`review.reject`), whose after-hash is the digest of the decision's columns (status, who, when, note), so a
decision edited, flipped or reset to pending is reported, as is one decided without an event — beyond the
items decided before decisions were audited, which the first decision event counts. Not covered: the held and
released texts (erasure and release change them legitimately), and a review item deleted outright (erasure
deletes items with their records; the records chain shows a record deleted outside Steward, not its item).

Reviewers' corrections: each must match its `review_correction.add` event, whose after-hash is the digest of its
columns with the answer by its digest (`correction_digest`), so a correction inserted without an event or edited
(another answer, reason, reviewer or time) is reported, as is one deleted while its record is still there.
Erasure is legitimate: deleting a record deletes its corrections, anonymising it empties their answers, after
which only the event's existence is checked.

Reviewers' labels (the two-person rule's first and second labels): each must match the digest that the event
adding it (`review.approve`, `review.reject` or `review.label`) keeps in its detail (`labels`), so a label
inserted without an event or edited (flipped, another reviewer or time) is reported, as is one deleted while its
item is still there (erasure deletes labels only with their items).

What the checks cannot show, by design: someone holding the integrity key (or, without one, anyone) can
rewrite rows and recompute seals; someone with only the database can restore an older copy of the whole
file, or delete the newest records and put the head back when no audit event has recorded a later head
since. The README's "Tamper evidence" says so.
"""

from __future__ import annotations

import json
from typing import Any

from steward.errors import NotFound
from steward.store import (
    RECORDS_LEGACY,
    KeyEvidence,
    Sealer,
    Store,
    correction_digest,
    decision_digest,
    digest,
    label_digest,
    pending_digest,
)

MAX_PROBLEMS = 20


def verify_keys(store: Store, problems: list[str]) -> int:
    """Check every API key row against its newest audit event; returns how many rows were checked."""
    latest = store.audit.latest_events("key:")
    rows = store.key_evidence()
    unlogged: list[KeyEvidence] = []
    for row in rows:
        event = latest.get(f"key:{row.id}")
        where = _key_named(row)
        if event is None:
            unlogged.append(row)
        elif event.after_hash == row.digest:
            continue
        elif event.action == "key.revoke" and row.revoked_at is None:
            problems.append(
                f"{where} was revoked by audit event #{event.seq} but is active again: it was un-revoked outside "
                "Steward (rule: every key change is recorded)"
            )
        elif _sealed(event):
            problems.append(
                f"{where} differs from its last audit event #{event.seq} ({event.action}): it was edited outside "
                "Steward (rule: every key change is recorded)"
            )
    tolerated = store.chain.head_of("keys_legacy") or 0
    if len(unlogged) > tolerated:
        for row in unlogged:
            problems.append(
                f"{_key_named(row)} matches no audit event: it was inserted outside Steward (rule: keys are "
                "created by `steward keys create`); revoke it with `steward keys revoke`"
            )
    return len(rows)


def _key_named(row: KeyEvidence) -> str:
    return f"API key {row.id} (sk-stw-{row.prefix}…, role {row.role}, team {row.team})"


def _pending_event(event: Any) -> bool:
    """A claim, or the first of two approvals: events that leave a review item pending."""
    return bool(event.action in ("review.claim", "review.unclaim") or _detail(event).get("approval") == 1)


def verify_reviews(store: Store, problems: list[str]) -> int:
    """Check every review item's decision against its newest audit event; returns how many items were checked."""
    latest = store.audit.latest_events("review:")
    rows = store.reviews.decision_rows()
    unlogged: list[Any] = []
    for row in rows:
        event = latest.get(f"review:{row.id}")
        where = f"review item {row.id} (record {row.record_id}, app {row.app})"
        if event is None:
            if row.status != "pending":
                unlogged.append(row)
        elif row.status == "pending" and _pending_event(event):
            if event.after_hash != pending_digest(row):
                problems.append(
                    f"{where} differs from its audit event #{event.seq} ({event.action} by {event.actor}): its "
                    "first approval was edited outside Steward (rule: every governance change is recorded)"
                )
        elif row.status == "pending":
            problems.append(
                f"{where} was decided by audit event #{event.seq} ({event.action}) but is pending again: it was "
                "reset outside Steward (rule: a review decision is final)"
            )
        elif event.after_hash != decision_digest(row):
            problems.append(
                f"{where} is now {row.status} by {row.decided_by} but differs from its decision, audit event "
                f"#{event.seq} ({event.action} by {event.actor}): it was edited outside Steward (rule: every "
                "governance change is recorded)"
            )
    if len(unlogged) > _legacy_decisions(store, len(unlogged)):
        for row in unlogged:
            problems.append(
                f"review item {row.id} (record {row.record_id}, app {row.app}) is {row.status} by "
                f"{row.decided_by} but matches no audit event: it was decided outside Steward (rule: decisions "
                "are made with `steward review approve|reject`)"
            )
    return len(rows)


def verify_corrections(store: Store, problems: list[str]) -> int:
    """Check every reviewer's correction against its audit event and back; returns how many were checked."""
    events = {_detail(event).get("correction"): event for event in store.audit.events_with_action(CORRECTED)}
    rows = store.reviews.correction_rows()
    for row in rows:
        event = events.pop(row.id, None)
        where = f"correction {row.id} (record {row.record_id}, app {row.app}, by {row.by})"
        if event is None:
            problems.append(
                f"{where} matches no audit event: it was written outside Steward (rule: corrections are made with "
                "`steward review correct`)"
            )
        elif row.answer is not None and event.after_hash != correction_digest(row):
            problems.append(
                f"{where} differs from its audit event #{event.seq} ({event.actor}): it was edited outside "
                "Steward (rule: every governance change is recorded)"
            )
    for correction, event in events.items():  # an event without its row: only erasure removes one
        record_id = _detail(event).get("record_id")
        if isinstance(record_id, str) and _record_exists(store, record_id):
            problems.append(
                f"correction {correction} of record {record_id} (audit event #{event.seq}) is gone while its "
                "record is still there: it was deleted outside Steward (rule: every governance change is recorded)"
            )
    return len(rows)


LABELLED = ("review.approve", "review.reject", "review.label")


def verify_labels(store: Store, problems: list[str]) -> int:
    """Check every reviewer's label against the digest its audit event keeps, and back; returns how many."""
    vouched: dict[str, tuple[str, Any]] = {}
    for action in LABELLED:
        for event in store.audit.events_with_action(action):
            for label_id, hashed in (_detail(event).get("labels") or {}).items():
                vouched[str(label_id)] = (str(hashed), event)
    rows = store.reviews.label_rows()
    for row in rows:
        found = vouched.pop(row.id, None)
        where = f"label {row.id} ({row.label} by {row.by}, item {row.item_id}, app {row.app})"
        if found is None:
            problems.append(
                f"{where} matches no audit event: it was written outside Steward (rule: labels are given with "
                "`steward review approve|reject`)"
            )
        elif found[0] != label_digest(row):
            problems.append(
                f"{where} differs from its audit event #{found[1].seq} ({found[1].actor}): it was edited outside "
                "Steward (rule: every governance change is recorded)"
            )
    gone = {label_id: event for label_id, (_, event) in vouched.items()}
    if gone:
        items = store.reviews.item_ids({str(event.subject).removeprefix("review:") for event in gone.values()})
        for label_id, event in gone.items():  # erasure deletes a label only with its item
            item_id = str(event.subject).removeprefix("review:")
            if item_id in items:
                problems.append(
                    f"label {label_id} of review item {item_id} (audit event #{event.seq}) is gone while its item "
                    "is still there: it was deleted outside Steward (rule: every governance change is recorded)"
                )
    return len(rows)


CORRECTED = "review_correction.add"
SILENCED, UNSILENCED = "monitor.silence", "monitor.unsilence"


def verify_silences(store: Store, problems: list[str]) -> int:
    """Check every alert silence against the audit events that set it and lifted it; returns how many.

    `steward alerts silence` records the row it writes (after-hash) and its `until`; `steward alerts unsilence`
    records the rows it ends (after-hash of the list, each with its new `until`). A silence written, lengthened,
    shortened or deleted in the database, outside those commands, matches no event: quiet alerts nobody decided.
    """
    rows = {row.id: row for row in store.monitoring.every_silence()}
    lifts = list(store.audit.events_with_action(UNSILENCED))
    lifted = {sid for event in lifts for sid in _detail(event).get("silences", [])}
    for event in store.audit.events_with_action(SILENCED):
        sid, until = str(_detail(event).get("silence")), _detail(event).get("until")
        row = rows.pop(sid, None)
        if row is None:
            problems.append(
                f"silence {sid} (audit event #{event.seq}, {event.actor}) is gone: it was deleted outside Steward "
                "(rule: silences are lifted with `steward alerts unsilence`, and kept)"
            )
        elif digest({**row.__dict__, "until": until} if sid in lifted else row.__dict__) != event.after_hash:
            problems.append(
                f"silence {sid} ({row.rule} for {row.app}, by {row.by}) differs from its audit event "
                f"#{event.seq}: it was edited outside Steward (rule: every governance change is recorded)"
            )
    for sid, row in rows.items():
        problems.append(
            f"silence {sid} ({row.rule} for {row.app} until {row.until:.0f}, by {row.by}) matches no audit event: "
            "it was written outside Steward (rule: silences are set with `steward alerts silence`)"
        )
    current = {row.id: row for row in store.monitoring.every_silence()}
    for event in lifts:
        ids = _detail(event).get("silences", [])
        ended = [current[sid].__dict__ for sid in ids if sid in current]
        if len(ended) == len(ids) and digest(ended) != event.after_hash:
            problems.append(
                f"the silences {', '.join(ids)} lifted by audit event #{event.seq} ({event.actor}) no longer end "
                "when it ended them: they were edited outside Steward (rule: every governance change is recorded)"
            )
    return len(current)


def _detail(event: Any) -> dict[str, Any]:
    detail = event.detail
    if isinstance(detail, str):
        detail = json.loads(detail or "{}")
    return dict(detail or {})


def _record_exists(store: Store, record_id: str) -> bool:
    try:
        store.get_record(record_id)
    except NotFound:
        return False
    return True


def _legacy_decisions(store: Store, unlogged: int) -> int:
    """How many decisions may lack an event: those made before decisions were audited, as the first decision
    event counted them; every unlogged one while no decision was audited yet (nothing tells them apart)."""
    first = store.audit.first_event("review.")
    if first is None:
        return unlogged
    detail = json.loads(first.detail) if isinstance(first.detail, str) else dict(first.detail or {})
    count = detail.get("legacy_decided", 0)
    return count if isinstance(count, int) else 0


def _sealed(event: Any) -> bool:
    """Events written since keys are digested (older ones hashed a different form: only their action counts)."""
    detail = event.detail
    if isinstance(detail, str):
        detail = json.loads(detail or "{}")
    return bool(detail.get("sealed"))


def verify_records(store: Store, problems: list[str]) -> tuple[int, str]:
    """Walk the chain of records from #1 to its head; returns (records checked, where the key came from)."""
    sealer = store.chain.sealer
    upto = store.chain.head_of()
    if upto is None:
        problems.append("the records chain's head row is missing: it was deleted outside Steward")
        return 0, sealer.source
    tombs = store.chain.tombstones(upto)
    expected, last, checked = 1, "the start", 0
    for row in store.chain.iter_chain(upto):
        seq = int(row.chain_seq)
        while expected < seq and len(problems) < MAX_PROBLEMS:
            last = _gap(sealer, tombs.get(expected), expected, last, row.id, problems)
            expected += 1
        if row.link != sealer.link(seq, row.id):
            problems.append(
                f"record {row.id} (app {row.app}, chain #{seq}) does not belong at #{seq} of the chain of "
                "records: it was inserted or renumbered outside Steward"
            )
        elif row.seal != sealer.seal(row):
            problems.append(
                f"record {row.id} (app {row.app}, status {row.status}, chain #{seq}) was edited outside Steward: "
                "its content no longer matches its seal (rule: records are immutable)"
            )
        expected, last, checked = seq + 1, f"record {row.id}", checked + 1
        if len(problems) >= MAX_PROBLEMS:
            return checked, sealer.source
    while expected <= upto and len(problems) < MAX_PROBLEMS:
        last = _gap(sealer, tombs.get(expected), expected, last, None, problems)
        expected += 1
    _check_anchors(store, upto, problems)
    _check_unsealed(store, problems)
    return checked, sealer.source


def _gap(sealer: Sealer, tomb: Any, seq: int, last: str, following: str | None, problems: list[str]) -> str:
    """Chain position `seq` has no record: a valid tombstone, or a record deleted outside Steward."""
    before = f"before record {following}" if following else "at the end of the chain"
    if tomb is None:
        problems.append(
            f"record #{seq} of the chain of records is missing (after {last}, {before}): it was deleted outside "
            "Steward (rule: records are removed only by retention or erasure, which leave a tombstone)"
        )
        return f"missing record #{seq}"
    valid_mac = tomb.mac == sealer.tombstone(seq, tomb.record_id, tomb.link, float(tomb.at), tomb.reason)
    if not valid_mac or tomb.link != sealer.link(seq, tomb.record_id):
        problems.append(
            f"the tombstone of record {tomb.record_id} (chain #{seq}) was forged or edited: a record was deleted "
            "outside Steward"
        )
    return f"record {tomb.record_id} ({tomb.reason})"


def _check_anchors(store: Store, upto: int, problems: list[str]) -> None:
    """Heads copied into audit events must not lie beyond today's head (else the newest records were cut off)."""
    for event in store.audit.iter_events():
        detail = json.loads(event.detail) if isinstance(event.detail, str) else dict(event.detail or {})
        anchored = detail.get("records_head")
        if isinstance(anchored, int) and anchored > upto:
            problems.append(
                f"audit event #{event.seq} ({event.action}) saw the chain of records at #{anchored}, but it now "
                f"ends at #{upto}: records were removed and the head rewound outside Steward"
            )
            return


def _check_unsealed(store: Store, problems: list[str]) -> None:
    count, ids = store.chain.unsealed()
    tolerated = store.chain.head_of(RECORDS_LEGACY) or 0
    if count > tolerated:
        problems.append(
            f"{count - tolerated} record(s) carry no seal although written after sealing began (e.g. "
            f"{', '.join(ids)}): they were inserted outside Steward"
        )
