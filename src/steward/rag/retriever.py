"""The RAG capability as the gateway sees it: `Retriever.prepare` before the model, `Retriever.check` after.

One `Retriever` per process holds the embedder (loaded once) and, per collection, the searcher and its vector
index. `prepare` finds the chunks the caller may read, and returns either the grounded messages (system
prompt, numbered sources, question) or a `decline` when an identifier of the question is in no readable
source, in which case the model is not called. `check` runs the grounding check with the collection's policy.
Access: a caller reads a document when they share a group with it; their groups are their key's `groups`
plus `team:<their team>`. The local operator (no key, admin) owns the database file and reads everything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from steward.config import Project, Settings
from steward.config.rag import CollectionSpec
from steward.errors import InvalidRequest, NotFound, PermissionDenied
from steward.models.embeddings import RagEmbedder, get_rag_embedder
from steward.rag.grounding import GroundingChecker, GroundingVerdict, compose, strip_citations
from steward.rag.index import UsearchIndex
from steward.rag.ingest import Ingester, IngestReport, Progress
from steward.rag.search import CollectionSearch, Retrieval, describe_identifier
from steward.store import Store
from steward.types import Message, Principal, Source

BUILTIN_PREFIX = "steward:"


@dataclass(slots=True)
class Grounding:
    """What retrieval gives the pipeline: the messages to send, or a decline that replaces the model call."""

    messages: list[Message]
    sources: list[Source]
    decline: str | None = None
    retrieval_ms: float = 0.0
    identifiers: list[str] = field(default_factory=list)


def reader_groups(principal: Principal) -> tuple[str, ...] | None:
    """The groups whose documents the principal may read; None means every document (the local operator)."""
    if principal.key_id is None and principal.role == "admin":
        return None
    return tuple(sorted({*principal.groups, f"team:{principal.team}"}))


def resolve_source(path: str, root: Path) -> Path:
    """`steward:kb/airport` is the bundled demo knowledge base; other paths are relative to the project."""
    if path.startswith(BUILTIN_PREFIX):
        return Path(str(resources.files("steward.defaults").joinpath(path[len(BUILTIN_PREFIX) :])))
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else root / candidate


class Retriever:
    """Retrieval, ingestion and grounding over the collections of one project."""

    def __init__(
        self, project: Project, settings: Settings, store: Store, embedder: RagEmbedder | None = None
    ) -> None:
        self.project = project
        self.settings = settings
        self.store = store
        self.embedder = embedder or get_rag_embedder()
        self.checker = GroundingChecker(self.embedder, settings.home / "models")
        self._searchers: dict[str, CollectionSearch] = {}

    @classmethod
    def from_project(cls, project: Project, settings: Settings, store: Store, *, sync: bool = True) -> Retriever:
        """Build from an open `steward.store.Store`; sync declared `sources:`."""
        retriever = cls(project, settings, store)
        if sync:
            retriever.sync_declared()
        return retriever

    # ---- collections ----------------------------------------------------------------------------------

    def spec(self, collection: str) -> CollectionSpec:
        """The declared spec, or the defaults for a collection made ad hoc with `steward rag ingest`."""
        return self.project.collections.get(collection) or CollectionSpec()

    def _index(self, collection: str) -> UsearchIndex | None:
        if self.store.dialect == "postgresql":
            return None
        return UsearchIndex(self.settings.home / "rag", collection)

    def searcher(self, collection: str) -> CollectionSearch:
        if collection not in self._searchers:
            self._searchers[collection] = CollectionSearch(
                self.store, self.embedder, collection, self.spec(collection), self._index(collection)
            )
        return self._searchers[collection]

    def ingester(self, collection: str) -> Ingester:
        _check_name(collection)
        searcher = self.searcher(collection)  # share the index so the server's copy stays current
        return Ingester(self.store, self.embedder, collection, searcher.spec, searcher.index)

    def ingest(
        self,
        collection: str,
        paths: list[Path | str],
        groups: list[str] | None = None,
        *,
        squad: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        return self.ingester(collection).ingest(paths, groups, squad=squad, progress=progress)

    def delete(self, collection: str, key: str) -> list[str]:
        return self.ingester(collection).delete(key)

    def sync_declared(self) -> dict[str, IngestReport]:
        """Ingest the `sources:` of every declared collection (unchanged documents are skipped)."""
        reports = {}
        for name, spec in self.project.collections.items():
            if spec.sources:
                paths = [resolve_source(p, self.project.root) for p in spec.sources]
                reports[name] = self.ingest(name, list(paths))
        return reports

    def collections(self) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            stored = {c["name"]: c for c in tx.rag.list_collections()}
        for name, spec in self.project.collections.items():
            stored.setdefault(name, {"name": name, "version": 0, "updated_at": None, "documents": 0, "chunks": 0})
            stored[name]["description"] = spec.description
        return [stored[name] for name in sorted(stored)]

    def documents(self, collection: str) -> list[dict[str, Any]]:
        with self.store.reading() as tx:
            return tx.rag.list_documents(collection)

    # ---- retrieval --------------------------------------------------------------------------------------

    def search(self, collection: str, question: str, principal: Principal, top_k: int | None = None) -> Retrieval:
        """Readable chunks for a question; clear errors for an empty, unknown or forbidden collection."""
        spec = self.spec(collection)
        if not question.strip():
            raise InvalidRequest("the question is empty; ask something.", param="messages")
        if len(question) > spec.max_query_chars:
            raise InvalidRequest(
                f"the question is {len(question)} characters; collection {collection!r} searches at most "
                f"{spec.max_query_chars}. Ask a shorter question.",
                param="messages",
            )
        groups = reader_groups(principal)
        with self.store.reading() as tx:
            total, readable = tx.rag.document_counts(collection, groups)
        if total == 0:
            raise NotFound(
                f"collection {collection!r} is empty; add documents with "
                f"`steward rag ingest {collection} PATH...`."
            )
        if readable == 0:
            raise PermissionDenied(
                f"this key may not read collection {collection!r}: none of its documents is shared with the key's "
                "groups; ask an admin for a key with a reader group of the collection."
            )
        return self.searcher(collection).search(question, groups, top_k)

    def prepare(self, app: str, messages: list[Message], principal: Principal) -> Grounding:
        """Retrieve for the last user message of an app with `rag:` and build the grounded prompt."""
        started = time.perf_counter()
        spec_app = self.project.app(app)
        if not spec_app.rag:
            raise InvalidRequest(f"app {app!r} has no `rag:` collection; add one in steward.yaml.")
        user = [m for m in messages if m.role == "user"]
        if not user:
            raise InvalidRequest("the conversation has no user message to answer.", param="messages")
        retrieval = self.search(spec_app.rag, user[-1].content, principal)
        sources = to_sources(retrieval)
        if retrieval.missing:
            policy = self.spec(spec_app.rag).grounding
            missing = ", ".join(describe_identifier(v, retrieval.identifiers[v]) for v in retrieval.missing)
            decline = policy.missing_identifier.format(identifier=missing)
            return Grounding(list(messages), [], decline, _ms(started), list(retrieval.identifiers))
        return Grounding(
            self.compose(app, messages, sources), sources, None, _ms(started), list(retrieval.identifiers)
        )

    def compose(self, app: str, messages: list[Message], sources: list[Source]) -> list[Message]:
        """The grounded messages for the given sources (their `index` numbers are kept as the citations)."""
        spec_app = self.project.app(app)
        spec = self.spec(spec_app.rag or "")
        return compose(spec_app.prompt.system, spec.instructions, list(messages), sources, reminder=spec.reminder)

    def check(self, app: str, answer: str, sources: list[Source], question: str = "") -> GroundingVerdict:
        """The grounding check of an answer with the policy of the app's collection; `question`: the user's turn
        (what the user said is not the model's claim)."""
        spec_app = self.project.app(app)
        return self.checker.check(answer, sources, self.spec(spec_app.rag or "").grounding, question)

    def strip_citations(self, text: str, sources: list[Source]) -> tuple[str, list[int]]:
        """The answer without citation markers that name no given source (all of them when none was given)."""
        return strip_citations(text, {s.index for s in sources})


def to_sources(retrieval: Retrieval) -> list[Source]:
    return [
        Source(
            document_id=hit.chunk.document_key,
            chunk_id=str(hit.chunk.id),
            score=round(hit.score, 4),
            text=hit.chunk.text,
            uri=hit.chunk.uri,
            index=n,
        )
        for n, hit in enumerate(retrieval.hits, 1)
    ]


def _check_name(collection: str) -> None:
    if not collection or len(collection) > 200 or not all(c.isalnum() or c in "-_." for c in collection):
        raise InvalidRequest(f"collection name {collection!r} is not valid: use letters, digits, '-', '_' or '.'.")


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
