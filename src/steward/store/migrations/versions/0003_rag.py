"""RAG: documents, reader groups, chunks with embeddings; FTS5 on SQLite, pgvector + tsvector on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_rag"
down_revision = "0001_initial"
branch_labels = ("rag",)

DIMENSIONS = 384  # all-MiniLM-L6-v2


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "rag_collections",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "rag_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("key", sa.String(1000), nullable=False),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("ingested_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.UniqueConstraint("collection", "key", name="uq_rag_documents_collection_key"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "rag_document_groups",
        sa.Column(
            "document_id", sa.Integer, sa.ForeignKey("rag_documents.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("grp", sa.String(200), primary_key=True),
    )
    op.create_index("ix_rag_document_groups_grp", "rag_document_groups", ["grp"])
    columns = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id", sa.Integer, sa.ForeignKey("rag_documents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("section", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tokens", sa.Integer, nullable=False),
    ]
    if not postgres:
        columns.append(sa.Column("embedding", sa.LargeBinary, nullable=False))
    op.create_table("rag_chunks", *columns, sqlite_autoincrement=True)  # type: ignore[arg-type]
    op.create_index("ix_rag_chunks_document_id", "rag_chunks", ["document_id"])
    op.create_index("ix_rag_chunks_collection", "rag_chunks", ["collection"])
    if postgres:
        op.execute(f"ALTER TABLE rag_chunks ADD COLUMN embedding vector({DIMENSIONS}) NOT NULL")
        op.execute(
            "ALTER TABLE rag_chunks ADD COLUMN tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED"
        )
        op.execute("CREATE INDEX ix_rag_chunks_embedding ON rag_chunks USING hnsw (embedding vector_cosine_ops)")
        op.execute("CREATE INDEX ix_rag_chunks_tsv ON rag_chunks USING gin (tsv)")
    else:
        # External-content FTS5 over rag_chunks.text, kept in step by triggers inside the writing transaction.
        op.execute(
            "CREATE VIRTUAL TABLE rag_fts USING fts5(text, content='rag_chunks', content_rowid='id', "
            "tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER rag_chunks_ai AFTER INSERT ON rag_chunks BEGIN "
            "INSERT INTO rag_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER rag_chunks_ad AFTER DELETE ON rag_chunks BEGIN "
            "INSERT INTO rag_fts(rag_fts, rowid, text) VALUES ('delete', old.id, old.text); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS rag_chunks_ad")
        op.execute("DROP TRIGGER IF EXISTS rag_chunks_ai")
        op.execute("DROP TABLE IF EXISTS rag_fts")
    op.drop_table("rag_chunks")
    op.drop_table("rag_document_groups")
    op.drop_table("rag_documents")
    op.drop_table("rag_collections")
