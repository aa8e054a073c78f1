"""Retrieval-augmented generation: ingest, chunk, embed, index, retrieve with access control, cite, check.

`Retriever` is what the gateway uses (`prepare` before the model, `check` after); `steward rag` drives the same
object from the command line. Modules: `documents` (file formats), `chunking`, `index` (usearch on SQLite),
`ingest`, `search` (hybrid retrieval, exact identifiers), `query` (search terms), `grounding` (prompt and
grounding check), `support` (the support scorer that grounding and the faithfulness metric share). Vectors come
from `steward.models.embeddings` (the one embedding module; RAG depends on its `RagEmbedder` protocol), the
evaluation of a collection on a question set (`steward rag eval`) lives in `steward.evals.retrieval`, and SQL in
`steward.store.rag`.
"""

from steward.rag.grounding import GroundingVerdict, SentenceSupport
from steward.rag.ingest import IngestReport
from steward.rag.retriever import Grounding, Retriever, reader_groups
from steward.rag.search import Retrieval

__all__ = [
    "Grounding",
    "GroundingVerdict",
    "IngestReport",
    "Retrieval",
    "Retriever",
    "SentenceSupport",
    "reader_groups",
]
