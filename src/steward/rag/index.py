"""The vector index of a collection: usearch HNSW beside a SQLite database, pgvector inside PostgreSQL.

Why usearch on SQLite: the chunk texts, metadata and embeddings live in the database (the source of truth,
written in transactions), and the HNSW graph is a derived file keyed by chunk id that can always be rebuilt
from them. usearch saves and loads a single file and removes keys in place, so re-ingesting a document
updates the graph incrementally; sqlite-vec, the alternative, is exact (brute-force) search only, which is
linear in the collection. The file carries the collection `version` it reflects; when the database has moved
on (another process ingested, or a crash came between commit and save) the index is rebuilt from the stored
embeddings, so a stale graph is never searched. On PostgreSQL the same search is one SQL query on a pgvector
HNSW index (`RagRepository.vector_search`), filtered by access inside the database.

Settings (measured by `bench/retrieval.py`, 100k × 384 on one core): the graph stores int8-quantised vectors
(a quarter of the memory traffic of float32, and int8 dot products are fast on VNNI CPUs) with 32 links per
node, built with `expansion_add` 128 and searched with `expansion_search` 96; the graph's candidates (at least
40, or twice what is asked) are then re-ranked exactly with the float32 embeddings kept beside it, so the
scores returned are exact cosines and the quantisation costs no recall. Adding uses every core (ingest is a
batch job); a search uses one thread.

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

from steward.store import VECTOR_DIMENSIONS, RagRepository

EXACT_BELOW = 4096  # readable chunks under this count are scanned exactly: faster than filtering a graph walk
EXACT_FRACTION = 0.05
DTYPE = "i8"
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 96
RERANK_AT_LEAST = 40  # graph candidates re-ranked exactly: max(this, 2 × k)


class ExactVectors:
    """The float32 embeddings by chunk id, for the exact re-rank of the quantised graph's candidates.

    Rows are appended into spare capacity and never reused (a removed chunk's row just loses its key), so a
    search that read the id map before a write still reads the vectors it expects; the matrix is compacted
    when half of it is dead, which builds a new array and swaps both in one assignment.
    """

    def __init__(self) -> None:
        self._state: tuple[dict[int, int], np.ndarray] = ({}, np.zeros((0, VECTOR_DIMENSIONS), np.float32))
        self._used = 0

    def __len__(self) -> int:
        return len(self._state[0])

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        rows, matrix = self._state
        if self._used + len(keys) > len(matrix):
            grown = np.zeros((max(2 * len(matrix), self._used + len(keys), 1024), VECTOR_DIMENSIONS), np.float32)
            grown[: self._used] = matrix[: self._used]
            matrix = grown
        matrix[self._used : self._used + len(keys)] = vectors
        rows = dict(rows)
        rows.update((int(key), self._used + i) for i, key in enumerate(keys))
        self._used += len(keys)
        self._state = (rows, matrix)

    def remove(self, keys: np.ndarray) -> None:
        rows, matrix = self._state
        gone = {int(key) for key in keys}
        rows = {key: row for key, row in rows.items() if key not in gone}
        if len(rows) < self._used // 2:
            order = list(rows.items())
            matrix = matrix[[row for _, row in order]] if order else matrix[:0]
            rows = {key: i for i, (key, _) in enumerate(order)}
            self._used = len(rows)
        self._state = (rows, matrix)

    def scores(self, keys: list[int], vector: np.ndarray) -> tuple[list[int], np.ndarray]:
        """The keys that are present and their exact cosine similarity to `vector` (unit vectors)."""
        rows, matrix = self._state
        present = [key for key in keys if key in rows]
        return present, matrix[[rows[key] for key in present]] @ np.asarray(vector, dtype=np.float32)


class UsearchIndex:
    """One collection's HNSW graph, persisted as `<folder>/<collection>.usearch` with a version stamp."""

    def __init__(
        self,
        folder: Path,
        collection: str,
        *,
        connectivity: int = CONNECTIVITY,
        expansion_add: int = EXPANSION_ADD,
        expansion_search: int = EXPANSION_SEARCH,
        dtype: str = DTYPE,
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
        self.dtype = dtype
        self.index = self._new()
        self.exact = ExactVectors()
        self.version = -2  # nothing loaded yet
        self._lock = threading.Lock()

    def _new(self) -> Any:
        from usearch.index import Index

        return Index(
            ndim=VECTOR_DIMENSIONS,
            metric="cos",
            dtype=self.dtype,
            connectivity=self.params["connectivity"],
            expansion_add=self.params["expansion_add"],
            expansion_search=self.params["expansion_search"],
        )

    # ---- keeping in step with the database ---------------------------------------------------------------

    def sync(self, rag: RagRepository) -> None:
        """Make the in-memory graph reflect the committed collection (load the file or rebuild)."""
        version = rag.collection_version(self.collection)
        if version == self.version:
            return
        with self._lock:
            if version == self.version:
                return
            if self._stamp() == version and self.path.exists():
                index = self._new()
                index.load(str(self.path))
                exact = ExactVectors()
                exact.add(*rag.embeddings(self.collection))
                self.index, self.exact = index, exact
            else:
                self._rebuild(rag)
                self._save(version)
            self.version = version

    def _rebuild(self, rag: RagRepository) -> None:
        ids, vectors = rag.embeddings(self.collection)
        index, exact = self._new(), ExactVectors()
        if len(ids):
            index.add(ids, vectors, threads=0)  # 0: every core; ingest is a batch job
            exact.add(ids, vectors)
        self.index, self.exact = index, exact

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors to the graph (every core) and to the exact copy; no persistence (see `apply`)."""
        keys, vectors = np.asarray(keys, dtype=np.uint64), np.asarray(vectors, dtype=np.float32)
        self.index.add(keys, vectors, threads=0)
        self.exact.add(keys, vectors)

    def apply(self, removed: list[int], added: list[int], vectors: np.ndarray, before: int, after: int) -> None:
        """Apply one writer's committed changes; when someone else wrote in between, rebuild at the next sync."""
        with self._lock:
            if self.version != before:
                self.version = -2
                self._drop_stamp()
                return
            if removed:
                self.index.remove(np.asarray(removed, dtype=np.uint64))
                self.exact.remove(np.asarray(removed, dtype=np.uint64))
            if added:
                self.add(np.asarray(added), vectors)
            self._save(after)
            self.version = after

    def _stamp(self) -> int | None:
        """The collection version the saved graph reflects; None when it was built with other settings (an
        older release's float32 graph, say), so that it is rebuilt rather than loaded."""
        try:
            stamp = json.loads(self.stamp_path.read_text())
            return int(stamp["version"]) if stamp.get("settings") == self._settings() else None
        except (OSError, ValueError, KeyError, AttributeError):
            return None

    def _settings(self) -> dict[str, Any]:
        """What shapes the saved graph (`expansion_search` only shapes a search)."""
        return {
            "dtype": self.dtype,
            "connectivity": self.params["connectivity"],
            "add": self.params["expansion_add"],
        }

    def _drop_stamp(self) -> None:
        self.stamp_path.unlink(missing_ok=True)

    def _save(self, version: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_stamp()  # a crash between the two writes leaves no stamp, hence a rebuild, never a wrong graph
        partial = self.path.with_suffix(f".tmp{os.getpid()}")
        self.index.save(str(partial))
        os.replace(partial, self.path)
        stamp = {"version": version, "count": len(self.index), "settings": self._settings()}
        self.stamp_path.write_text(json.dumps(stamp))

    # ---- search --------------------------------------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The k nearest readable chunks as (id, cosine similarity); `allowed=None` means all are readable."""
        size = len(self.index)
        if size == 0 or k <= 0:
            return []
        fetch = max(RERANK_AT_LEAST, 2 * k)
        if allowed is None or len(allowed) >= size:
            return self._rerank(vector, self._candidates(vector, min(fetch, size)), k)
        if len(allowed) == 0:
            return []
        if len(allowed) <= EXACT_BELOW or len(allowed) < EXACT_FRACTION * size:
            return self._rerank(vector, [int(key) for key in allowed], k)
        count = min(size, math.ceil(fetch * size / len(allowed) * 2))
        while True:
            found = [key for key in self._candidates(vector, count) if _contains(allowed, key)]
            if len(found) >= k or count >= size:
                return self._rerank(vector, found, k)
            count = min(size, count * 4)

    def _candidates(self, vector: np.ndarray, count: int) -> list[int]:
        # usearch widens its beam to max(expansion_search, count), as HNSW's ef must be at least k
        return [int(key) for key in self.index.search(vector, count, threads=1).keys]

    def _rerank(self, vector: np.ndarray, keys: list[int], k: int) -> list[tuple[int, float]]:
        present, scores = self.exact.scores(keys, vector)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(present[i], float(scores[i])) for i in top]


def _contains(sorted_ids: np.ndarray, key: int) -> bool:
    position = np.searchsorted(sorted_ids, key)
    return bool(position < len(sorted_ids) and sorted_ids[position] == key)
