"""Hybrid retrieval over one collection: vector + BM25 fused by reciprocal rank, exact identifiers first.

Both rankings see only chunks the caller may read (the access clause is inside every query, and the usearch
search is given the readable ids). Reciprocal-rank fusion (`Σ weight / (rrf_k + rank)`) needs no score
calibration between cosine similarity and BM25; the fused score is reported divided by its maximum, so 1.0
means "first in every ranking". Exact identifiers beat fuzzy similarity: when the question carries one (the
collection's `identifiers:` patterns: a PNR, a flight number, a claim id), only readable chunks that contain
it verbatim may ground the answer, and when one is in no readable chunk the retrieval reports it `missing`
so the app declines without calling the model. Small models otherwise copy a look-alike record. Documents
the collection declares `lookup_only` (personal records such as bookings) are never retrieved by similarity:
only a question that names one of their identifiers reaches them.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from steward.config.rag import CollectionSpec
from steward.models.embeddings import RagEmbedder
from steward.rag.index import EXPANSION_SEARCH, UsearchIndex
from steward.rag.query import search_terms
from steward.store import ChunkRow, RagRepository, Store


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved chunk with its fused score and where it ranked."""

    chunk: ChunkRow
    score: float
    vector_rank: int | None
    keyword_rank: int | None


@dataclass(slots=True)
class Retrieval:
    """The outcome of one search."""

    hits: list[Hit]
    identifiers: dict[str, str] = field(default_factory=dict)  # value: kind, found in the question
    missing: list[str] = field(default_factory=list)  # identifier values found in no readable chunk
    embed_ms: float = 0.0
    search_ms: float = 0.0


def find_identifiers(question: str, patterns: dict[str, str]) -> dict[str, str]:
    """Identifiers in the question as {value: kind}, in order (a pattern's first group when it has one)."""
    found: dict[str, str] = {}
    for kind, pattern in patterns.items():
        for match in re.finditer(pattern, question):
            value = match.group(1) if match.groups() else match.group(0)
            if value and value not in found:
                found[value] = kind
    return found


def describe_identifier(value: str, kind: str) -> str:
    """`PNR 290049999` for a readable decline (the kind is the pattern's name in steward.yaml)."""
    return value if value.lower().startswith(kind.lower()) else f"{kind} {value}"


def contains_verbatim(text: str, identifier: str) -> bool:
    """The identifier as a whole token (290049223 is not in 2900492231), ignoring case."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(identifier)}(?![A-Za-z0-9])", text, re.IGNORECASE) is not None


def fuse(rankings: list[tuple[list[int], float]], rrf_k: int) -> dict[int, float]:
    """Reciprocal-rank fusion of ranked id lists with weights."""
    scores: dict[int, float] = {}
    for ids, weight in rankings:
        for rank, chunk_id in enumerate(ids, 1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return scores


@dataclass(eq=False)
class CollectionSearch:
    """Searches one collection; keeps a small cache of each caller's readable ids per collection version."""

    store: Store
    embedder: RagEmbedder
    name: str
    spec: CollectionSpec
    index: UsearchIndex | None
    _readable: OrderedDict[tuple[int, tuple[str, ...]], np.ndarray] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def search(self, question: str, groups: tuple[str, ...] | None, top_k: int | None = None) -> Retrieval:
        k = top_k or self.spec.top_k
        identifiers = find_identifiers(question, self.spec.identifiers)
        t1 = time.perf_counter()
        exact: dict[int, int] = {}  # chunk id: how many of the question's identifiers it contains
        missing: list[str] = []
        with self.store.reading() as tx:
            rag = tx.rag
            for identifier in identifiers:
                ids = self._containing(rag, identifier, groups)
                if not ids:
                    missing.append(identifier)
                for chunk_id in ids:
                    exact[chunk_id] = exact.get(chunk_id, 0) + 1
        if missing:  # decided before embedding anything: the app declines without a model call
            return Retrieval([], identifiers, missing, 0.0, (time.perf_counter() - t1) * 1000)
        t0 = time.perf_counter()
        vector = self.embedder.embed([question])[0]
        embed_ms = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        terms = search_terms(question)
        with self.store.transaction() as tx:
            rag = tx.rag
            nearest = self._vector(rag, vector, groups)
            keyword_ids = [i for i, _ in rag.keyword_search(self.name, terms, groups, self.spec.candidates)]
            floor, matched = self.spec.min_similarity, set(keyword_ids) | set(exact)
            vector_ids = [i for i, cosine in nearest if not floor or cosine >= floor or i in matched]
            rankings = [(vector_ids, self.spec.vector_weight), (keyword_ids, self.spec.keyword_weight)]
            if identifiers:  # only chunks with the identifiers; those with more of them first
                allowed = set(exact)
                rankings = [([i for i in ids if i in allowed], w) for ids, w in rankings]
                by_count = sorted(exact, key=lambda i: (-exact[i], i))
                rankings.append((by_count, max(self.spec.vector_weight, self.spec.keyword_weight)))
            scores = fuse(rankings, self.spec.rrf_k)
            best = sum(w for _, w in rankings) / (self.spec.rrf_k + 1)
            ranked = sorted(scores, key=lambda i: -scores[i])
            if self.spec.lookup_only:  # personal records only by their identifier: see CollectionSpec
                rows = rag.chunk_rows(ranked)
                top = [i for i in ranked if i in rows and (i in exact or not self._lookup_only(rows[i]))][:k]
            else:
                top = ranked[:k]
                rows = rag.chunk_rows(top)
        hits = [
            Hit(rows[i], scores[i] / best, _rank(vector_ids, i), _rank(keyword_ids, i))
            for i in top
            if i in rows and scores[i] / best >= self.spec.min_score
        ]
        return Retrieval(hits, identifiers, [], embed_ms, (time.perf_counter() - t1) * 1000)

    def _lookup_only(self, chunk: ChunkRow) -> bool:
        return any(fnmatch.fnmatchcase(chunk.document_key, pattern) for pattern in self.spec.lookup_only)

    def _containing(self, rag: RagRepository, identifier: str, groups: tuple[str, ...] | None) -> list[int]:
        ids = rag.chunks_containing(self.name, identifier, groups, limit=10 * self.spec.candidates)
        rows = rag.chunk_rows(ids)
        return [i for i in ids if i in rows and contains_verbatim(rows[i].text, identifier)]

    def _vector(
        self, rag: RagRepository, vector: np.ndarray, groups: tuple[str, ...] | None
    ) -> list[tuple[int, float]]:
        """The nearest readable chunks as (id, cosine similarity), nearest first."""
        if self.index is None:
            return rag.vector_search(
                self.name,
                vector,
                groups,
                self.spec.candidates,
                ef_search=max(EXPANSION_SEARCH, 2 * self.spec.candidates),  # as the usearch graph
            )
        self.index.sync(rag)
        allowed = None if groups is None else self._readable_ids(rag, groups)
        return self.index.search(vector, self.spec.candidates, allowed)

    def _readable_ids(self, rag: RagRepository, groups: tuple[str, ...]) -> np.ndarray:
        assert self.index is not None
        key = (self.index.version, groups)
        with self._lock:
            if key in self._readable:
                self._readable.move_to_end(key)
                return self._readable[key]
        ids = np.sort(rag.readable_chunk_ids(self.name, groups))
        with self._lock:
            self._readable[key] = ids
            while len(self._readable) > 64:
                self._readable.popitem(last=False)
        return ids


def _rank(ids: list[int], chunk_id: int) -> int | None:
    try:
        return ids.index(chunk_id) + 1
    except ValueError:
        return None
