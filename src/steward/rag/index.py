"""The vector index of a collection: usearch HNSW beside a SQLite database, pgvector inside PostgreSQL.

Why usearch on SQLite: the chunk texts, metadata and embeddings live in the database (the source of truth,
written in transactions), and the HNSW graph is a derived file keyed by chunk id that can always be rebuilt
from them. usearch gives a sub-millisecond HNSW search on one core for 100k × 384 vectors (see
`bench/retrieval.py`), saves and loads a single file, and removes keys in place, so re-ingesting a document
updates the graph incrementally; sqlite-vec, the alternative, is exact (brute-force) search only, which is
linear in the collection. The file carries the collection `version` it reflects; when the database has moved
on (another process ingested, or a crash came between commit and save) the index is rebuilt from the stored
embeddings, so a stale graph is never searched. On PostgreSQL the same search is one SQL query on a pgvector
HNSW index (`steward.store.rag.vector_search`), filtered by access inside the database.

Access control with HNSW: when the caller may read every chunk, one search; when they may read a small part
(another tenant's documents dominate), an exact scan of just their vectors (fast because it is small); in
between, an over-fetching search whose candidates are filtered, widened until `k` readable ones are found.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from steward.store import rag as sql

EXACT_BELOW = 4096  # readable chunks under this count are scanned exactly: faster than filtering a graph walk
EXACT_FRACTION = 0.05


class UsearchIndex:
    """One collection's HNSW graph, persisted as `<folder>/<collection>.usearch` with a version stamp."""

    def __init__(
        self,
        folder: Path,
        collection: str,
        *,
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int = 128,
    ) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", collection)
        self.path = folder / f"{safe}.usearch"
        self.stamp_path = folder / f"{safe}.usearch.json"
        self.collection = collection
        self.params = {
            "connectivity": connectivity,
            "expansion_add": expansion_add,
            "expansion_search": expansion_search,
        }
        self.index = self._new()
        self.version = -2  # nothing loaded yet
        self._lock = threading.Lock()

    def _new(self) -> Any:
        from usearch.index import Index

        return Index(
            ndim=sql.DIMENSIONS,
            metric="cos",
            dtype="f32",
            connectivity=self.params["connectivity"],
            expansion_add=self.params["expansion_add"],
            expansion_search=self.params["expansion_search"],
        )

    # ---- keeping in step with the database ---------------------------------------------------------------

    def sync(self, conn: Connection) -> None:
        """Make the in-memory graph reflect the committed collection (load the file or rebuild)."""
        version = sql.collection_version(conn, self.collection)
        if version == self.version:
            return
        with self._lock:
            if version == self.version:
                return
            if self._stamp() == version and self.path.exists():
                index = self._new()
                index.load(str(self.path))
                self.index = index
            else:
                self._rebuild(conn)
                self._save(version)
            self.version = version

    def _rebuild(self, conn: Connection) -> None:
        ids, vectors = sql.embeddings(conn, self.collection)
        index = self._new()
        if len(ids):
            index.add(ids, vectors)
        self.index = index

    def apply(self, removed: list[int], added: list[int], vectors: np.ndarray, before: int, after: int) -> None:
        """Apply one writer's committed changes; when someone else wrote in between, rebuild at the next sync."""
        with self._lock:
            if self.version != before:
                self.version = -2
                self._drop_stamp()
                return
            if removed:
                self.index.remove(np.asarray(removed, dtype=np.uint64))
            if added:
                self.index.add(np.asarray(added, dtype=np.uint64), np.asarray(vectors, dtype=np.float32))
            self._save(after)
            self.version = after

    def _stamp(self) -> int | None:
        try:
            return int(json.loads(self.stamp_path.read_text())["version"])
        except (OSError, ValueError, KeyError):
            return None

    def _drop_stamp(self) -> None:
        self.stamp_path.unlink(missing_ok=True)

    def _save(self, version: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_stamp()  # a crash between the two writes leaves no stamp, hence a rebuild, never a wrong graph
        partial = self.path.with_suffix(f".tmp{os.getpid()}")
        self.index.save(str(partial))
        os.replace(partial, self.path)
        self.stamp_path.write_text(json.dumps({"version": version, "count": len(self.index)}))

    # ---- search --------------------------------------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The k nearest readable chunks as (id, cosine similarity); `allowed=None` means all are readable."""
        size = len(self.index)
        if size == 0 or k <= 0:
            return []
        if allowed is None or len(allowed) >= size:
            return _matches(self.index.search(vector, min(k, size)))
        if len(allowed) == 0:
            return []
        if len(allowed) <= EXACT_BELOW or len(allowed) < EXACT_FRACTION * size:
            return self._exact(vector, k, allowed)
        count = min(size, math.ceil(k * size / len(allowed) * 2))
        while True:
            found = [
                (key, score)
                for key, score in _matches(self.index.search(vector, count))
                if _contains(allowed, key)
            ]
            if len(found) >= k or count >= size:
                return found[:k]
            count = min(size, count * 4)

    def _exact(self, vector: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        vectors = np.asarray(self.index.get(allowed), dtype=np.float32)
        scores = vectors @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-scores)[:k]
        return [(int(allowed[i]), float(scores[i])) for i in top]


def _matches(matches: Any) -> list[tuple[int, float]]:
    return [
        (int(key), 1.0 - float(distance)) for key, distance in zip(matches.keys, matches.distances, strict=True)
    ]


def _contains(sorted_ids: np.ndarray, key: int) -> bool:
    position = np.searchsorted(sorted_ids, key)
    return bool(position < len(sorted_ids) and sorted_ids[position] == key)
