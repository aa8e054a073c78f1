"""The store queries under the management API, on SQLite and PostgreSQL: keyset pages over records that share a
`created_at` (the id breaks the tie), filters read from bodies, encrypted bodies, and how a record was erased."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import delete, event, select
from tests.store_fixtures import full_record

from steward.config.settings import Secrets
from steward.errors import StoreError
from steward.governance.identity import Actor
from steward.governance.privacy import erase_subject
from steward.store import RecordFilter, Store
from steward.store.crypto import generate_key
from steward.store.schema import record_reasons
from steward.types import Decision

pytest_plugins = ["tests.store_fixtures"]
T0 = 1_765_000_000.0


def _pages(store: Store, where: RecordFilter, limit: int, scan: int = 5000) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = store.page_records(where, after, limit, scan)
        pages.append([r.id for r in page.records])
        after = page.next
        if after is None:
            return pages


def test_keyset_pages_visit_records_that_share_a_time_once_each(store: Store) -> None:
    written = [full_record("demo", team="ops", created_at=T0 + (i // 4)) for i in range(11)]  # four per second
    for record in written:
        store.write_sync(record)
    expected = [r.id for r in sorted(written, key=lambda r: (r.created_at, r.id), reverse=True)]
    pages = _pages(store, RecordFilter(team="ops"), limit=3)
    assert [i for page in pages for i in page] == expected
    assert [len(page) for page in pages] == [3, 3, 3, 2]  # no empty page at the end
    assert _pages(store, RecordFilter(team="nobody"), limit=3) == [[]]


def _plan(store: Store, statement: str, parameters: Any) -> str:
    """The plan of a captured statement, as text; PostgreSQL is told to prefer indexes (a test table is tiny)."""
    with store.engine.connect() as connection:
        if store.dialect == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")
        return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all())


def test_a_deep_page_starts_its_index_range_at_the_cursor(store: Store) -> None:
    """Page 200 must not read the 10,000 records above it: the cursor bounds the index range on `created_at`
    (PostgreSQL took no bound from the OR of the keyset alone)."""
    written = [full_record("demo", team="ops", created_at=T0 + i) for i in range(6)]
    for record in written:
        store.write_sync(record)
    sent: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        page = store.page_records(RecordFilter(team="ops"), (T0 + 3, written[3].id), 2, 5000)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert [r.id for r in page.records] == [written[2].id, written[1].id]
    statement, parameters = next((s, p) for s, p in sent if "ORDER BY" in s)
    plan = _plan(store, statement, parameters)
    if store.dialect == "sqlite":
        assert re.search(r"SEARCH records USING INDEX \w+ \(team=\? AND created_at<\?\)", plan), plan
    else:
        assert re.search(r"Index Cond: .*created_at <=", plan), plan


def test_body_filters_and_their_bounded_windows(store: Store) -> None:
    plain = full_record("demo", team="ops", created_at=T0)
    flagged = full_record("demo", team="ops", created_at=T0 + 1, output='He said "gate\\23" — ß')
    flagged.decisions = [Decision(stage="output", action="block", reasons=['odd "reason"'])]
    for record in (plain, flagged):
        store.write_sync(record)
    assert _pages(store, RecordFilter(reason='odd "reason"'), limit=5) == [[flagged.id]]
    assert _pages(store, RecordFilter(text='"GATE\\23"'), limit=5) == [[flagged.id]]  # escaped in the body's JSON
    assert _pages(store, RecordFilter(text="SS"), limit=5) == [[flagged.id]]  # ß casefolds to ss
    assert _pages(store, RecordFilter(text="gate for ba117"), limit=5, scan=1) == [[flagged.id], [plain.id]]
    with pytest.raises(ValueError, match="page_records"):
        store.list_records(text="x")
    assert [r.id for r in store.list_records(reason='odd "reason"')] == [flagged.id]  # SQL: `record_reasons`


def test_encrypted_bodies_are_searched_once_decrypted(migrated_database_url: str) -> None:
    with Store.open(migrated_database_url, secrets=Secrets(record_keys=generate_key())) as store:
        assert store.cipher is not None
        record = full_record("demo", team="ops", created_at=T0, output="Gate 23 by the lounge")
        store.write_sync(record)
        assert _pages(store, RecordFilter(text="LOUNGE"), limit=5) == [[record.id]]
        assert _pages(store, RecordFilter(text="nowhere"), limit=5) == [[]]
        flagged = full_record("demo", team="ops", created_at=T0 + 1)
        flagged.decisions = [Decision(stage="input", action="block", reasons=["pii.email", "injection"])]
        store.write_sync(flagged)  # its reason codes are kept in the clear beside the encrypted body
        assert _pages(store, RecordFilter(reason="injection"), limit=5) == [[flagged.id]]
        assert _pages(store, RecordFilter(reason="pii.email", text="nowhere"), limit=5) == [[]]
        with store.engine.begin() as conn:  # as migration 0016 leaves an encrypted body: not indexed
            conn.execute(delete(record_reasons))
        assert _pages(store, RecordFilter(reason="injection"), limit=5) == [[]]
        assert store.reindex_reasons(chunk=1) == 2
        assert _pages(store, RecordFilter(reason="injection"), limit=5) == [[flagged.id]]
    with Store.open(migrated_database_url) as keyless, pytest.raises(StoreError, match="STEWARD_RECORD_KEY"):
        keyless.reindex_reasons()


def test_how_a_record_was_erased(store: Store) -> None:
    deleted = full_record("demo", team="ops", subject="alice")
    anonymised = full_record("demo", team="ops", subject="bob")
    kept = full_record("demo", team="ops", subject="carol")
    for record in (deleted, anonymised, kept):
        record.decisions = [Decision(stage="input", action="flag", reasons=["pii.email"])]
        store.write_sync(record)
    erase_subject(store, "alice", Actor.user("dpo"))
    erase_subject(store, "bob", Actor.user("dpo"), mode="anonymise")
    # a deleted record's reason codes go with it; an anonymised record keeps its (codes are not content)
    assert sorted(_pages(store, RecordFilter(reason="pii.email"), limit=5)[0]) == sorted([anonymised.id, kept.id])
    with store.engine.connect() as conn:
        assert conn.execute(select(record_reasons.c.record_id)).scalars().all().count(deleted.id) == 0
    with store.reading() as tx:
        assert tx.privacy.erasure(deleted.id)[::2] == ("deleted", "erasure")  # type: ignore[index]
        assert tx.privacy.erasure(anonymised.id)[::2] == ("anonymised", "")  # type: ignore[index]
        assert tx.privacy.erasure(kept.id) is None
        assert tx.privacy.erasure("rec_never") is None


def _held(store: Store, team: str = "ops") -> tuple[str, str]:
    from steward.guardrails.review import ReviewQueue

    record = full_record("demo", team=team, created_at=T0)
    store.write_sync(record)
    decision = Decision(stage="output", action="escalate", reasons=["x"])
    return ReviewQueue(store).hold(record, decision, "held").id, record.id


def test_a_claim_holds_until_it_expires_and_one_first_approval_wins(store: Store) -> None:
    from steward.errors import InvalidRequest
    from steward.store import decision_digest

    item_id, _ = _held(store)
    claimed = store.reviews.claim(item_id, "key:a (ann)", until=T0 + 900, now=T0)
    assert (claimed.claimed_by, claimed.claimant(T0 + 1), claimed.claimant(T0 + 900)) == (
        "key:a (ann)",
        "key:a (ann)",
        None,
    )
    with pytest.raises(InvalidRequest, match=r"claimed by key:a \(ann\)"):
        store.reviews.claim(item_id, "key:b (bo)", until=T0 + 1000, now=T0 + 10)
    assert store.reviews.claim(item_id, "key:b (bo)", until=T0 + 2000, now=T0 + 901).claimed_by == "key:b (bo)"
    undecided = decision_digest(store.reviews.get_item(item_id))
    first = store.reviews.approve_first(item_id, "key:a (ann)", "fine")
    assert (first.first_approval_by, first.claimed_by, first.status) == ("key:a (ann)", None, "pending")
    with pytest.raises(InvalidRequest, match="changed meanwhile"):
        store.reviews.approve_first(item_id, "key:b (bo)", "me too")
    decided = store.reviews.decide(item_id, "approved", "key:b (bo)", "agreed")
    assert decided.first_approval_by == "key:a (ann)" and decision_digest(decided) != undecided
    with pytest.raises(InvalidRequest, match="already approved"):
        store.reviews.claim(item_id, "key:c (cy)", until=T0 + 5000, now=T0 + 3000)


def test_feedback_pages_newest_first_within_a_team(store: Store) -> None:
    from steward.types import Feedback

    ours = [full_record("demo", team="ops", created_at=T0 + i) for i in range(3)]
    theirs = full_record("other", team="sales", created_at=T0)
    for record in (*ours, theirs):
        store.write_sync(record)
    for i, record in enumerate((*ours, theirs)):
        store.add_feedback(record.id, Feedback(score=i - 1, comment=f"c{i}", by="u", at=T0 + i))
    page = store.page_feedback(team="ops", apps=None, limit=2)
    rest = store.page_feedback(team="ops", apps=None, before_id=page[-1]["id"], limit=2)
    assert [f["comment"] for f in page + rest] == ["c2", "c1", "c0"] and page[0]["app"] == "demo"
    assert [f["comment"] for f in store.page_feedback(team="ops", apps=None, below=0)] == ["c0"]
    assert [f["comment"] for f in store.page_feedback(team="ops", apps=None, since=T0 + 1, until=T0 + 2)] == ["c1"]
    assert store.page_feedback(team="ops", apps=["nope"]) == []
    assert [f["comment"] for f in store.page_feedback(team=None, apps=["other"])] == ["c3"]
