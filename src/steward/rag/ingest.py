"""Ingestion: files → documents → chunks → embeddings → the store and the vector index, incrementally.

A document is identified in its collection by its key; its content hash decides whether it changed. Unchanged
documents are not touched (no re-embedding, no version bump), changed ones get new chunks and `version + 1`,
and documents that disappeared from a file that was read again (a deleted csv row) are removed. Work is done
in batches: the chunks of a batch are embedded together outside any transaction, then the batch's rows are
written in one transaction, so a crash or a failure leaves every document either as it was or wholly new.
Files that cannot be read are reported by name and skipped; their documents already stored stay as they are.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from steward.config.rag import CollectionSpec
from steward.errors import InvalidRequest, NotFound
from steward.models.embeddings import RagEmbedder
from steward.rag.chunking import Chunk, Chunker
from steward.rag.documents import Document, UnreadableFile, read_file, walk
from steward.rag.index import UsearchIndex
from steward.store import VECTOR_DIMENSIONS, Store, StoredDocument

BATCH_CHUNKS = 256
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class IngestReport:
    """What one ingest did, document by document."""

    collection: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    regrouped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "added": self.added,
            "updated": self.updated,
            "regrouped": self.regrouped,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "chunks": self.chunks,
            "embed_seconds": round(self.embed_seconds, 3),
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class _Pending:
    document: Document
    groups: tuple[str, ...]
    previous: StoredDocument | None
    chunks: list[Chunk]
    regroup: bool = False  # same content, new readers: rewrite the groups only


def check_groups(groups: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(sorted({g.strip() for g in groups if g.strip()}))
    if not cleaned:
        raise InvalidRequest(
            "give at least one reader group (`--groups team:default`), or none to use the defaults."
        )
    for group in cleaned:
        if len(group) > 200 or any(c in group for c in ",\n"):
            raise InvalidRequest(f"reader group {group!r} is not valid: at most 200 characters, no commas.")
    return cleaned


class Ingester:
    """Writes documents into one collection of the store."""

    def __init__(
        self,
        store: Store,
        embedder: RagEmbedder,
        collection: str,
        spec: CollectionSpec,
        index: UsearchIndex | None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.collection = collection
        self.spec = spec
        self.index = index  # None on PostgreSQL, where the vector index is inside the database
        self.chunker = Chunker(embedder, spec.chunk_tokens, spec.overlap_tokens)

    def ingest(
        self,
        paths: Sequence[Path | str],
        groups: Sequence[str] | None = None,
        *,
        squad: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders; see the module docstring for what is and is not rewritten."""
        started = time.perf_counter()
        report = IngestReport(self.collection)
        explicit = check_groups(groups) if groups is not None else None
        files: dict[str, list[Document]] = {}
        for path, key in walk([Path(p) for p in paths]):
            try:
                files[path.resolve().as_uri()] = read_file(path, key, squad=squad)
            except UnreadableFile as exc:
                report.skipped.append((exc.path, exc.reason))
        with self.store.reading() as tx:
            rag = tx.rag
            stored = rag.stored_documents(self.collection)
            if self.index is not None:
                self.index.sync(rag)
        documents = [d for docs in files.values() for d in docs]
        _check_unique(documents)
        pending = self._plan(documents, stored, explicit, report)
        self._write(pending, report, progress, total=len(pending))
        self._prune(files, stored, report)
        report.seconds = time.perf_counter() - started
        return report

    def _plan(
        self,
        documents: list[Document],
        stored: dict[str, StoredDocument],
        explicit: tuple[str, ...] | None,
        report: IngestReport,
    ) -> list[_Pending]:
        pending = []
        for document in documents:
            previous = stored.get(document.key)
            groups = explicit or (previous.groups if previous else tuple(self.spec.readers))
            if previous and previous.content_hash == document.content_hash:
                if previous.groups == groups and previous.uri == document.uri:
                    report.unchanged += 1
                else:
                    pending.append(_Pending(document, groups, previous, [], regroup=True))
                continue
            chunks = self.chunker.chunk(document.blocks)
            if not chunks:
                report.skipped.append((document.uri, "no text to index"))
                continue
            pending.append(_Pending(document, groups, previous, chunks))
        return pending

    def _write(self, pending: list[_Pending], report: IngestReport, progress: Progress | None, total: int) -> None:
        batch: list[_Pending] = []
        done = 0
        for item in pending:
            batch.append(item)
            if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS:
                self._write_batch(batch, report)
                done += len(batch)
                batch = []
                if progress:
                    progress(done, total)
        if batch:
            self._write_batch(batch, report)
            done += len(batch)
            if progress:
                progress(done, total)

    def _write_batch(self, batch: list[_Pending], report: IngestReport) -> None:
        texts = [c.text for p in batch for c in p.chunks]
        vectors = np.zeros((0, VECTOR_DIMENSIONS), np.float32)
        if texts:  # a batch of regrouped documents embeds nothing
            t0 = time.perf_counter()
            vectors = self.embedder.embed(texts)
            report.embed_seconds += time.perf_counter() - t0
        removed: list[int] = []
        added: list[int] = []
        added_vectors: list[np.ndarray] = []
        offset = 0
        with self.store.transaction() as tx:
            rag = tx.rag
            before = rag.collection_version(self.collection)
            for item in batch:
                document = item.document
                fields: dict[str, object] = {
                    "key": document.key,
                    "uri": document.uri,
                    "title": document.title,
                    "kind": document.kind,
                    "content_hash": document.content_hash,
                    "meta": json.dumps(document.metadata, default=str),
                }
                if not item.regroup:
                    fields["chunks"] = len(item.chunks)
                document_id = rag.save_document(self.collection, fields, item.groups, item.previous)
                if item.regroup:
                    report.regrouped.append(document.key)
                    continue
                if item.previous is not None:
                    removed.extend(rag.delete_chunks(document_id))
                rows = [
                    {
                        "document_id": document_id,
                        "collection": self.collection,
                        "position": c.position,
                        "section": c.section,
                        "text": c.text,
                        "tokens": c.tokens,
                        "embedding": vectors[offset + i],
                    }
                    for i, c in enumerate(item.chunks)
                ]
                added.extend(rag.insert_chunks(rows))
                added_vectors.append(vectors[offset : offset + len(item.chunks)])
                offset += len(item.chunks)
                (report.updated if item.previous else report.added).append(document.key)
                report.chunks += len(item.chunks)
            after = rag.bump_collection(self.collection)
        if self.index is not None:
            stacked = np.vstack(added_vectors) if added_vectors else np.zeros((0, VECTOR_DIMENSIONS), np.float32)
            self.index.apply(removed, added, stacked, before, after)

    def _prune(
        self, files: dict[str, list[Document]], stored: dict[str, StoredDocument], report: IngestReport
    ) -> None:
        """Documents of a file read again that the file no longer contains (a removed row) are deleted."""
        present = {d.key for docs in files.values() for d in docs}
        gone = [
            doc
            for doc in stored.values()
            if doc.key not in present and any(doc.uri == uri or doc.uri.startswith(uri + "#") for uri in files)
        ]
        if gone:
            self.delete_documents(gone)
            report.removed.extend(d.key for d in gone)

    def delete(self, key: str) -> list[str]:
        """Delete a document by key, or every document of a file by the file's key; returns the keys deleted."""
        with self.store.reading() as tx:
            stored = tx.rag.stored_documents(self.collection)
        matched = [d for d in stored.values() if d.key == key or d.key.startswith(key + "#")]
        if not matched:
            if not stored:
                raise NotFound(f"collection {self.collection!r} has no documents; see `steward rag list`.")
            near = sorted(k for k in stored if key.lower() in k.lower())[:5] or sorted(stored)[:5]
            raise NotFound(
                f"no document {key!r} in collection {self.collection!r}; "
                f"documents include: {', '.join(near)} (see `steward rag list {self.collection}`)."
            )
        self.delete_documents(matched)
        return sorted(d.key for d in matched)

    def delete_documents(self, documents: list[StoredDocument]) -> None:
        removed: list[int] = []
        if self.index is not None:
            with self.store.reading() as tx:
                self.index.sync(tx.rag)
        with self.store.transaction() as tx:
            rag = tx.rag
            before = rag.collection_version(self.collection)
            for document in documents:
                removed.extend(rag.delete_document(document.id))
            after = rag.bump_collection(self.collection)
        if self.index is not None:
            self.index.apply(removed, [], np.zeros((0, VECTOR_DIMENSIONS), np.float32), before, after)


def _check_unique(documents: list[Document]) -> None:
    seen: dict[str, str] = {}
    for document in documents:
        if document.key in seen and seen[document.key] != document.uri:
            raise InvalidRequest(
                f"two files give the document key {document.key!r} ({seen[document.key]} and {document.uri}); "
                "ingest them in separate calls or rename one."
            )
        seen[document.key] = document.uri
