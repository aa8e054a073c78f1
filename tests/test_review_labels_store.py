"""The SQL of review labels on SQLite and PostgreSQL: a blind reviewer's listing, the label filters, the pairs κ
is computed from, and two reviewers racing for one second label."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from steward.errors import InvalidRequest
from steward.guardrails.agreement import agreement
from steward.guardrails.review import ReviewQueue
from steward.store import Store
from steward.store.guardrails import review_labels
from steward.types import Decision, Principal, Record

pytest_plugins = ["tests.store_fixtures"]

ADMIN = Principal(key_id="key_admin", role="admin", team="travel", name="alice")
ANA = Principal(key_id="key_ana", role="developer", team="travel", name="ana")
BEN = Principal(key_id="key_ben", role="developer", team="travel", name="ben")
AUDITOR = Principal(key_id="key_aud", role="auditor", team="travel")
STRANGER = Principal(key_id="key_other", role="admin", team="ops")


class TwoPerson(ReviewQueue):
    """The queue under a policy asking for two reviewers, without a project file."""

    def required(self, item: object) -> int:
        return 2


def _held(store: Store, queue: ReviewQueue) -> str:
    record = Record.start("booking")
    record.team, record.status, record.output = "travel", "escalated", "held answer"
    decision = Decision(stage="output", action="escalate", reasons=["compliance:guarantee"], policy="p")
    record.decisions.append(decision)
    store.write_sync(record)
    return queue.hold(record, decision, "held answer").id


def _ids(queue: ReviewQueue, who: Principal, status: str) -> set[str]:
    return {item.id for item in queue.list(who, status=status, limit=500)}


def test_blind_listings_label_filters_and_pairs(store: Store) -> None:
    queue = TwoPerson(store)
    refused = _held(store, queue)
    queue.reject(ANA, refused, "no")
    approved_once = _held(store, queue)
    queue.approve(ANA, approved_once, "ok")
    for who, rejected in ((BEN, set()), (ANA, {refused}), (ADMIN, {refused}), (AUDITOR, {refused})):
        assert _ids(queue, who, "rejected") == rejected, who
        assert (refused in _ids(queue, who, "pending")) is (not rejected), who
    assert _ids(queue, BEN, "needs_second_label") == {refused, approved_once}
    assert queue.get(BEN, refused).status == "pending" and queue.get(BEN, refused).note == ""
    assert queue.get(BEN, approved_once).first_approval_by is None
    assert store.reviews.hidden_from([refused, approved_once], "key:key_ben") == {refused, approved_once}
    assert store.reviews.hidden_from([refused, approved_once], "key:key_ana") == set()

    assert queue.approve(BEN, refused, "fine").status == "rejected"  # a label only
    assert queue.reject(BEN, approved_once, "no").status == "rejected"
    assert _ids(queue, BEN, "disagreements") == {refused, approved_once}
    assert _ids(queue, BEN, "needs_second_label") == set()
    pairs = store.reviews.label_pairs("travel", None, None, None)
    assert [(a.label, b.label) for a, b in pairs] == [("reject", "approve"), ("approve", "reject")]
    assert store.reviews.label_pairs("ops", None, None, None) == []
    assert agreement(store, STRANGER)["overall"]["items"] == 0
    got = agreement(store, AUDITOR)
    assert got["overall"]["items"] == 2 and "too few items" in got["overall"]["undefined"]
    assert got["disagreements"] == 2


def test_a_second_label_is_written_once(store: Store) -> None:
    queue = TwoPerson(store)
    item = _held(store, queue)
    queue.reject(ANA, item, "no")
    labels = store.reviews.labels([item])[item]
    racing = labels[0].__class__(**{**labels[0].as_dict(), "id": "lbl_racer", "seq": 1})
    with pytest.raises(InvalidRequest, match="label from another reviewer meanwhile"):
        store.reviews.add_label(racing)
    with store.engine.connect() as conn:  # the first label stays the one written
        rows = conn.execute(select(review_labels.c.id).where(review_labels.c.item_id == item)).all()
    assert [row.id for row in rows] == [labels[0].id]


def test_an_item_is_queued_once_and_the_second_offer_says_so(store: Store) -> None:
    """The review rule audits `review_queue.add` only when `add_item_once` says it added the item: PostgreSQL's
    rowcount must say 0 for a conflict as SQLite's does, or a rerun would audit every item twice."""
    queue = TwoPerson(store)
    item = store.reviews.get_item(_held(store, queue))
    assert store.reviews.add_item_once(item) is False
    record = Record.start("booking")
    record.team, record.status = "travel", "escalated"
    store.write_sync(record)
    fresh = item.__class__(**{**item.as_dict(), "id": "rvw_fresh", "record_id": record.id})
    assert store.reviews.add_item_once(fresh) is True
    assert store.reviews.add_item_once(fresh) is False
