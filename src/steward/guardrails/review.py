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
is the same person with another credential (another key of the same owner, or their single sign-on: the event of
the first label names the person, `Actor.person`). One rejection refuses it, and an edit is refused (each reviewer
would approve a different text).

Under the two-person rule every decision is also a reviewer's label (`review_labels`: approve or reject), and each
item stays open for a second, blind label by a different identity until it has two, so that inter-rater agreement
(Cohen's κ, `steward.guardrails.agreement`) has items labelled both ways. The outcome stays fail-closed: a first
rejection refuses the held answer at once (the client is told `rejected`), its held text is kept only until the
second label is in (the second reviewer reads what they label) and then erased; a second label on a refused item
is kept as a label only and never releases it (audited as `review.label`, its before- and after-hash the unchanged
decision's). Until both labels are in, the first is hidden from every developer identity but its author
(`blind`): the item reads as pending, with no decision, first approval or label; admins, auditors and the local
operator, who oversee the queue, see it. Each label's digest is in the detail of the event that adds it
(`labels`), so `steward audit verify` finds a label inserted, edited or deleted outside Steward.
"""

from __future__ import annotations

import builtins
import dataclasses
import time
from typing import Any, Literal

from steward.config import Project
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.governance import audit
from steward.governance.identity import SSO, Actor
from steward.store import (
    Correction,
    Label,
    ReviewItem,
    Store,
    Tx,
    correction_digest,
    decision_digest,
    label_digest,
    owner_address,
    pending_digest,
)
from steward.types import Decision, Principal, Record, new_id

ReviewAction = Literal["read", "decide"]
MAX_CORRECTION_CHARS = 100_000
CLAIM_S = 15 * 60.0  # how long a claim holds an item for its reviewer
# What a queue's `state` selects: stored statuses (None: any) and a label filter (`needs_second_label`: items of
# the two-person rule with one label of two; `disagreements`: items whose two labels differ)
STATES: dict[str, tuple[tuple[str, ...] | None, str | None]] = {
    "pending": (("pending",), None),
    "approved": (("approved",), None),
    "rejected": (("rejected",), None),
    "decided": (("approved", "rejected"), None),
    "needs_second_label": (None, "needs_second_label"),
    "disagreements": (None, "disagreements"),
    "all": (None, None),
}
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


def blind_to(principal: Principal) -> str | None:
    """The identity whose view of the queue is blind to others' first labels (a developer's), or None for those
    who oversee it (admins, auditors, the local operator) and see every label."""
    return Actor.from_principal(principal).id if principal.role == "developer" else None


def blinded(item: ReviewItem, labels: builtins.list[Label], viewer: str | None) -> bool:
    """Whether `viewer` (`blind_to`) must not see `item`'s first label: it has one label of two, not theirs."""
    return viewer is not None and len(labels) == 1 and labels[0].by_id != viewer


LABELLING = ("review.approve", "review.reject")


def blind_events(store: Store, actor: Actor, events: builtins.list[Any]) -> builtins.list[Any]:
    """Audit `events` less, for a developer, the first label of two of a review item that is not theirs while its
    second is due (the audit log would tell what the item reads blind); a page may come out shorter."""
    if actor.role != "developer":
        return events
    items = {e.subject.removeprefix("review:") for e in events if e.action in LABELLING}
    hidden = store.reviews.hidden_from(sorted(items), actor.id) if items else set()
    return [e for e in events if not (e.action in LABELLING and e.subject.removeprefix("review:") in hidden)]


def _hide_first(item: ReviewItem) -> ReviewItem:
    """The item as a blind second reviewer reads it: pending, with no decision and no first approval (the held
    text stays: it is what they label)."""
    return dataclasses.replace(
        item,
        status="pending",
        decided_at=None,
        decided_by=None,
        note="",
        first_approval_by=None,
        first_approval_at=None,
        first_approval_note=None,
    )


def _state_digest(item: ReviewItem) -> str:
    """What a claim's event vouches for: a pending item's state, or a refused one's decision (open for its second
    label), as `steward audit verify` reads an item's newest event."""
    return pending_digest(item) if item.status == "pending" else decision_digest(item)


def _label_of(status: str) -> str:
    return "approve" if status == "approved" else "reject"


def _same(label: str, actor: Actor) -> bool:
    """Whether a stored `key:<id> (name)` or `user:<login>` names `actor` (by identity, not by its name)."""
    return label.split(" (", 1)[0] == actor.id


def _people(label: str, person: str | None) -> set[str]:
    """Whom an identity (as its label: `key:<id> (name)`, `oidc:<subject> (e-mail)`) may be, to refuse one person
    both labels of an item: its person (a key's owner, an SSO user's verified e-mail) and, for an SSO user whose
    provider did not verify their e-mail, that e-mail as well. An unverified e-mail only ever refuses: it never
    makes anyone a person who approves (`Actor.person`)."""
    people = {person} if person else set()
    subject, _, name = label.partition(" (")
    if subject.startswith(SSO) and not person and name.endswith(")"):
        try:
            claimed = owner_address(name[:-1])
        except InvalidRequest:
            claimed = None
        people |= {claimed} if claimed else set()
    return people


def _same_person(item: ReviewItem, person: str, done: str, required: int) -> str:
    """The refusal of a second label by the person who gave the first with another key or sign-in."""
    return (
        f"review item {item.id} needs a second, different person: {person} {done} it already (as "
        f"{item.decided_by or item.first_approval_by}), and reviewers count people, not keys or sign-ins "
        f"(two-person rule, its policy's `reviewers: {required}`); ask another reviewer of team {item.team}."
    )


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
        """Take a pending item (or one open for its second label) for `CLAIM_S` (again: renew it), so others see it
        claimed; audited as `review.claim`. Refused while another reviewer's claim holds, naming them and until
        when."""
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
                _state_digest(item),
                _state_digest(claimed),
                team=item.team,
                detail=_count_legacy(
                    tx, {"record_id": item.record_id, "app": item.app, "until": claimed.claimed_until}
                ),
            )
        return self._shown(principal, claimed)

    def _shown(self, principal: Principal, item: ReviewItem) -> ReviewItem:
        """`item` as `principal` may see it: without another's first label of two while they are blind to it."""
        viewer = blind_to(principal)
        if viewer is None:
            return item
        labels = self.store.reviews.labels([item.id]).get(item.id, [])
        return _hide_first(item) if blinded(item, labels, viewer) else item

    def _shown_all(self, principal: Principal, items: builtins.list[ReviewItem]) -> builtins.list[ReviewItem]:
        viewer = blind_to(principal)
        if viewer is None or not items:
            return items
        found = self.store.reviews.labels([i.id for i in items])
        return [_hide_first(i) if blinded(i, found.get(i.id, []), viewer) else i for i in items]

    def label_views(self, principal: Principal, items: builtins.list[ReviewItem]) -> dict[str, dict[str, Any]]:
        """Each item's labels as `principal` may see them (none of another's while blind to it), by item id:
        `labels` (seq, label, by, at, note), `labels_given`, `needs_second_label`, `blind`, `disagreement`."""
        viewer = blind_to(principal)
        found = self.store.reviews.labels([i.id for i in items]) if items else {}
        views: dict[str, dict[str, Any]] = {}
        for item in items:
            labels = found.get(item.id, [])
            blind = blinded(item, labels, viewer)
            shown = [
                {"seq": lb.seq, "label": lb.label, "by": lb.by, "at": lb.at, "note": lb.note} for lb in labels
            ]
            views[item.id] = {
                "labels": [] if blind else shown,
                "labels_given": len(labels),
                "needs_second_label": len(labels) == 1,
                "blind": blind,
                "disagreement": len(labels) == 2 and labels[0].label != labels[1].label,
            }
        return views

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
        """Oldest first: items of one status (None: every one), or of a `STATES` name (`needs_second_label`,
        `disagreements`), as `principal` may see them."""
        check(principal, "read")
        if status is not None and status not in STATES:
            raise InvalidRequest(f"unknown review status {status!r}; use one of {', '.join(STATES)}.")
        statuses, labels = STATES[status or "all"]
        apps = (app,) if app is not None else None
        return self.page(principal, statuses, apps, None, limit, labels=labels)

    def page(
        self,
        principal: Principal,
        statuses: tuple[str, ...] | None,
        apps: tuple[str, ...] | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 50,
        labels: str | None = None,
    ) -> builtins.list[ReviewItem]:
        """A page of the caller's team's items, oldest first, after the keyset `after` (`(created_at, id)`); a
        blind reviewer's page holds another's first label of two as pending (`blind_to`)."""
        check(principal, "read")
        team = _team_of(principal)
        items = self.store.reviews.page_items(
            statuses=statuses,
            team=team,
            apps=apps,
            after=after,
            limit=limit,
            labels=labels,
            blind_to=blind_to(principal),
        )
        return self._shown_all(principal, items)

    def get(self, principal: Principal, item_id: str) -> ReviewItem:
        check(principal, "read")
        return self._shown(principal, _visible(self.store, principal, item_id))

    def outcome(self, principal: Principal, record_id: str) -> ReviewItem:
        """The item of a held request, for whoever may call its app (the client waiting for the answer: a first
        rejection of two is its answer at once) or read the queue (blind as `get`); an app key scoped to other
        apps is answered as for a missing item."""
        if principal.role != "app":
            check(principal, "read")
        item = _visible(self.store, principal, record_id)
        if principal.role == "app" and not principal.may_use(item.app):
            raise self.store.reviews.missing(record_id)
        return self._shown(principal, item)

    def release(self, item: ReviewItem, text: str, record_id: str | None) -> ReviewItem:
        """Keep what an approved item gave the client (the first release wins)."""
        return self.store.reviews.release(item.id, text, record_id)

    def approve(self, principal: Principal, item_id: str, note: str = "") -> ReviewItem:
        """Release the held answer (under the two-person rule: label it approve; the second approval releases)."""
        return self._shown(principal, self._decide(principal, item_id, "approved", note))

    def reject(self, principal: Principal, item_id: str, note: str = "") -> ReviewItem:
        """Refuse it for good; the held text is erased (under the two-person rule: once the second label is in)."""
        return self._shown(principal, self._decide(principal, item_id, "rejected", note))

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
        labels = self.store.reviews.labels([item.id]).get(item.id, [])
        if (
            (holder := item.claimant(time.time())) is not None
            and not _same(holder, actor)
            and (item.status == "pending" or len(labels) == 1)
        ):
            raise InvalidRequest(
                f"review item {item.id} is claimed by {holder}; leave it to them, or wait for the claim to expire."
            )
        required = self.required(item)
        if required > 1 and (labels or item.first_approval_by is None):  # one approved before 0017 has no label
            return self._label(actor, item, labels, status, note, required)
        if (
            status == "approved"
            and required > 1
            and item.status == "pending"
            and _same(item.first_approval_by or "", actor)
        ):
            raise InvalidRequest(
                f"review item {item.id} needs a second, different reviewer: you ({actor.label}) approved it "
                f"already (two-person rule, its policy's `reviewers: {required}`); ask another reviewer of "
                f"team {item.team}."
            )
        if (
            status == "approved"
            and required > 1
            and item.status == "pending"
            and (same := _people(actor.label, actor.person) & self._first_people(item))
        ):
            raise InvalidRequest(_same_person(item, min(same), "approved", required))
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

    def _first_people(self, item: ReviewItem) -> set[str]:
        """Who gave `item` its first label (or, before labels, its first approval), as the event that recorded it
        names them (`_people`); empty when their credential counted as itself."""
        subject = f"review:{item.id}"
        # each labelling action read on its own: claims (renewed at will) must not push the first label out of
        # the page read, which would let its author give the second one with another key
        decided = [
            event
            for action in LABELLING
            for event in audit.list_events(self.store, subject=subject, action=action, limit=50)
            if event.subject == subject and event.action == action
        ]
        first = min(decided, key=lambda event: event.seq) if decided else None
        if first is None:
            return set()
        person = first.detail.get("person")
        return _people(first.actor, person if isinstance(person, str) else None)

    def policy_of(self, item: ReviewItem) -> str | None:
        """The policy an item counts under: its own, else its app's (as `required_reviewers` reads it)."""
        if item.policy is not None or self.project is None:
            return item.policy
        spec = self.project.apps.get(item.app)
        return spec.policy if spec is not None else None

    def _label(
        self, actor: Actor, item: ReviewItem, labels: builtins.list[Label], status: str, note: str, required: int
    ) -> ReviewItem:
        """A decision under the two-person rule, kept as the reviewer's label (first or second, blind) beside its
        audit event: a first approval leaves the item pending, a first rejection refuses it at once (its held text
        kept for the second reviewer), a second label decides a pending item (release needs both approvals) and
        is a label only on a refused one (`review.label`, the decision unchanged)."""
        if len(labels) >= 2 or (item.status != "pending" and not labels):
            both = " and has both its labels" if labels else ""
            raise InvalidRequest(
                f"review item {item.id} was already {item.status} by {item.decided_by}{both}; a decision is final."
            )
        if labels and labels[0].by_id == actor.id:
            done = "approved" if labels[0].label == "approve" else "rejected"
            raise InvalidRequest(
                f"review item {item.id} needs a second, different reviewer: you ({actor.label}) {done} it already "
                f"(two-person rule, its policy's `reviewers: {required}`); ask another reviewer of team "
                f"{item.team}."
            )
        if labels and (same := _people(actor.label, actor.person) & self._first_people(item)):
            done = "approved" if labels[0].label == "approve" else "rejected"
            raise InvalidRequest(_same_person(item, min(same), done, required))
        label = Label(
            id=new_id("lbl"),
            item_id=item.id,
            seq=len(labels) + 1,
            label=_label_of(status),
            by=actor.label,
            by_id=actor.id,
            at=float(f"{time.time():.6f}"),
            note=note,
            app=item.app,
            team=item.team,
            policy=self.policy_of(item),
        )
        detail: dict[str, Any] = {
            "record_id": item.record_id,
            "app": item.app,
            "decision": status,
            "note": note,
            "label": label.seq,
            "labels": {label.id: label_digest(label)},
        }
        if labels:
            detail["agrees"] = labels[0].label == label.label
        if label.seq == 1 and status == "approved":
            return self._approve_first(actor, item, note, required, label, detail)
        with audit.changing(self.store) as tx:
            _count_legacy(tx, detail)
            tx.reviews.add_label(label)
            before = decision_digest(item)
            if item.status == "pending":  # a first rejection, or the second label of a first approval
                decided = tx.reviews.decide(item.id, status, actor.label, note, erase=label.seq == 2)
                if status == "approved":
                    detail.update(approval=2, required=required, first_approval_by=item.first_approval_by)
                action = "review.approve" if status == "approved" else "review.reject"
            else:  # the second label of a refused item: kept, never releasing it
                decided = tx.reviews.close_labels(item.id)
                detail["outcome"] = item.status
                action = "review.label"
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
                _state_digest(item),
                _state_digest(let_go),
                team=item.team,
                detail=_count_legacy(tx, {"record_id": item.record_id, "app": item.app}),
            )
        return self._shown(principal, let_go)

    def _approve_first(
        self, actor: Actor, item: ReviewItem, note: str, required: int, label: Label, detail: dict[str, Any]
    ) -> ReviewItem:
        """Keep the first of two approvals and its label, with their audit event (`review.approve`, 1 of
        `required`)."""
        with audit.changing(self.store) as tx:
            approved = tx.reviews.approve_first(item.id, actor.label, note)
            tx.reviews.add_label(label)
            audit.append(
                tx,
                actor,
                "review.approve",
                f"review:{item.id}",
                pending_digest(item),
                pending_digest(approved),
                team=item.team,
                detail=_count_legacy(tx, {**detail, "approval": 1, "required": required}),
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
