"""Requests held for a human: what is queued when a policy escalates, and what is released once approved.

The pipeline hands an escalated request here once its record is durable (`ReviewRelease.hold`), and answers the
caller with `HELD_FOR_REVIEW`. `GET /v1/reviews/{record_id}` asks `ReviewRelease.outcome` (`Gateway.reviews`)
where the item stands. An approved answer is released as it was held; an approved
question is answered then, once, through the gateway's own pipeline (`Gateway.chat` with `approved=`), as a
request with a record of its own. A lock per item makes concurrent fetches of one approved question run the
model once: the others wait and read the released answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Protocol

from steward.errors import NotFound
from steward.gateway.collaborators import HeldItem, RecordPrivacy, RecordStore, ReviewQueue
from steward.gateway.redaction import held_text
from steward.gateway.requests import ChatRequest, ChatResult
from steward.types import Message, Principal, Record

HELD_FOR_REVIEW = (
    "Your request is being reviewed by a person; once it is approved, GET /v1/reviews/<record_id> (this "
    "response's steward.record_id) returns the answer."
)


class Answer(Protocol):
    """`Gateway.chat`: serves a request through the governed pipeline (`approved`: the item released)."""

    def __call__(
        self, request: ChatRequest, principal: Principal, auth_ms: float = ..., *, approved: str | None = ...
    ) -> Awaitable[ChatResult]: ...


class ReviewRelease:
    """Holds escalated requests in the review queue and releases them once a human approved them.

    `queue` is built where the store is known (`assemble`, from the guardrails' `ReviewQueue` over the store);
    `privacy` is the guardrails' policy on what a held text may keep. Without guardrails both are None and
    nothing is ever held.
    """

    def __init__(
        self, privacy: RecordPrivacy | None, queue: ReviewQueue[Any] | None, store: RecordStore, answer: Answer
    ) -> None:
        self.guard = privacy
        self.queue = queue
        self.store = store
        self.answer = answer
        self._releasing: dict[str, asyncio.Lock] = {}  # review items whose approved question is being answered

    def hold(self, record: Record) -> None:
        """Hold an escalated request for a human: the withheld answer, or the question that was held, each as it
        would go on once approved (redacted by the policy; under `redact_records`, as the record keeps it)."""
        guard, queue = self.guard, self.queue
        assert guard is not None and queue is not None, "a request is escalated only under a guard's policy"
        decision = next(d for d in reversed(record.decisions) if d.action == "escalate")
        queue.hold(record, decision, held_text(guard, record, decision))

    async def outcome(self, principal: Principal, record_id: str) -> dict[str, Any]:
        """Where a held request stands, and once approved what it released (`GET /v1/reviews/{record_id}`).

        An approved answer is released as held. An approved question is answered now, once: the model runs on
        the held (possibly redacted) question under the output policy, as a request with its own record, and the
        item keeps the answer and that record's id, so every later fetch returns the same.
        """
        queue = self.queue
        if queue is None:
            raise NotFound("this gateway has no guardrails, so nothing is ever held for review.")
        try:
            item = await asyncio.to_thread(queue.outcome, principal, record_id)
        except NotFound:  # the queue's message names the CLI; the caller here is a client polling with its key
            raise NotFound(
                f"no request {record_id!r} held for review that this key may read; a request is held when its "
                "answer's `steward.status` is `escalated`."
            ) from None
        if item.status == "approved" and item.released_at is None:
            lock = self._releasing.setdefault(item.id, asyncio.Lock())
            try:
                async with lock:
                    item = await asyncio.to_thread(queue.outcome, principal, record_id)
                    if item.released_at is None:
                        item = await self._release(queue, item)
            finally:
                self._releasing.pop(item.id, None)
        out: dict[str, Any] = {
            "record_id": item.record_id,
            "review_id": item.id,
            "status": item.status,
            "stage": item.stage,
            "reasons": list(item.reasons),
        }
        if item.status == "approved":
            out["answer"] = item.released_text
            if item.released_record_id is not None:
                out["released_record_id"] = item.released_record_id
                released = await asyncio.to_thread(self.store.get_record, item.released_record_id)
                out["released_status"] = released.status  # "served", or blocked/held again by the output policy
        return out

    async def _release(self, queue: ReviewQueue[Any], item: HeldItem) -> HeldItem:
        if item.stage != "input":
            return await asyncio.to_thread(queue.release, item, item.held_text or "", None)
        original = await asyncio.to_thread(self.store.get_record, item.record_id)
        params = original.params
        request = ChatRequest(
            app=item.app,
            messages=[Message("user", item.held_text or "")],
            subject=original.subject,
            consent=original.consent,
            origin=original.origin,
            temperature=params.get("temperature"),
            top_p=params.get("top_p"),
            seed=params.get("seed"),
            max_tokens=params.get("max_tokens"),
            stop=tuple(params.get("stop") or ()),
        )
        # answered on behalf of the original caller, whoever fetches first (a reviewer, an auditor, the app)
        caller = Principal(key_id=original.key_id, role="app", team=original.team or "default", apps=(item.app,))
        result = await self.answer(request, caller, approved=item.id)
        return await asyncio.to_thread(queue.release, item, result.text, result.record.id)
