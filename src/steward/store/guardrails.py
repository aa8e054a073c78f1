"""SQL of the guardrails capability: the review queue of escalated requests.

A request whose decision is `escalate` is recorded (status "escalated") and a review item is added here,
pointing at the record. The item keeps what a reviewer needs — the stage, the public reasons, the policy
version and the held text (the answer that was withheld, or the input that was held before the model) — and,
once decided, who decided, when, and the note; once released, what the client was given. A decision is one
conditional UPDATE (`WHERE status = 'pending'`), so two reviewers racing cannot both decide; it runs in the
caller's governance transaction, beside its audit event (`steward.guardrails.review`). A refused item's
held text is erased: nothing that was refused is kept longer than needed.

`review_labels` keeps each reviewer's label (approve or reject) of an item under the two-person rule, first and
second (at most one of each: `(item_id, seq)` is unique, so two reviewers racing for the second label cannot both
write it), with who, when, why, and the app and policy it counts under: what inter-rater agreement (Cohen's κ) is
computed from (`steward.guardrails.agreement`). Each label commits beside the audit event that vouches for it.

`review_corrections` keeps reviewers' corrected answers of records (any record, held or served), each with who,
when and why, written beside its audit event; the newest one of a record is the one datasets prefer. An item is
added at most once per record (`record_id` is unique), so the review rule (`monitor.review`) may offer the same
record twice, from two processes, and it is queued once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)

from steward.errors import InvalidRequest, NotFound
from steward.store.governance import digest
from steward.store.schema import ID, NAME, in_batches, metadata
from steward.store.unit import Repository

review_items = Table(
    "review_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("policy", NAME),
    Column("policy_version", NAME),
    Column("held_text", Text),
    Column("status", String(16), nullable=False),  # pending | approved | rejected
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float),
    Column("decided_by", NAME),
    Column("note", Text, nullable=False, default=""),
    Column("released_text", Text),  # what an approved item gave the client (migration 0007)
    Column("released_record_id", ID),  # the record of the answer to an approved question
    Column("released_at", Float),
    # migration 0015: who works the item until when (a claim expires), and the first of two approvals when the
    # policy asks for two reviewers (`reviewers: 2`)
    Column("claimed_by", NAME),
    Column("claimed_until", Float),
    Column("first_approval_by", NAME),
    Column("first_approval_at", Float),
    Column("first_approval_note", Text),
)
Index("ix_review_items_status_created_at", review_items.c.status, review_items.c.created_at)

# migration 0017: the labels of items under the two-person rule, first and second (blind)
review_labels = Table(
    "review_labels",
    metadata,
    Column("id", ID, primary_key=True),
    Column("item_id", ID, ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1: the first label, 2: the second, blind one
    Column("label", String(16), nullable=False),  # approve | reject
    Column("by", NAME, nullable=False),  # as shown: `key:<id> (name)`, `user:<login>`
    Column("by_id", NAME, nullable=False),  # the identity alone (`key:<id>`): blindness and pairs compare it
    Column("at", Float, nullable=False),
    Column("note", Text, nullable=False),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("policy", NAME),  # the policy that asked for two reviewers (the item's, else its app's)
    UniqueConstraint("item_id", "seq"),
)
Index("ix_review_labels_team_at", review_labels.c.team, review_labels.c.at)

review_corrections = Table(
    "review_corrections",
    metadata,
    Column("id", ID, primary_key=True),
    Column("record_id", ID, ForeignKey("records.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("app", NAME, nullable=False),
    Column("team", NAME, nullable=False),
    Column("answer", Text),  # None once the record was anonymised (an erasure request)
    Column("why", Text, nullable=False),
    Column("by", NAME, nullable=False),
    Column("at", Float, nullable=False),
)

STATUSES = ("pending", "approved", "rejected")
# What a decision is: the columns its audit event vouches for (`decision_digest`).
DECISION_COLUMNS = ("id", "record_id", "app", "team", "status", "decided_at", "decided_by", "note")
# The first of two approvals (the two-person rule): vouched for by its event, and by the decision's once decided.
FIRST_APPROVAL_COLUMNS = ("first_approval_by", "first_approval_at", "first_approval_note")


@dataclass(frozen=True)
class ReviewItem:
    """One held request and, once decided, its outcome."""

    id: str
    record_id: str
    app: str
    team: str
    stage: str
    reasons: list[str]
    policy: str | None
    policy_version: str | None
    held_text: str | None
    status: str
    created_at: float
    decided_at: float | None
    decided_by: str | None
    note: str
    released_text: str | None = None
    released_record_id: str | None = None
    released_at: float | None = None
    claimed_by: str | None = None
    claimed_until: float | None = None
    first_approval_by: str | None = None
    first_approval_at: float | None = None
    first_approval_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def claimant(self, now: float) -> str | None:
        """Who holds the item's claim at `now` (None once it expired or was never made)."""
        return self.claimed_by if self.claimed_until is not None and self.claimed_until > now else None


LABELS = ("approve", "reject")


@dataclass(frozen=True)
class Label:
    """One reviewer's label of an item under the two-person rule: the first or the second (blind) one."""

    id: str
    item_id: str
    seq: int
    label: str
    by: str
    by_id: str
    at: float
    note: str
    app: str
    team: str
    policy: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def label_digest(label: Label | Any) -> str:
    """The digest of a label that the audit event adding it records in its detail (`labels`)."""
    m = label.as_dict() if isinstance(label, Label) else dict(label._mapping)
    return digest({name: m[name] for name in (c.name for c in review_labels.columns)})


@dataclass(frozen=True)
class Correction:
    """A reviewer's corrected answer of a record, with who, when and why."""

    id: str
    record_id: str
    app: str
    team: str
    answer: str | None
    why: str
    by: str
    at: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _iso(at: float | None) -> str:
    from datetime import UTC, datetime

    return (
        "-" if at is None else datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def _item(row: Any) -> ReviewItem:
    return ReviewItem(**{c.name: getattr(row, c.name) for c in review_items.columns})


def missing(id_or_record: str) -> NotFound:
    """The one answer for an item that does not exist and for one the caller may not see (no probing)."""
    return NotFound(f"no review item {id_or_record!r}; `steward review list` shows the pending ones.")


def correction_digest(correction: Correction | Any) -> str:
    """The digest of a correction that its audit event records as after-hash: its columns, the answer by its own
    digest (the audit log keeps no answer text). An erased correction (answer None) has no digest to match."""
    m = correction.as_dict() if isinstance(correction, Correction) else dict(correction._mapping)
    columns = {name: value for name, value in m.items() if name != "answer"}
    return digest({**columns, "answer": digest(m["answer"])})


def decision_digest(item: ReviewItem | Any) -> str:
    """The digest of an item's decision (who, what, when, why) that its audit event records as after-hash.

    Only the decision's columns: the held and released texts change legitimately later (release, erasure). The
    first of two approvals counts where there was one (an item decided by one reviewer digests as before 0015).
    """
    m = item.as_dict() if isinstance(item, ReviewItem) else item._mapping
    first = {name: m[name] for name in FIRST_APPROVAL_COLUMNS} if m.get("first_approval_by") is not None else {}
    return digest({**{name: m[name] for name in DECISION_COLUMNS}, **first})


def pending_digest(item: ReviewItem | Any) -> str:
    """The digest of a pending item's state that its claim and first-approval events record as after-hash: the
    first approval (or none); a claim, which expires, is not vouched for."""
    m = item.as_dict() if isinstance(item, ReviewItem) else item._mapping
    return digest({"id": m["id"], "status": m["status"], **{name: m[name] for name in FIRST_APPROVAL_COLUMNS}})


def _label_exists(item_id: Any, *where: Any) -> Any:
    labels = review_labels.c
    return select(labels.id).where(labels.item_id == item_id, *where).exists()


def _awaiting(item_id: Any) -> Any:
    """SQL: the item has its first label and not its second."""
    seq = review_labels.c.seq
    return _label_exists(item_id, seq == 1) & ~_label_exists(item_id, seq == 2)


def _labelled_by(item_id: Any, who: str) -> Any:
    return _label_exists(item_id, review_labels.c.by_id == who)


def _disagreeing(item_id: Any) -> Any:
    """SQL: the item's two labels differ."""
    first, second = review_labels.alias("l1"), review_labels.alias("l2")
    pair = (
        select(first.c.id)
        .join(second, (second.c.item_id == first.c.item_id) & (second.c.seq == 2))
        .where(first.c.item_id == item_id, first.c.seq == 1, first.c.label != second.c.label)
    )
    return pair.exists()


class Reviews(Repository):
    """The review queue's items and the reviewers' corrections (`store.reviews`; `tx.reviews` inside the governance
    transaction, so that a decision, a queued item or a correction commits with its audit event)."""

    missing = staticmethod(missing)

    def add_item(self, item: ReviewItem) -> None:
        with self._writing() as conn:
            conn.execute(insert(review_items).values(**item.as_dict()))

    def add_item_once(self, item: ReviewItem) -> bool:
        """Queue `item` unless its record already has an item (in the queue or decided): True when this call
        added it (so the caller writes its audit event)."""
        from sqlalchemy.dialects import postgresql, sqlite

        with self._writing() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            insert = dialect.insert(review_items).values(**item.as_dict()).on_conflict_do_nothing()
            # RETURNING, not rowcount: psycopg reports -1 for a conflicting insert, which reads as "added"
            added = conn.execute(insert.returning(review_items.c.id)).first()
        return added is not None

    def get_item(self, id_or_record: str) -> ReviewItem:
        """The item of this id, or of this record (NotFound when there is none)."""
        c = review_items.c
        with self._reading() as conn:
            row = conn.execute(select(review_items).where((c.id == id_or_record) | (c.record_id == id_or_record)))
            found = row.first()
        if found is None:
            raise missing(id_or_record)
        return _item(found)

    def list_items(
        self, status: str | None = "pending", app: str | None = None, team: str | None = None, limit: int = 50
    ) -> list[ReviewItem]:
        """Oldest first, of one status (every status with None), app and team."""
        if status is not None and status not in STATUSES:
            raise InvalidRequest(f"unknown review status {status!r}; use one of {', '.join(STATUSES)}.")
        query = select(review_items).order_by(review_items.c.created_at).limit(limit)
        if status is not None:
            query = query.where(review_items.c.status == status)
        if app is not None:
            query = query.where(review_items.c.app == app)
        if team is not None:
            query = query.where(review_items.c.team == team)
        with self._reading() as conn:
            return [_item(row) for row in conn.execute(query)]

    def page_items(
        self,
        *,
        statuses: tuple[str, ...] | None,
        team: str | None,
        apps: tuple[str, ...] | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 50,
        labels: str | None = None,
        blind_to: str | None = None,
    ) -> list[ReviewItem]:
        """A page of the queue, oldest first by keyset on `(created_at, id)` after `after` (never OFFSET): items of
        these statuses (every one with None), of one team (every team with None) and of these apps.

        `labels` narrows it to the items with one label of two (`needs_second_label`) or whose two labels differ
        (`disagreements`). For a `blind_to` identity an item whose one label of two is another's counts as pending
        whatever it was decided (its status would tell the first label)."""
        c = review_items.c
        query = select(review_items).order_by(c.created_at, c.id).limit(limit)
        if statuses is not None:
            # a refused item open for its second label (one first approved is pending anyway), status tested first
            hidden = (
                (c.status == "rejected") & _awaiting(c.id) & ~_labelled_by(c.id, blind_to)
                if blind_to is not None
                else None
            )
            chosen = c.status.in_(statuses)
            if hidden is None:
                query = query.where(chosen)
            elif "pending" in statuses:
                query = query.where(chosen | hidden)
            else:
                query = query.where(chosen & ~hidden)
        if labels == "needs_second_label":
            query = query.where(_awaiting(c.id))
        elif labels == "disagreements":
            query = query.where(_disagreeing(c.id))
        elif labels is not None:
            raise InvalidRequest(f"unknown label filter {labels!r}; use needs_second_label or disagreements.")
        if team is not None:
            query = query.where(c.team == team)
        if apps is not None:
            query = query.where(c.app.in_(apps))
        if after is not None:
            query = query.where((c.created_at > after[0]) | ((c.created_at == after[0]) & (c.id > after[1])))
        with self._reading() as conn:
            return [_item(row) for row in conn.execute(query)]

    def hidden_from(self, item_ids: list[str], viewer: str) -> set[str]:
        """Which of these items have one label of two, not `viewer`'s (whose first label they may not see)."""
        c = review_items.c
        found: set[str] = set()
        with self._reading() as conn:
            for batch in in_batches(item_ids):
                query = select(c.id).where(c.id.in_(batch), _awaiting(c.id), ~_labelled_by(c.id, viewer))
                found.update(row.id for row in conn.execute(query))
        return found

    def release(self, item_id: str, text: str, record_id: str | None) -> ReviewItem:
        """Keep what an approved item released; the first release wins (a racing second one reads it back)."""
        values = {"released_text": text, "released_record_id": record_id, "released_at": time.time()}
        c = review_items.c
        with self._writing() as conn:
            unreleased = (c.id == item_id) & (c.status == "approved") & c.released_at.is_(None)
            conn.execute(update(review_items).where(unreleased).values(**values))
        return self.get_item(item_id)

    def decide(self, item_id: str, status: str, by: str, note: str, *, erase: bool = True) -> ReviewItem:
        """Approve or reject a pending item (as `tx.reviews`, beside its audit event); raises InvalidRequest if it
        was already decided. A rejection erases the held text unless `erase` is False (a first label of two: the
        second reviewer reads it; `close_labels` erases it then)."""
        values: dict[str, Any] = {
            "status": status,
            "decided_at": float(f"{time.time():.6f}"),  # as stored, so the digest reads back the same
            "decided_by": by,
            "note": note,
        }
        if status == "rejected" and erase:
            values["held_text"] = None
        values.update(claimed_by=None, claimed_until=None)
        pending = (review_items.c.id == item_id) & (review_items.c.status == "pending")
        with self._writing() as conn:
            changed = conn.execute(update(review_items).where(pending).values(**values)).rowcount
            row = conn.execute(select(review_items).where(review_items.c.id == item_id)).first()
        if row is None:
            raise missing(item_id)
        item = _item(row)
        if changed == 0:
            raise InvalidRequest(
                f"review item {item_id} was already {item.status} by {item.decided_by}; a decision is final."
            )
        return item

    def claim(self, item_id: str, by: str, until: float, now: float) -> ReviewItem:
        """Claim a pending item (or one open for its second label) for `by` until `until`, unless someone else
        holds an unexpired claim (as `tx.reviews`, beside its audit event): one conditional UPDATE, so two
        reviewers racing cannot both hold it. Raises InvalidRequest naming the holder, or saying the item was
        decided."""
        c = review_items.c
        free = (c.claimed_until.is_(None)) | (c.claimed_until <= now) | (c.claimed_by == by)
        with self._writing() as conn:
            changed = conn.execute(
                update(review_items)
                .where((c.id == item_id) & ((c.status == "pending") | _awaiting(c.id)) & free)
                .values(claimed_by=by, claimed_until=until)
            ).rowcount
            row = conn.execute(select(review_items).where(c.id == item_id)).first()
        if row is None:
            raise missing(item_id)
        item = _item(row)
        if changed == 0:
            if item.status != "pending" and item.claimant(now) is None:  # an open item's holder is named
                raise InvalidRequest(
                    f"review item {item_id} was already {item.status} by {item.decided_by}; only pending items "
                    "are claimed."
                )
            raise InvalidRequest(
                f"review item {item_id} is claimed by {item.claimed_by} until {_iso(item.claimed_until)}; pick "
                "another item, or wait for the claim to expire."
            )
        return item

    def unclaim(self, item_id: str, by: str, now: float) -> ReviewItem:
        """Let go of `by`'s claim on an item (as `tx.reviews`); raises InvalidRequest when `by` holds none."""
        c = review_items.c
        open_ = (c.status == "pending") | _awaiting(c.id)
        held = (c.id == item_id) & (c.claimed_by == by) & (c.claimed_until > now) & open_
        with self._writing() as conn:
            changed = conn.execute(update(review_items).where(held).values(claimed_by=None, claimed_until=None))
            row = conn.execute(select(review_items).where(c.id == item_id)).first()
        if row is None:
            raise missing(item_id)
        if changed.rowcount == 0:
            raise InvalidRequest(f"you hold no claim on review item {item_id}; nothing to let go of.")
        return _item(row)

    def approve_first(self, item_id: str, by: str, note: str) -> ReviewItem:
        """Keep the first of two approvals of a pending item that has none yet (as `tx.reviews`); the claim is let
        go so that the second reviewer may take it. Raises InvalidRequest if it was decided or approved once."""
        c = review_items.c
        values = {
            "first_approval_by": by,
            "first_approval_at": float(f"{time.time():.6f}"),
            "first_approval_note": note,
            "claimed_by": None,
            "claimed_until": None,
        }
        waiting = (c.id == item_id) & (c.status == "pending") & c.first_approval_by.is_(None)
        with self._writing() as conn:
            changed = conn.execute(update(review_items).where(waiting).values(**values)).rowcount
            row = conn.execute(select(review_items).where(c.id == item_id)).first()
        if row is None:
            raise missing(item_id)
        item = _item(row)
        if changed == 0:
            raise InvalidRequest(
                f"review item {item_id} changed meanwhile (now {item.status}, first approval by "
                f"{item.first_approval_by}); read it again and decide on what it is now."
            )
        return item

    def add_label(self, label: Label) -> None:
        """Keep a label (as `tx.reviews`, beside its audit event); raises InvalidRequest when the item has that
        label already (another reviewer's came first)."""
        from sqlalchemy.dialects import postgresql, sqlite

        with self._writing() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            insert_once = dialect.insert(review_labels).values(**label.as_dict()).on_conflict_do_nothing()
            # RETURNING, not rowcount: psycopg answers -1 for a rowcount here
            added = conn.execute(insert_once.returning(review_labels.c.id)).first()
        if added is None:
            raise InvalidRequest(
                f"review item {label.item_id} got its {'first' if label.seq == 1 else 'second'} label from "
                "another reviewer meanwhile; read it again."
            )

    def labels(self, item_ids: list[str]) -> dict[str, list[Label]]:
        """The labels of these items, first then second, by item id (items without labels are left out)."""
        found: dict[str, list[Label]] = {}
        c = review_labels.c
        with self._reading() as conn:
            for batch in in_batches(item_ids):
                query = select(review_labels).where(c.item_id.in_(batch)).order_by(c.item_id, c.seq)
                for row in conn.execute(query):
                    found.setdefault(row.item_id, []).append(Label(**row._mapping))
        return found

    def close_labels(self, item_id: str) -> ReviewItem:
        """Once a refused item's second label is in (as `tx.reviews`): erase its held text, let go of its claim."""
        c = review_items.c
        with self._writing() as conn:
            conn.execute(
                update(review_items)
                .where((c.id == item_id) & (c.status == "rejected"))
                .values(held_text=None, claimed_by=None, claimed_until=None)
            )
            row = conn.execute(select(review_items).where(c.id == item_id)).first()
        if row is None:
            raise missing(item_id)
        return _item(row)

    def label_pairs(
        self, team: str | None, apps: tuple[str, ...] | None, since: float | None, until: float | None
    ) -> list[tuple[Label, Label]]:
        """The (first, second) labels of the items that have both, of one team (every team with None) and of these
        apps, whose second label was given in [since, until), oldest first."""
        first, second = review_labels.alias("first"), review_labels.alias("second")
        query = (
            select(first, second)
            .join(second, (second.c.item_id == first.c.item_id) & (second.c.seq == 2))
            .where(first.c.seq == 1)
            .order_by(second.c.at, second.c.id)
        )
        if team is not None:
            query = query.where(first.c.team == team)
        if apps is not None:
            query = query.where(first.c.app.in_(apps))
        if since is not None:
            query = query.where(second.c.at >= since)
        if until is not None:
            query = query.where(second.c.at < until)
        names = [c.name for c in review_labels.columns]
        pairs = []
        with self._reading() as conn:
            for row in conn.execute(query):
                values = tuple(row)
                pairs.append(
                    (
                        Label(**dict(zip(names, values[: len(names)], strict=True))),
                        Label(**dict(zip(names, values[len(names) :], strict=True))),
                    )
                )
        return pairs

    def item_ids(self, ids: set[str]) -> set[str]:
        """Which of these review item ids exist."""
        c = review_items.c
        found: set[str] = set()
        with self._reading() as conn:
            for batch in in_batches(sorted(ids)):
                found.update(row.id for row in conn.execute(select(c.id).where(c.id.in_(batch))))
        return found

    def label_rows(self) -> list[Any]:
        """Every label, for `steward audit verify`."""
        with self._reading() as conn:
            return list(conn.execute(select(review_labels).order_by(review_labels.c.at)))

    def count_decided(self) -> int:
        query = select(func.count()).select_from(review_items).where(review_items.c.status != "pending")
        with self._reading() as conn:
            return int(conn.execute(query).scalar() or 0)

    def decision_rows(self) -> list[Any]:
        """Every item's decision and first-approval columns, for `steward audit verify`."""
        names = DECISION_COLUMNS + FIRST_APPROVAL_COLUMNS
        query = select(*(review_items.c[name] for name in names)).order_by(review_items.c.created_at)
        with self._reading() as conn:
            return list(conn.execute(query))

    def correction_rows(self) -> list[Any]:
        """Every correction, for `steward audit verify`."""
        with self._reading() as conn:
            return list(conn.execute(select(review_corrections).order_by(review_corrections.c.at)))

    def clear_texts(self, record_ids: list[str]) -> int:
        """Erase what review items of these records held and released, and their corrected answers (anonymising
        erasure keeps the items)."""
        if not record_ids:
            return 0
        with self._writing() as conn:
            result = conn.execute(
                update(review_items)
                .where(review_items.c.record_id.in_(record_ids))
                .values(held_text=None, released_text=None)
            )
            conn.execute(
                update(review_corrections)
                .where(review_corrections.c.record_id.in_(record_ids))
                .values(answer=None)
            )
        return int(result.rowcount or 0)

    def add_correction(self, correction: Correction) -> None:
        """As `tx.reviews`, so that the correction commits with its audit event."""
        with self._writing() as conn:
            conn.execute(insert(review_corrections).values(**correction.as_dict()))

    def corrections(self, record_ids: list[str]) -> dict[str, Correction]:
        """The newest correction of each of these records that has one (and still has its answer)."""
        found: dict[str, Correction] = {}
        c = review_corrections.c
        with self._reading() as conn:
            for batch in in_batches(record_ids):
                query = (
                    select(review_corrections)
                    .where(c.record_id.in_(batch), c.answer.is_not(None))
                    .order_by(c.at, c.id)
                )
                for row in conn.execute(query):
                    found[row.record_id] = Correction(**row._mapping)  # the newest is read last
        return found
