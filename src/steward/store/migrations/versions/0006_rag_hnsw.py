"""RAG: build pgvector's HNSW graph with the settings measured for usearch (m 32, ef_construction 128).

`bench/retrieval.py` found 16 links per node too few for recall@10 ≥ 0.95 at 100,000 chunks; the SQLite index
(`steward.rag.index.UsearchIndex`) uses connectivity 32 and expansion_add 128, and PostgreSQL now matches it.
SQLite keeps its graph outside the database, so nothing changes there.
"""

from __future__ import annotations

from alembic import op

revision = "0006_rag_hnsw"
down_revision = "0003_rag"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_rag_chunks_embedding")
    op.execute(
        "CREATE INDEX ix_rag_chunks_embedding ON rag_chunks USING hnsw (embedding vector_cosine_ops) "
        "WITH (m = 32, ef_construction = 128)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_rag_chunks_embedding")
    op.execute("CREATE INDEX ix_rag_chunks_embedding ON rag_chunks USING hnsw (embedding vector_cosine_ops)")
