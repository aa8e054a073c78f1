"""The human review queue for escalated requests, with its permission rule.

Who may do what is declared once, here: `admin` and `developer` keys review their own team's items,
`auditor` keys may read them but not decide, `app` and `metrics` keys may do neither (an app must never
approve its own escalations). No key, admin or not, sees another team's items: held text carries personal
data, and an item of another team is answered exactly as one that does not exist, so ids cannot be probed; a key
scoped to some apps of its team (`--apps`) is answered so for the items of its team's other apps.
Only the local operator (the CLI without a key, on the machine holding the database) sees every team.
Deciding is final and a governance action: the decision and its audit event (`review.approve` or
`review.reject` on `review:<item id>`, naming the actor as every governance event does — `key:<id> (name)` or
`user:<OS account>` — with the record, the decision and the reviewer's note, never the held text) commit in one
transaction, and the event's after-hash is the digest of the decision so `steward audit verify` finds a decision
edited outside Steward. The SQL lives behind `store.reviews` (`tx.reviews` inside a transaction); the gateway
adds items with `hold()` after the escalated record is written, and the monitor's review rule
(`steward.guardrails.review_rule`) adds those of low feedback.

A reviewer (who may decide) can also correct a record's answer (`correct`): the corrected answer is kept with
who, when and why, linked to the record, and audited (`review_correction.add` on `record:<id>`, with the reason
but never the answer, which may carry personal data); datasets built from records prefer it over the model's.
Editing a held answer (`edit`, the management API's `edit` decision) is the two together: the item is approved,
the reviewer's text is kept as the record's correction and released instead of the held one, in one transaction
with both events (`review.approve` naming the correction, and `review_correction.add`).

A reviewer may claim a pending item (`claim`, audited as `review.claim`) so that others working the queue see it
taken: the claim lasts `CLAIM_S` and is renewed by claiming again; while it holds, nobody else may claim or decide
the item. Where the item's policy asks for two reviewers (`reviewers: 2` in steward.yaml; an item queued without a
policy takes its app's), the first approval is kept (`review.approve`, its detail saying 1 of 2) and the item
stays pending until a second, distinct person approves it; the same identity approving twice is refused, and so
is the same person with another credential (another key of the same owner, or their single sign-on: the first
approval's event names the person, `Actor.person`). One rejection refuses it, and an edit is refused (each
reviewer would approve a different text).
"""

from __future__ import annotations

import builtins
import time
from typing import Any, Literal

from steward.config import Project
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.governance import audit
from steward.governance.identity import Actor
from steward.store import Correction, ReviewItem, Store, Tx, correction_digest, decision_digest, pending_digest
from steward.types import Decision, Principal, Record, new_id

ReviewAction = Literal["read", "decide"]
MAX_CORRECTION_CHARS = 100_000
CLAIM_S = 15 * 60.0  # how long a claim holds an item for its reviewer
MAY: dict[str, frozenset[ReviewAction]] = {
    "admin": frozenset({"read", "decide"}),
    "developer": frozenset({"read", "decide"}),
    "auditor": frozenset({"read"}),
    "app": frozenset(),
}


def check(principal: Principal, action: ReviewAction) -> None:
    """Raise PermissionDenied unless `principal`'s role may `action` review items (of its own team)."""
    if action not in MAY.get(principal.role, frozenset()):
        verb, may = (
            ("decide on", "an admin or developer")
            if action == "decide"
            else ("read", "an admin, developer or auditor")
        )
        article = "an" if principal.role[:1] in tuple("aeiou") else "a"
        raise PermissionDenied(
            f"{article} {principal.role} key may not {verb} review items; use {may} key of the app's team."
        )


def _team_of(principal: Principal) -> str | None:
    """The one team whose items a caller sees: its key's; None (every team) for the local operator only."""
    return None if principal.key_id is None else principal.team


def _visible(store: Store, principal: Principal, item_id: str) -> ReviewItem:
    """The item, or the same NotFound as for a missing one when it belongs to another team or to an app the key
    is not for (a key scoped to some apps of its team reads and decides only theirs)."""
    item = store.reviews.get_item(item_id)
    team = _team_of(principal)
    if (team is not None and item.team != team) or not principal.may_use(item.app):
        raise store.reviews.missing(item_id)
    return item


def required_reviewers(project: Project | None, item: ReviewItem) -> int:
    """How many distinct reviewers must approve `item`: its policy's `reviewers` (its app's policy when it was
    queued without one); 1 without a project or a policy."""
    if project is None:
        return 1
    name = item.policy
    if name is None and (spec := project.apps.get(item.app)) is not None:
        name = spec.policy
    policy = project.policies.get(name) if name else None
    return policy.reviewers if policy is not None else 1


def _same(label: str, actor: Actor) -> bool:
    """Whether a stored `key:<id> (name)` or `user:<login>` names `actor` (by identity, not by its name)."""
    return label.split(" (", 1)[0] == actor.id


def _count_legacy(tx: Tx, detail: dict[str, Any]) -> dict[str, Any]:
    """`detail`, counting the items decided before decisions were audited when this is the first review event:
    they have no event, so `steward audit verify` tolerates that many and no more (as `keys_legacy` does)."""
    if tx.audit.first_event("review.") is None:
        detail["legacy_decided"] = tx.reviews.count_decided()
    return detail


class ReviewQueue:
    """Held requests awaiting a human decision; `project` says which policies ask for two reviewers."""

    def __init__(self, store: Store, project: Project | None = None) -> None:
        self.store = store
        self.project = project

    def required(self, item: ReviewItem) -> int:
        return required_reviewers(self.project, item)

    def claim(self, principal: Principal, item_id: str) -> ReviewItem:
        """Take a pending item for `CLAIM_S` (again: renew it), so others see it claimed; audited as
        `review.claim`. Refused while another reviewer's claim holds, naming them and until when."""
        check(principal, "decide")
        actor = Actor.from_principal(principal)
        item = _visible(self.store, principal, item_id)
        now = time.time()
        with audit.changing(self.store) as tx:
            claimed = tx.reviews.claim(item.id, actor.label, float(f"{now + CLAIM_S:.6f}"), now)
            audit.append(
                tx,
                actor,
                "review.claim",
                f"review:{item.id}",
                pending_digest(item),
                pending_digest(claimed),
                team=item.team,
                detail=_count_legacy(
                    tx, {"record_id": item.record_id, "app": item.app, "until": claimed.claimed_until}
                ),
            )
        return claimed

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
        self.store.reviews.add_item(item)
        return item

    def list(
        self, principal: Principal, status: str | None = "pending", app: str | None = None, limit: int = 50
    ) -> list[ReviewItem]:
        check(principal, "read")
        return self.store.reviews.list_items(status=status, app=app, team=_team_of(principal), limit=limit)

    def page(
        self,
        principal: Principal,
        statuses: tuple[str, ...] | None,
        apps: tuple[str, ...] | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 50,
    ) -> builtins.list[ReviewItem]:
        """A page of the caller's team's items, oldest first, after the keyset `after` (`(created_at, id)`)."""
        check(principal, "read")
        team = _team_of(principal)
        return self.store.reviews.page_items(statuses=statuses, team=team, apps=apps, after=after, limit=limit)

    def get(self, principal: Principal, item_id: str) -> ReviewItem:
        check(principal, "read")
        return _visible(self.store, principal, item_id)

    def outcome(self, principal: Principal, record_id: str) -> ReviewItem:
        """The item of a held request, for whoever may call its app (the client waiting for the answer) or
        read the queue; an app key scoped to other apps is answered as for a missing item."""
        if principal.role != "app":
            check(principal, "read")
        item = _visible(self.store, principal, record_id)
        if principal.role == "app" and not principal.may_use(item.app):
            raise self.store.reviews.missing(record_id)
        return item

    def release(self, item: ReviewItem, text: str, record_id: str | None) -> ReviewItem:
        """Keep what an approved item gave the client (the first release wins)."""
        return self.store.reviews.release(item.id, text, record_id)

    def approve(self, principal: Principal, item_id: str, note: str = "") -> ReviewItem:
        """Release the held answer."""
        return self._decide(principal, item_id, "approved", note)

    def reject(self, principal: Principal, item_id: str, note: str = "") -> ReviewItem:
        """Refuse it for good; the held text is erased."""
        return self._decide(principal, item_id, "rejected", note)

    def edit(self, principal: Principal, item_id: str, text: str, note: str) -> ReviewItem:
        """Release an edited answer instead of the held one: the approval (`review.approve`, its detail naming the
        correction), the reviewer's correction of the record (`review_correction.add`, as `correct` keeps it, the
        note as its why) and the release of the edited text commit in one transaction, so no fetch of the outcome
        ever sees the held text. Only a held answer can be edited; a held question is approved or rejected."""
        check(principal, "decide")
        item = _visible(self.store, principal, item_id)
        if item.stage == "input":
            raise InvalidRequest(
                f"review item {item.id} holds a question, not an answer: approve it (the model answers it then) "
                "or reject it."
            )
        if not text.strip() or len(text) > MAX_CORRECTION_CHARS:
            raise InvalidRequest(f"the edited answer must be 1 to {MAX_CORRECTION_CHARS:,} characters.")
        if not note.strip():
            raise InvalidRequest("an edit needs a comment saying what was wrong (kept in the audit log).")
        if self.required(item) > 1:
            raise InvalidRequest(
                f"review item {item.id} needs two reviewers' approval (its policy's `reviewers: 2`), and each "
                "would approve a different text: approve or reject it, and correct the record after release "
                "(`steward review correct`)."
            )
        return self._decide(principal, item.id, "approved", note, edited=text)

    def _decide(
        self, principal: Principal, item_id: str, status: str, note: str, edited: str | None = None
    ) -> ReviewItem:
        check(principal, "decide")
        actor = Actor.from_principal(principal)
        item = _visible(self.store, principal, item_id)
        if (
            (holder := item.claimant(time.time())) is not None
            and not _same(holder, actor)
            and item.status == "pending"
        ):
            raise InvalidRequest(
                f"review item {item.id} is claimed by {holder}; leave it to them, or wait for the claim to expire."
            )
        required = self.required(item)
        if status == "approved" and required > 1 and item.status == "pending":
            if item.first_approval_by is None:
                return self._approve_first(actor, item, note, required)
            if _same(item.first_approval_by, actor):
                raise InvalidRequest(
                    f"review item {item.id} needs a second, different reviewer: you ({actor.label}) approved it "
                    f"already (two-person rule, its policy's `reviewers: {required}`); ask another reviewer of "
                    f"team {item.team}."
                )
            if actor.person is not None and self._first_person(item) == actor.person:
                raise InvalidRequest(
                    f"review item {item.id} needs a second, different person: {actor.person} approved it already "
                    f"(as {item.first_approval_by}), and reviewers count people, not keys or sign-ins (two-person "
                    f"rule, its policy's `reviewers: {required}`); ask another reviewer of team {item.team}."
                )
        with audit.changing(self.store) as tx:
            detail: dict[str, Any] = {
                "record_id": item.record_id,
                "app": item.app,
                "decision": status,
                "note": note,
            }
            _count_legacy(tx, detail)
            before = decision_digest(item)
            decided = tx.reviews.decide(item.id, status, actor.label, note)
            if item.first_approval_by is not None and status == "approved":
                detail.update(approval=2, required=required, first_approval_by=item.first_approval_by)
            if edited is not None:
                detail["edited"] = self._add_correction(tx, actor, item, edited, note).id
                decided = tx.reviews.release(item.id, edited, None)
            action = "review.approve" if status == "approved" else "review.reject"
            audit.append(
                tx,
                actor,
                action,
                f"review:{item.id}",
                before,
                decision_digest(decided),
                team=item.team,
                detail=detail,
            )
        return decided

    def _first_person(self, item: ReviewItem) -> str | None:
        """The person who gave `item` its first of two approvals, as its `review.approve` event names them (the
        key's owner, the SSO user's verified e-mail); None when they had none (their credential counted)."""
        first = audit.list_events(self.store, subject=f"review:{item.id}", action="review.approve", limit=1)
        person = first[0].detail.get("person") if first else None
        return person if isinstance(person, str) else None

    def unclaim(self, principal: Principal, item_id: str) -> ReviewItem:
        """Let go of one's claim before it expires (the next reviewer may take the item); audited as
        `review.unclaim`."""
        check(principal, "decide")
        actor = Actor.from_principal(principal)
        item = _visible(self.store, principal, item_id)
        with audit.changing(self.store) as tx:
            let_go = tx.reviews.unclaim(item.id, actor.label, time.time())
            audit.append(
                tx,
                actor,
                "review.unclaim",
                f"review:{item.id}",
                pending_digest(item),
                pending_digest(let_go),
                team=item.team,
                detail=_count_legacy(tx, {"record_id": item.record_id, "app": item.app}),
            )
        return let_go

    def _approve_first(self, actor: Actor, item: ReviewItem, note: str, required: int) -> ReviewItem:
        """Keep the first of two approvals, with its audit event (`review.approve`, 1 of `required`)."""
        with audit.changing(self.store) as tx:
            approved = tx.reviews.approve_first(item.id, actor.label, note)
            audit.append(
                tx,
                actor,
                "review.approve",
                f"review:{item.id}",
                pending_digest(item),
                pending_digest(approved),
                team=item.team,
                detail=_count_legacy(
                    tx,
                    {
                        "record_id": item.record_id,
                        "app": item.app,
                        "decision": "approved",
                        "note": note,
                        "approval": 1,
                        "required": required,
                    },
                ),
            )
        return approved

    def correct(self, principal: Principal, record_id: str, answer: str, why: str) -> Correction:
        """Keep a reviewer's corrected answer of a record of their team (the local operator: any team), with who,
        when and why, and its audit event, in one transaction. A record of another team, or of an app the key is
        not for, is answered as one that does not exist."""
        check(principal, "decide")
        if not answer.strip():
            raise InvalidRequest("a correction needs the corrected answer: pass --answer TEXT (or `answer`).")
        if len(answer) > MAX_CORRECTION_CHARS:
            raise InvalidRequest(
                f"the corrected answer is {len(answer):,} characters; at most {MAX_CORRECTION_CHARS:,}."
            )
        if not why.strip():
            raise InvalidRequest(
                'a correction needs a reason: pass --why "…" (kept in the audit log: no personal data).'
            )
        try:
            record = self.store.get_record(record_id)
        except NotFound:
            record = None
        team = _team_of(principal)
        if (
            record is None
            or (team is not None and (record.team or "default") != team)
            or not principal.may_use(record.app)
        ):
            raise NotFound(f"no record {record_id!r} of your team; `steward records list` shows them.")
        actor = Actor.from_principal(principal)
        with audit.changing(self.store) as tx:
            return self._add_correction(tx, actor, record, answer, why)

    @staticmethod
    def _add_correction(tx: Tx, actor: Actor, of: Record | ReviewItem, answer: str, why: str) -> Correction:
        """Keep a corrected answer of a record with its audit event, inside the caller's transaction `tx`."""
        record_id = of.id if isinstance(of, Record) else of.record_id
        correction = Correction(
            id=new_id("cor"),
            record_id=record_id,
            app=of.app,
            team=of.team or "default",
            answer=answer,
            why=why.strip(),
            by=actor.label,
            at=float(f"{time.time():.6f}"),
        )
        tx.reviews.add_correction(correction)
        audit.append(
            tx,
            actor,
            "review_correction.add",
            f"record:{record_id}",
            None,
            correction_digest(correction),  # `steward audit verify` checks the row against it
            team=correction.team,
            detail={"correction": correction.id, "record_id": record_id, "app": of.app, "why": correction.why},
        )
        return correction
