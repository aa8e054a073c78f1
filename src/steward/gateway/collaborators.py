"""What the pipeline needs from the capabilities it serves with: typed protocols, no implementation.

The gateway never imports guardrails, retrieval or the store at module level: each capability is optional (the
spine serves without guardrails or retrieval) and heavy to import. These protocols say what the pipeline, the
review release and the record's privacy need of them (the guardrails split by role: `Scanning`,
`RecordPrivacy`, `SchemaPolicy`), so that the capabilities' own classes (`Guard`,
`Retriever`, `Store`, `OutputStreamGuard`, `SchemaEnforcer`, `ReviewQueue`, `Grounding`, `GroundingVerdict`)
are checked against them by mypy where they are wired (`assemble`) and test doubles know what to provide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import numpy as np

from steward.config.rag import CollectionSpec
from steward.config.schema import AppSpec
from steward.errors import StewardError
from steward.models.router import Route
from steward.types import Decision, Feedback, Message, Principal, Record, Source, Stage


class ModelRoutes(Protocol):
    """The model pool (`ModelPool`, `GovernedPool`): an app's route, with its fallbacks."""

    def route(self, app: str | AppSpec) -> Route: ...

    async def aclose(self) -> None: ...


class Tracer(Protocol):
    """Where finished records go as traces (`telemetry.RecordTracer`)."""

    def observe(self, record: Record) -> None: ...

    def shutdown(self) -> None: ...


class TokenBudget(Protocol):
    """Token budgets of API keys (`auth.Authenticator`): reserved before the model call, settled after."""

    def has_budget(self, key_id: str) -> bool: ...

    def reserve(self, key_id: str | None, tokens: int, reservation_id: str) -> int: ...

    def settle(self, key_id: str | None, reservation_id: str, used: int) -> None: ...

    def charge(self, key_id: str | None, tokens: int) -> None: ...


class TextEmbedder(Protocol):
    """The embedding model `POST /v1/embeddings` serves (`models.embeddings.Embedder`)."""

    model_id: str

    def count_tokens(self, text: str) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


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


Item = TypeVar("Item", bound=HeldItem)


class ReviewQueue(Protocol[Item]):
    """Where escalated requests wait for a human (`guardrails.review.ReviewQueue`, over the store's reviews):
    it releases the items it handed out."""

    def hold(self, record: Record, decision: Decision, held_text: str | None) -> Item: ...

    def outcome(self, principal: Principal, record_id: str) -> Item: ...

    def release(self, item: Item, text: str, record_id: str | None) -> Item: ...


class Scanning(Protocol):
    """Screening by policy (the guardrails' `Guard`): the input and retrieved text, the system prompt, the
    answer (whole, or streamed through an `OutputRelease`), and putting back what the input stage masked."""

    def scan(
        self, app: str, stage: Stage, text: str, *, conversation: Decision | None = None, role: str = "user"
    ) -> Decision: ...

    def restore(self, app: str, text: str, input_decision: Decision) -> str: ...

    def output_stream(self, app: str, input_decision: Decision | None = None) -> OutputRelease: ...

    def system_prompt(self, app: str, system: str) -> str: ...


class RecordPrivacy(Protocol):
    """What a record may keep (`gateway.redaction`, the review release): the app's policy on stored text."""

    def redact_records(self, app: str) -> bool: ...

    def stored_text(self, app: str, stage: Stage, text: str, conversation: Decision | None = None) -> str: ...

    def stores_as_screened(self, app: str, stage: Stage) -> bool: ...

    def unrestore(self, text: str, input_decision: Decision | None) -> str: ...


class SchemaPolicy(Protocol):
    """Which answers are held to a JSON schema (the app's, or the one a request asked for)."""

    def schema_enforcer(self, app: str, requested: dict[str, Any] | None = None) -> SchemaCheck | None: ...


class InputGuard(Scanning, SchemaPolicy, Protocol):
    """What the input stages need: screening, and the schema an answer will be held to."""


class Guard(Scanning, RecordPrivacy, SchemaPolicy, Protocol):
    """The guardrails capability as the gateway is wired with it (`assemble`): every role above. Each part of the
    gateway takes only the role it uses; the review queue is built where the store is known and handed to the
    review release (`ReviewRelease`)."""


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

    async def write(self, record: Record, *, alone: bool = False, attached: Sequence[Any] = ()) -> None: ...

    def get_record(self, record_id: str) -> Record: ...

    def add_feedback(self, record_id: str, feedback: Feedback) -> None: ...

    def count_records(self) -> int: ...
