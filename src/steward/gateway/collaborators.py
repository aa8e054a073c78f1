"""What the pipeline needs from the capabilities it serves with: typed protocols, no implementation.

The gateway never imports guardrails, retrieval or the store at module level: each capability is optional (the
spine serves without guardrails or retrieval) and heavy to import. These protocols say what the pipeline, the
review release and the record's privacy need of them, so that the capabilities' own classes (`Guard`,
`Retriever`, `Store`, `OutputStreamGuard`, `SchemaEnforcer`, `ReviewQueue`, `Grounding`, `GroundingVerdict`)
are checked against them by mypy where they are wired (`assemble`) and test doubles know what to provide.
"""

from __future__ import annotations

from typing import Any, Protocol

from steward.config.rag import CollectionSpec
from steward.errors import StewardError
from steward.types import Decision, Feedback, Message, Principal, Record, Source, Stage


class OutputRelease(Protocol):
    """A streamed answer's output guard (`OutputStreamGuard`): releases windows once scanned."""

    def scans_on(self, delta: str) -> bool: ...

    def feed(self, delta: str) -> str: ...

    def close(self) -> tuple[str, Decision]: ...


class SchemaCheck(Protocol):
    """An answer held to a JSON schema (`SchemaEnforcer`): validated, re-asked once, then failed closed."""

    def problems(self, answer: str) -> list[str]: ...

    @property
    def may_reask(self) -> bool: ...

    def reask(self, messages: list[Message], answer: str, problems: list[str]) -> list[Message]: ...

    def fail(
        self, problems: list[str], *, cut_at: int | None = None, constrained: bool = False
    ) -> StewardError: ...


class HeldItem(Protocol):
    """A review item (`ReviewItem`) as the release reads it."""

    id: str
    record_id: str
    app: str
    status: str
    stage: str
    reasons: list[str]
    held_text: str | None
    released_text: str | None
    released_at: float | None
    released_record_id: str | None


class ReviewQueue(Protocol):
    """Where escalated requests wait for a human (`guardrails.review.ReviewQueue`)."""

    def hold(self, record: Record, decision: Decision, held_text: str | None) -> HeldItem: ...

    def outcome(self, principal: Principal, record_id: str) -> HeldItem: ...

    def release(self, item: HeldItem, text: str, record_id: str | None) -> HeldItem: ...


class Guard(Protocol):
    """What the pipeline needs from the guardrails capability."""

    def scan(
        self, app: str, stage: Stage, text: str, *, conversation: Decision | None = None, role: str = "user"
    ) -> Decision: ...

    def restore(self, app: str, text: str, input_decision: Decision) -> str: ...

    def output_stream(self, app: str, input_decision: Decision | None = None) -> OutputRelease: ...

    def redact_records(self, app: str) -> bool: ...

    def stored_text(self, app: str, stage: Stage, text: str, conversation: Decision | None = None) -> str: ...

    def stores_as_screened(self, app: str, stage: Stage) -> bool: ...

    def unrestore(self, text: str, input_decision: Decision | None) -> str: ...

    def system_prompt(self, app: str, system: str) -> str: ...

    def schema_enforcer(self, app: str, requested: dict[str, Any] | None = None) -> SchemaCheck | None: ...

    # the queue reads and writes the store's review repository: the whole `Store`, which the gateway itself
    # only needs as a `RecordStore`, so it is passed through untyped here
    def review_queue(self, store: Any) -> ReviewQueue: ...


class Retrieved(Protocol):
    """What retrieval gives the pipeline (`rag.Grounding`): the grounded messages, or a decline instead."""

    messages: list[Message]
    sources: list[Source]
    decline: str | None
    identifiers: list[str]


class Verdict(Protocol):
    """The grounding check of an answer (`rag.GroundingVerdict`): its record entry, and what replaces it."""

    supported: bool
    score: float
    declined: bool
    replacement: str | None

    def as_dict(self) -> dict[str, Any]: ...


class Retriever(Protocol):
    """What the pipeline needs from the RAG capability."""

    def prepare(self, app: str, messages: list[Message], principal: Principal) -> Retrieved: ...

    def compose(self, app: str, messages: list[Message], sources: list[Source]) -> list[Message]: ...

    def spec(self, collection: str) -> CollectionSpec: ...

    def check(self, app: str, answer: str, sources: list[Source], question: str = "") -> Verdict: ...

    def strip_citations(self, text: str, sources: list[Source]) -> tuple[str, list[int]]: ...


class RecordStore(Protocol):
    """Where records are written and read back (`Store`)."""

    async def write(self, record: Record, *, alone: bool = False) -> None: ...

    def get_record(self, record_id: str) -> Record: ...

    def add_feedback(self, record_id: str, feedback: Feedback) -> None: ...

    def count_records(self) -> int: ...
