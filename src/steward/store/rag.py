"""SQL of the RAG capability: documents, their reader groups, chunks with embeddings, keyword and vector search.

The database is the source of truth for everything RAG knows: document provenance (uri, content hash,
version, ingested_at), reader groups, chunk texts and their embeddings. On SQLite the keyword index is an
FTS5 table kept in step with `rag_chunks` by triggers (ranked with `bm25()`), and the vector index is a
usearch HNSW file beside the database that is rebuilt from the stored embeddings whenever it is missing or
older than the collection's `version` (see `steward.rag.index`). On PostgreSQL both live in the table:
a pgvector `vector(384)` column with an HNSW index, and a generated `tsvector` column with a GIN index.
Access control is one clause, `_readable`, applied by every query that returns chunks. The queries are methods
of `RagRepository`, which a unit of work hands out as `tx.rag` (`with store.transaction() as tx:`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, UserDefinedType

from steward.store.schema import metadata

DIMENSIONS = 384


class _PgVector(UserDefinedType[Any]):
    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return f"vector({DIMENSIONS})"

    def bind_expression(self, bindvalue: Any) -> Any:
        return cast(bindvalue, self)  # psycopg sends text; PostgreSQL parses it as a vector


class Embedding(TypeDecorator[np.ndarray]):
    """A float32 vector: raw bytes on SQLite, pgvector's `vector(384)` on PostgreSQL."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PgVector())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        vector = np.asarray(value, dtype=np.float32)
        if dialect.name == "postgresql":
            return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"
        return vector.tobytes()

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return np.asarray(json.loads(value), dtype=np.float32)
        return np.frombuffer(value, dtype=np.float32)


rag_collections = Table(
    "rag_collections",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

rag_documents = Table(
    "rag_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("collection", String(200), nullable=False),
    Column("key", String(1000), nullable=False),
    Column("uri", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("ingested_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("groups", Text, nullable=False),  # JSON list, for display; rag_document_groups is what queries use
    Column("meta", Text, nullable=False),
    Column("chunks", Integer, nullable=False),
    UniqueConstraint("collection", "key", name="uq_rag_documents_collection_key"),
    sqlite_autoincrement=True,
)

rag_document_groups = Table(
    "rag_document_groups",
    metadata,
    Column("document_id", Integer, ForeignKey("rag_documents.id", ondelete="CASCADE"), primary_key=True),
    Column("grp", String(200), primary_key=True),
    Index("ix_rag_document_groups_grp", "grp"),
)

rag_chunks = Table(
    "rag_chunks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # never reused: it keys the vector index
    Column("document_id", Integer, ForeignKey("rag_documents.id", ondelete="CASCADE"), nullable=False),
    Column("collection", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("section", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("tokens", Integer, nullable=False),
    Column("embedding", Embedding(), nullable=False),
    Index("ix_rag_chunks_document_id", "document_id"),
    Index("ix_rag_chunks_collection", "collection"),
    sqlite_autoincrement=True,
)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """What the ingester compares against: a document's identity and content hash."""

    id: int
    key: str
    content_hash: str
    version: int
    groups: tuple[str, ...]
    uri: str


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """A chunk with its document's provenance, as retrieval returns it."""

    id: int
    document_key: str
    position: int
    section: str
    text: str
    uri: str
    title: str
    version: int


def _readable(collection: str, groups: Sequence[str] | None) -> ColumnElement[bool]:
    """The access-control clause: chunks of the collection whose document shares a group with the caller."""
    clause = rag_chunks.c.collection == collection
    if groups is None:
        return clause
    readable_docs = select(rag_document_groups.c.document_id).where(rag_document_groups.c.grp.in_(list(groups)))
    return and_(clause, rag_chunks.c.document_id.in_(readable_docs))


class RagRepository:
    """The RAG tables on one unit of work (`tx.rag`): collections, documents, chunks, keyword and vector search."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # ---- collections --------------------------------------------------------------------------------------

    def collection_version(self, name: str) -> int:
        """Bumped by every committed write to the collection; -1 when the collection was never written."""
        version = self._conn.execute(
            select(rag_collections.c.version).where(rag_collections.c.name == name)
        ).scalar()
        return -1 if version is None else int(version)

    def bump_collection(self, name: str) -> int:
        updated = self._conn.execute(
            update(rag_collections)
            .where(rag_collections.c.name == name)
            .values(version=rag_collections.c.version + 1, updated_at=time.time())
        )
        if updated.rowcount == 0:
            self._conn.execute(insert(rag_collections).values(name=name, version=1, updated_at=time.time()))
        return self.collection_version(name)

    def list_collections(self) -> list[dict[str, Any]]:
        docs = (
            select(
                rag_documents.c.collection,
                func.count().label("documents"),
                func.sum(rag_documents.c.chunks).label("chunks"),
            )
            .group_by(rag_documents.c.collection)
            .subquery()
        )
        rows = self._conn.execute(
            select(
                rag_collections.c.name,
                rag_collections.c.version,
                rag_collections.c.updated_at,
                docs.c.documents,
                docs.c.chunks,
            )
            .select_from(rag_collections.outerjoin(docs, docs.c.collection == rag_collections.c.name))
            .order_by(rag_collections.c.name)
        )
        return [
            {
                "name": r.name,
                "version": r.version,
                "updated_at": r.updated_at,
                "documents": int(r.documents or 0),
                "chunks": int(r.chunks or 0),
            }
            for r in rows
        ]

    def document_counts(self, collection: str, groups: Sequence[str] | None) -> tuple[int, int]:
        """(documents in the collection, documents the groups may read); `groups=None` reads everything."""
        total = self._conn.execute(
            select(func.count()).select_from(rag_documents).where(rag_documents.c.collection == collection)
        ).scalar_one()
        if groups is None:
            return int(total), int(total)
        readable = self._conn.execute(
            select(func.count())
            .select_from(rag_documents)
            .where(
                rag_documents.c.collection == collection,
                rag_documents.c.id.in_(
                    select(rag_document_groups.c.document_id).where(rag_document_groups.c.grp.in_(groups))
                ),
            )
        ).scalar_one()
        return int(total), int(readable)

    def list_documents(self, collection: str) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            select(rag_documents).where(rag_documents.c.collection == collection).order_by(rag_documents.c.key)
        )
        return [
            {
                "key": r.key,
                "uri": r.uri,
                "title": r.title,
                "kind": r.kind,
                "version": r.version,
                "chunks": r.chunks,
                "content_hash": r.content_hash,
                "ingested_at": r.ingested_at,
                "updated_at": r.updated_at,
                "groups": json.loads(r.groups),
            }
            for r in rows
        ]

    # ---- documents ----------------------------------------------------------------------------------------

    def stored_documents(self, collection: str) -> dict[str, StoredDocument]:
        rows = self._conn.execute(
            select(
                rag_documents.c.id,
                rag_documents.c.key,
                rag_documents.c.content_hash,
                rag_documents.c.version,
                rag_documents.c.groups,
                rag_documents.c.uri,
            ).where(rag_documents.c.collection == collection)
        )
        return {
            r.key: StoredDocument(r.id, r.key, r.content_hash, r.version, tuple(json.loads(r.groups)), r.uri)
            for r in rows
        }

    def save_document(
        self,
        collection: str,
        fields: dict[str, Any],
        groups: Sequence[str],
        previous: StoredDocument | None,
    ) -> int:
        """Insert or update one document row and its reader groups; returns its id."""
        now = time.time()
        values = {**fields, "groups": json.dumps(sorted(groups)), "updated_at": now}
        if previous is None:
            values.update(collection=collection, version=1, ingested_at=now)
            inserted = self._conn.execute(insert(rag_documents).values(**values)).inserted_primary_key
            assert inserted is not None
            document_id = int(inserted[0])
        else:
            values["version"] = previous.version + (
                1 if fields.get("content_hash") != previous.content_hash else 0
            )
            self._conn.execute(update(rag_documents).where(rag_documents.c.id == previous.id).values(**values))
            self._conn.execute(delete(rag_document_groups).where(rag_document_groups.c.document_id == previous.id))
            document_id = previous.id
        self._conn.execute(
            insert(rag_document_groups), [{"document_id": document_id, "grp": g} for g in sorted(set(groups))]
        )
        return document_id

    def delete_chunks(self, document_id: int) -> list[int]:
        """Delete a document's chunks; returns their ids (to remove from the vector index)."""
        ids = [
            int(i)
            for i in self._conn.execute(
                select(rag_chunks.c.id).where(rag_chunks.c.document_id == document_id)
            ).scalars()
        ]
        self._conn.execute(delete(rag_chunks).where(rag_chunks.c.document_id == document_id))
        return ids

    def insert_chunks(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert chunk rows (with `embedding` arrays); returns their new ids in order."""
        if not rows:
            return []
        result = self._conn.execute(
            insert(rag_chunks).returning(rag_chunks.c.id, sort_by_parameter_order=True), rows
        )
        return [int(i) for i in result.scalars()]

    def delete_document(self, document_id: int) -> list[int]:
        chunk_ids = self.delete_chunks(document_id)
        self._conn.execute(delete(rag_document_groups).where(rag_document_groups.c.document_id == document_id))
        self._conn.execute(delete(rag_documents).where(rag_documents.c.id == document_id))
        return chunk_ids

    # ---- retrieval ----------------------------------------------------------------------------------------

    def readable_chunk_ids(self, collection: str, groups: Sequence[str] | None) -> np.ndarray:
        ids = self._conn.execute(select(rag_chunks.c.id).where(_readable(collection, groups))).scalars().all()
        return np.asarray(ids, dtype=np.uint64)

    def chunk_count(self, collection: str) -> int:
        return int(
            self._conn.execute(select(func.count()).where(rag_chunks.c.collection == collection)).scalar_one()
        )

    def embeddings(self, collection: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every chunk of the collection, to rebuild the vector index."""
        rows = self._conn.execute(
            select(rag_chunks.c.id, rag_chunks.c.embedding).where(rag_chunks.c.collection == collection)
        )
        ids, vectors = [], []
        for row in rows:
            ids.append(row.id)
            vectors.append(row.embedding)
        if not ids:
            return np.zeros(0, dtype=np.uint64), np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.asarray(ids, dtype=np.uint64), np.vstack(vectors).astype(np.float32)

    def keyword_search(
        self, collection: str, terms: Sequence[str], groups: Sequence[str] | None, limit: int
    ) -> list[tuple[int, float]]:
        """BM25-ranked (chunk id, score) with the higher score better: FTS5 `bm25()` or PostgreSQL `ts_rank_cd`.

        `terms` are the question's search terms (`steward.rag.query.search_terms`): words, lower-case, no stop
        words.
        """
        if not terms:
            return []
        readable = _readable(collection, groups)
        if self._conn.dialect.name == "postgresql":
            tsquery = func.to_tsquery("english", " | ".join(terms))
            tsv: ColumnElement[Any] = literal_column("rag_chunks.tsv")
            rank = func.ts_rank_cd(tsv, tsquery)
            stmt = (
                select(rag_chunks.c.id, rank.label("score"))
                .where(readable, tsv.op("@@")(tsquery))
                .order_by(rank.desc())
                .limit(limit)
            )
            return [(int(r.id), float(r.score)) for r in self._conn.execute(stmt)]
        match = " OR ".join(f'"{t}"' for t in terms)
        stmt = (
            select(rag_chunks.c.id, literal_column("bm25(rag_fts)").label("score"))
            .select_from(rag_chunks.join(text("rag_fts"), literal_column("rag_fts.rowid") == rag_chunks.c.id))
            .where(text("rag_fts MATCH :match"), readable)
            .order_by(literal_column("bm25(rag_fts)"))
            .limit(limit)
        )
        return [(int(r.id), -float(r.score)) for r in self._conn.execute(stmt, {"match": match})]

    def vector_search(
        self, collection: str, vector: np.ndarray, groups: Sequence[str] | None, limit: int, ef_search: int
    ) -> list[tuple[int, float]]:
        """PostgreSQL only: pgvector HNSW nearest neighbours by cosine, filtered by access (iterative scan)."""
        self._conn.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef_search)}"))
        self._conn.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        distance = rag_chunks.c.embedding.op("<=>", return_type=Float)(
            bindparam("query", vector, type_=Embedding())
        )
        stmt = (
            select(rag_chunks.c.id, distance.label("distance"))
            .where(_readable(collection, groups))
            .order_by(distance)
            .limit(limit)
        )
        return [(int(r.id), 1.0 - float(r.distance)) for r in self._conn.execute(stmt)]

    def chunks_containing(
        self, collection: str, needle: str, groups: Sequence[str] | None, limit: int
    ) -> list[int]:
        """Readable chunks whose text contains `needle` (case-insensitive); the caller checks word boundaries."""
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = (
            select(rag_chunks.c.id)
            .where(_readable(collection, groups), rag_chunks.c.text.ilike(pattern, escape="\\"))
            .order_by(rag_chunks.c.id)
            .limit(limit)
        )
        return [int(i) for i in self._conn.execute(stmt).scalars()]

    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        wanted = list(ids)
        if not wanted:
            return {}
        rows = self._conn.execute(
            select(
                rag_chunks.c.id,
                rag_chunks.c.position,
                rag_chunks.c.section,
                rag_chunks.c.text,
                rag_documents.c.key,
                rag_documents.c.uri,
                rag_documents.c.title,
                rag_documents.c.version,
            )
            .select_from(rag_chunks.join(rag_documents, rag_documents.c.id == rag_chunks.c.document_id))
            .where(rag_chunks.c.id.in_(wanted))
        )
        return {
            r.id: ChunkRow(int(r.id), r.key, r.position, r.section, r.text, r.uri, r.title, r.version)
            for r in rows
        }
