"""Core values of Steward: small, pure dataclasses with no I/O.

Everything that crosses a module boundary is one of these. The governed `Record` is the thread through the
platform: the gateway fills it while serving a request, the store persists it, monitoring, evaluation and
governance read it. Closed sets are `Literal`s so that type checkers and validation agree on them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

Role = Literal["system", "user", "assistant", "tool"]
Stage = Literal["input", "retrieved", "output", "tool_call", "tool_result"]
Action = Literal["allow", "redact", "block", "escalate", "warn"]
Status = Literal["served", "blocked", "failed", "escalated", "declined", "disconnected"]
Origin = Literal["traffic", "eval", "redteam", "test"]  # where a request came from; only traffic feeds datasets
ORIGINS: tuple[Origin, ...] = ("traffic", "eval", "redteam", "test")
FinishReason = Literal["stop", "length", "content_filter", "error", "tool_calls"]
KeyRole = Literal["admin", "developer", "app", "auditor", "metrics"]
# The roles whose keys call apps and write feedback: auditors read and never write; a metrics key scrapes /metrics.
CALLING_ROLES: tuple[KeyRole, ...] = ("admin", "developer", "app")
RiskTier = Literal["prohibited", "high", "limited", "minimal"]

ACTION_SEVERITY: dict[str, int] = {"allow": 0, "warn": 1, "redact": 2, "escalate": 3, "block": 4}


def new_id(prefix: str) -> str:
    """A sortable-enough unique id with a readable prefix (`rec_…`, `key_…`)."""
    return f"{prefix}_{uuid.uuid4().hex}"


def now() -> float:
    """Wall-clock time in seconds since the epoch (records store floats, rendered as ISO in views)."""
    return time.time()


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call of a tool a model asked for: its id, the tool's name and its arguments as a JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message (an assistant turn may carry tool calls; a tool turn answers one by its id)."""

    role: Role
    content: str
    name: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True, slots=True)
class GenerationParams:
    """Sampling parameters; `None` means the backend's default."""

    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    json_schema: dict[str, Any] | None = None
    tools: tuple[dict[str, Any], ...] = ()  # OpenAI `tools` entries the model may call
    tool_choice: str | dict[str, Any] | None = None  # OpenAI `tool_choice`; None: the backend's default


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one generation."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """What a model backend returns for one non-streamed generation."""

    text: str
    finish_reason: FinishReason
    usage: Usage
    model_fingerprint: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class Delta:
    """One streamed piece of a generation; the last one carries `finish_reason` and `usage`."""

    text: str
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # whole calls: a backend assembles a call before it yields it


@dataclass(frozen=True, slots=True)
class ModelRef:
    """Which model version served a request: the declared id and the artefact's content hash."""

    id: str
    backend: str
    sha256: str | None = None
    remote_model: str | None = None
    adapter: str | None = None  # a LoRA adapter applied on the base at load: its file name
    adapter_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a guardrail scanner noticed in a text."""

    scanner: str
    kind: str
    score: float
    stage: Stage
    start: int | None = None
    end: int | None = None
    detail: str = ""


@dataclass(slots=True)
class Decision:
    """What the policy engine decided for one stage, and why."""

    stage: Stage
    action: Action
    reasons: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    policy: str | None = None
    policy_version: str | None = None
    scanner_ms: dict[str, float] = field(default_factory=dict)
    text: str | None = None  # the text after redaction, when the action changed it
    # privacy of logs (`redact_records`): what a record may keep of the scanned text, every counted span replaced
    stored_text: str | None = None
    turn: int | None = None  # input stage: the index of the message it screened in the request's messages
    # the rules (scanner names) with a finding at or above their threshold, which the monitor's verdict rates
    # count (None where the policy engine did not decide it: a decision built by hand counts its findings)
    flagged: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """One retrieved chunk that was shown to the model."""

    document_id: str
    chunk_id: str
    score: float
    text: str
    uri: str | None = None
    index: int = 0  # the [n] citation number in the prompt


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a request as its record keeps it: the role and the content (redacted or erased as the
    app's policy says). Not `Message`: a record stores exactly these two keys."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One model tried for a request, in the order tried: `error` is None for the one that served."""

    model: str
    error: str | None
    ms: float


class Parameters(TypedDict, total=False):
    """The sampling parameters a request ran with, as its record keeps them. A typed dict, not a dataclass:
    a request refused before its parameters were worked out stores `{}`, and stored bodies keep that shape."""

    temperature: float | None
    top_p: float | None
    seed: int | None
    max_tokens: int | None
    stop: list[str]
    json_schema: bool  # whether a JSON schema constrained the answer (the schema is the app's or the request's)


@dataclass(slots=True)
class Latency:
    """Where a request's time went, in milliseconds."""

    auth_ms: float = 0.0
    guardrails_ms: float = 0.0
    retrieval_ms: float = 0.0
    model_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key (or the local operator) with its role, team, app scope and reader groups."""

    key_id: str | None  # the API key's id; `oidc:<subject>` for a console single sign-on; None: the local operator
    role: KeyRole
    team: str = "default"
    apps: tuple[str, ...] = ()  # empty: every app of the team
    groups: tuple[str, ...] = ()  # document groups this caller may read (RAG access control)
    subject: str | None = None  # the end user on whose behalf the call is made, when given
    name: str | None = None
    # the person behind the caller, whom approvals count: a key's owner, or an SSO user's verified e-mail; None:
    # the key or SSO subject counts as itself
    person: str | None = None

    def may_use(self, app: str) -> bool:
        return not self.apps or app in self.apps

    @property
    def calls_apps(self) -> bool:
        """Whether this caller may call apps and write feedback (not an auditor, not a metrics key)."""
        return self.role in CALLING_ROLES


LOCAL_OPERATOR = Principal(key_id=None, role="admin", name="local operator")


@dataclass(slots=True)
class Feedback:
    """A human's judgement of one answer."""

    score: int  # +1 / -1, or a rating the app defines
    comment: str = ""
    by: str | None = None
    at: float = field(default_factory=now)


@dataclass(slots=True)
class Record:
    """The one governed record of a request: served, blocked, declined or failed."""

    id: str
    created_at: float
    app: str
    status: Status = "served"
    key_id: str | None = None
    team: str | None = None
    subject: str | None = None
    model: ModelRef | None = None
    prompt_version: str | None = None
    params: Parameters = field(default_factory=lambda: Parameters())
    input: list[Turn] = field(default_factory=list)  # the request's messages
    output: str | None = None
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    latency: Latency = field(default_factory=Latency)
    error: str | None = None
    stream: bool = False
    decisions: list[Decision] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    explanation: dict[str, Any] | None = None
    feedback: list[Feedback] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)  # models tried, in order
    consent: bool = True  # may this record ever enter a training dataset
    finished_at: float | None = None
    origin: Origin = "traffic"  # evals, red-team scans and tests are marked so that no dataset takes them

    @classmethod
    def start(cls, app: str) -> Record:
        return cls(id=new_id("rec"), created_at=now(), app=app)

    @property
    def outcome(self) -> str:
        """The status monitoring counts: see `outcome_of`."""
        return outcome_of(self.status, self.explanation)


def outcome_of(status: str, explanation: Any) -> str:
    """The outcome monitoring counts for a record of this status and explanation: a failure that was the
    caller's mistake (a bad body, an unknown app, a spent budget: `explanation.error.caller`) is
    `client_error`, told apart from Steward's or its upstream's failures. The gateway's `/metrics` and the
    rollups both count by it, so a PromQL rule and a rollup rule read the same numbers."""
    error = explanation.get("error") if isinstance(explanation, dict) else None
    if status == "failed" and isinstance(error, dict) and error.get("caller") is True:
        return "client_error"
    return status
