"""The human review queue for escalated requests, with its permission rule.

Who may do what is declared once, here: `admin` keys review every team's items, `developer` keys review
their own team's, `auditor` keys may read the queue but not decide, `app` keys may do neither (an app must
never approve its own escalations). Deciding is final and recorded with who and why. The SQL lives in
`steward.store.guardrails`; the gateway adds items with `hold()` after the escalated record is written.
"""

from __future__ import annotations

import time
from typing import Literal

from sqlalchemy import Engine

from steward.errors import PermissionDenied
from steward.store import guardrails as sql
from steward.store.guardrails import ReviewItem
from steward.types import Decision, Principal, Record, new_id

ReviewAction = Literal["read", "decide"]
MAY: dict[str, frozenset[ReviewAction]] = {
    "admin": frozenset({"read", "decide"}),
    "developer": frozenset({"read", "decide"}),
    "auditor": frozenset({"read"}),
    "app": frozenset(),
}


def check(principal: Principal, action: ReviewAction, team: str | None = None) -> None:
    """Raise PermissionDenied unless `principal` may `action` review items (of `team`)."""
    if action not in MAY.get(principal.role, frozenset()):
        verb = "decide on" if action == "decide" else "read"
        raise PermissionDenied(
            f"a {principal.role} key may not {verb} review items; use an admin key, or a "
            "developer key of the app's team."
        )
    if team is not None and principal.role != "admin" and principal.key_id is not None and principal.team != team:
        raise PermissionDenied(f"this key belongs to team {principal.team!r}; the item belongs to team {team!r}.")


def _who(principal: Principal) -> str:
    return principal.name or principal.key_id or "local operator"


class ReviewQueue:
    """Held requests awaiting a human decision."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hold(self, record: Record, decision: Decision, held_text: str | None) -> ReviewItem:
        """Queue an escalated request (its record must already be written)."""
        item = ReviewItem(
            id=new_id("rev"),
            record_id=record.id,
            app=record.app,
            team=record.team or "default",
            stage=decision.stage,
            reasons=list(decision.reasons),
            policy=decision.policy,
            policy_version=decision.policy_version,
            held_text=held_text,
            status="pending",
            created_at=time.time(),
            decided_at=None,
            decided_by=None,
            note="",
        )
        sql.add_item(self.engine, item)
        return item

    def list(
        self, principal: Principal, status: str | None = "pending", app: str | None = None, limit: int = 50
    ) -> list[ReviewItem]:
        check(principal, "read")
        team = None if principal.role == "admin" or principal.key_id is None else principal.team
        return sql.list_items(self.engine, status=status, app=app, team=team, limit=limit)

    def get(self, principal: Principal, item_id: str) -> ReviewItem:
        item = sql.get_item(self.engine, item_id)
        check(principal, "read", item.team)
        return item

    def outcome(self, principal: Principal, record_id: str) -> ReviewItem:
        """The item of a held request, for whoever may call its app (the client waiting for the answer) or
        read the queue."""
        item = sql.get_item(self.engine, record_id)
        if principal.role == "app":
            if not principal.may_use(item.app) or (principal.key_id is not None and principal.team != item.team):
                raise PermissionDenied(f"this key may not call app {item.app!r}, so it may not read its reviews.")
            return item
        check(principal, "read", item.team)
        return item

    def release(self, item: ReviewItem, text: str, record_id: str | None) -> ReviewItem:
        """Keep what an approved item gave the client (the first release wins)."""
        return sql.release(self.engine, item.id, text, record_id)

    def approve(self, principal: Principal, item_id: str, note: str = "") -> ReviewItem:
        """Release the held answer."""
        return self._decide(principal, item_id, "approved", note)

    def reject(self, principal: Principal, item_id: str, note: str = "") -> ReviewItem:
        """Refuse it for good; the held text is erased."""
        return self._decide(principal, item_id, "rejected", note)

    def _decide(self, principal: Principal, item_id: str, status: str, note: str) -> ReviewItem:
        item = sql.get_item(self.engine, item_id)
        check(principal, "decide", item.team)
        return sql.decide(self.engine, item.id, status, _who(principal), note)
