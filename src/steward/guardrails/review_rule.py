"""The review rule (`monitor.review` in steward.yaml): low feedback and escalations fill the review queue.

Run by the monitor (`steward serve`'s monitoring process, each pass, after the rollups and the alerts; or
`steward review fill`), never on the request path. It reads what is new since its cursors — feedback rows by id,
records by the writer's chain sequence — and queues each matching record of a covered app's traffic once: the
queue holds at most one item per record (a unique key), so a restart, a second process or an escalation the
gateway already queued adds nothing. Each item added has its audit event (`review_queue.add` on
`record:<id>`, by `system:review-rule`, with the reason), and the cursor moves in the same transaction as the
items and events of its batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from steward.config.monitor import ReviewRule
from steward.governance import audit
from steward.governance.identity import Actor
from steward.guardrails.review import ReviewItem
from steward.store import Store
from steward.types import new_id

FEEDBACK = "review.feedback"
ESCALATED = "review.escalated"
BATCH = 500
LOST = -1  # another process took the batch first: read again from where its cursor is now
ACTOR = Actor.system("review-rule")


class ReviewFiller:
    def __init__(self, store: Store, rule: ReviewRule, batch: int = BATCH) -> None:
        self.store = store
        self.rule = rule
        self.batch = batch

    def run(self) -> int:
        """Queue every matching record that is new since the last run; the number of items added."""
        added = 0
        if self.rule.feedback_below is not None:
            added += self._drain(self._feedback_batch)
        if self.rule.escalated:
            added += self._drain(self._escalated_batch)
        return added

    def _drain(self, batch: Callable[[], tuple[int, int]]) -> int:
        added = 0
        while True:
            read, queued = batch()
            if read == LOST:
                continue
            added += queued
            if read < self.batch:
                return added

    def _feedback_batch(self) -> tuple[int, int]:
        """(feedback rows read or LOST, items added) for one batch of feedback."""
        monitoring, threshold = self.store.monitoring, self.rule.feedback_below
        assert threshold is not None
        after = monitoring.cursor(FEEDBACK)
        found = monitoring.feedback_after(after, self.batch)
        if not found:
            return 0, 0
        low = {record_id: score for _, record_id, score in found if score < threshold}  # the last score counts
        offers = [(body, f"feedback {low[body['id']]:g} below {threshold:g}") for body in self._bodies(list(low))]
        return self._offer(FEEDBACK, (after, found[-1][0]), len(found), offers, "feedback")

    def _escalated_batch(self) -> tuple[int, int]:
        """(records read or LOST, items added) for one batch of records."""
        monitoring = self.store.monitoring
        after = monitoring.cursor(ESCALATED)
        found = monitoring.bodies_after(after, self.batch)
        if not found:
            return 0, 0
        offers = [
            (body, "escalated")
            for _, body in found
            if body.get("status") == "escalated"
            and str(body.get("origin") or "traffic") == "traffic"
            and self.rule.covers(str(body.get("app")))
        ]
        return self._offer(ESCALATED, (after, found[-1][0]), len(found), offers, None)

    def _bodies(self, record_ids: list[str]) -> list[dict[str, Any]]:
        """The stored bodies of these records that are traffic of a covered app (a record erased since is gone)."""
        bodies = self.store.monitoring.bodies(record_ids)
        return [
            body
            for record_id in record_ids
            if (body := bodies.get(record_id)) is not None
            and str(body.get("origin") or "traffic") == "traffic"
            and self.rule.covers(str(body.get("app")))
        ]

    def _offer(
        self,
        cursor: str,
        moves: tuple[int, int],
        read: int,
        offers: list[tuple[dict[str, Any], str]],
        stage: str | None,
    ) -> tuple[int, int]:
        """Queue the offered records not queued yet, with an audit event each, and move the cursor: one
        transaction. (read or LOST, items added)."""
        added = 0
        with audit.changing(self.store) as tx:
            if not tx.monitoring.move_cursor(cursor, moves):
                return LOST, 0
            for body, reason in offers:
                item = _item(body, reason, stage)
                if not tx.reviews.add_item_once(item):
                    continue  # queued already: by the gateway, an earlier run or another process
                added += 1
                audit.append(
                    tx,
                    ACTOR,
                    "review_queue.add",
                    f"record:{item.record_id}",
                    None,
                    {"item": item.id, "record_id": item.record_id, "reasons": item.reasons},
                    team=item.team,
                    detail={"item": item.id, "record_id": item.record_id, "app": item.app, "why": reason},
                )
        return read, added


def _item(body: dict[str, Any], reason: str, stage: str | None) -> ReviewItem:
    """A review item of a stored record: for low feedback, the answer given; for an escalation, what was held
    (the answer, or the input turn screening stopped at), as the record keeps it."""
    decision: dict[str, Any] = next(
        (d for d in reversed(body.get("decisions") or ()) if d.get("action") == "escalate"), {}
    )
    held: str | None = body.get("output")
    if stage is None and decision.get("stage") == "input":
        turns = body.get("input") or []
        turn = decision.get("turn")
        held = turns[turn].get("content") if isinstance(turn, int) and 0 <= turn < len(turns) else None
    return ReviewItem(
        id=new_id("rev"),
        record_id=str(body["id"]),
        app=str(body["app"]),
        team=str(body.get("team") or "default"),
        stage=stage or str(decision.get("stage") or "output"),
        reasons=[reason] if stage else [*(decision.get("reasons") or ()), f"queued by monitor.review ({reason})"],
        policy=decision.get("policy") if stage is None else None,
        policy_version=decision.get("policy_version") if stage is None else None,
        held_text=held if isinstance(held, str) else None,
        status="pending",
        created_at=time.time(),
        decided_at=None,
        decided_by=None,
        note="",
    )
