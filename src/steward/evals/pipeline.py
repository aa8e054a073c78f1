"""What evaluation needs from the governed pipeline, and the adapter over `steward.Client` that provides it.

Evaluated behaviour must be served behaviour, so suites and red-team scans send every case through the same
`Gateway` users reach (guardrails, retrieval, routing, records) via the in-process client. The `Pipeline`
protocol is deliberately small — answer a case, say which versions an app runs, give the store — so
tests can substitute a pipeline over a scripted model, and a remote gateway could be added later.
`Answer` keeps what metrics read (text, status, retrieved chunks, latency, cost) and what a stored run must
name (record id, model and prompt versions).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from steward.errors import StewardError
from steward.store import Store

if TYPE_CHECKING:
    from steward.config import Project, Settings


@dataclass
class Answer:
    """The pipeline's answer to one case."""

    text: str
    status: str
    record_id: str | None = None
    latency_ms: float | None = None
    cost: float | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)  # chunk_id, document_id, text, score
    model: dict[str, Any] | None = None
    prompt_version: str | None = None
    policy_versions: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    error: str | None = None
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Pipeline(Protocol):
    """The governed pipeline as evaluation sees it."""

    def answer(self, app: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer: ...

    def versions(self, app: str) -> dict[str, Any]: ...

    def app_spec(self, app: str) -> Any: ...

    @property
    def project(self) -> Project: ...

    @property
    def store(self) -> Store: ...

    @property
    def home(self) -> Path: ...

    @property
    def settings(self) -> Settings: ...

    def close(self) -> None: ...


def answer_from_result(result: Any) -> Answer:
    """An `Answer` from the gateway's `ChatResult` (its record carries everything)."""
    record = result.record
    model = None
    if record.model is not None:
        model = {"id": record.model.id, "backend": record.model.backend, "sha256": record.model.sha256}
    return Answer(
        text=result.text,
        status=record.status,
        record_id=record.id,
        latency_ms=record.latency.total_ms,
        cost=record.cost,
        sources=[
            {"chunk_id": s.chunk_id, "document_id": s.document_id, "text": s.text, "score": s.score}
            for s in record.sources
        ],
        model=model,
        prompt_version=record.prompt_version,
        policy_versions=sorted({d.policy_version for d in record.decisions if d.policy_version}),
        reasons=sorted({r for d in record.decisions for r in d.reasons}),
        finish_reason=record.finish_reason,
    )


class ClientPipeline:
    """The pipeline through the in-process governed client of one project."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.project = client.runtime.project

    @classmethod
    def open(cls, project: Project | Path | str | None = None) -> ClientPipeline:
        """The pipeline of `project` (a loaded project or a steward.yaml path; None: the nearest steward.yaml)."""
        from steward.client import Client

        return cls(Client(project))

    @property
    def store(self) -> Store:
        store: Store = self.client.runtime.store
        return store

    @property
    def home(self) -> Path:
        return Path(self.settings.home)

    @property
    def settings(self) -> Settings:
        settings: Settings = self.client.runtime.settings
        return settings

    def app_spec(self, app: str) -> Any:
        return self.project.app(app)

    def answer(self, app: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer:
        try:
            result = self.client.chat(app, messages, **params)
        except StewardError as exc:  # a failed case is recorded by the gateway and scored as failed
            return Answer(text="", status="failed", error=exc.message)
        return answer_from_result(result)

    def versions(self, app: str) -> dict[str, Any]:
        """Everything a cached answer or a stored run depends on, for one app."""
        spec = self.project.app(app)
        models = [r.model for r in spec.route] + list(spec.fallback)
        out: dict[str, Any] = {
            "app": app,
            "models": [
                {"id": m, "backend": self.project.models[m].backend, "sha256": self.project.models[m].sha256}
                for m in models
            ],
            "prompt_version": spec.prompt.version,
            "params": spec.params.model_dump(mode="json"),
            "policy": spec.policy,
            "policy_version": self.project.policies[spec.policy].version if spec.policy else None,
            "policy_hash": policy_hash(self.project, spec.policy),
            "collection": spec.rag,
            "collection_version": self._collection_version(spec.rag),
        }
        return out

    def _collection_version(self, name: str | None) -> int | None:
        if not name:
            return None
        with self.store.reading() as tx:
            return tx.rag.collection_version(name)

    def close(self) -> None:
        self.client.close()


def policy_hash(project: Any, name: str | None) -> str | None:
    """The digest of a policy's whole declaration, so a run names the rules it ran under, not just a label."""
    if not name or name not in project.policies:
        return None
    declared = project.policies[name].model_dump(mode="json")
    return "sha256:" + hashlib.sha256(json.dumps(declared, sort_keys=True, default=str).encode()).hexdigest()


def app_version(versions: dict[str, Any]) -> str:
    """One version for an app's whole configuration (models, prompt, parameters, policy), not its documents."""
    stable = {k: v for k, v in versions.items() if k != "collection_version"}
    digest = hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()
    return f"sha256:{digest[:16]}"


def cache_key(versions: dict[str, Any], messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """A hash of everything that decides an answer: app versions, messages and parameters."""
    canonical = json.dumps({"v": versions, "m": messages, "p": params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
