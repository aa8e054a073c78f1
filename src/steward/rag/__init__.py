"""Retrieval-augmented generation: ingest, chunk, embed, index, retrieve with access control, cite, check.

`Retriever` is what the gateway uses (`prepare` before the model, `check` after); `steward rag` drives the same
object from the command line. Modules: `documents` (file formats), `chunking`, `index` (usearch
on SQLite), `ingest`, `search` (hybrid retrieval, exact identifiers), `grounding` (prompt and grounding check),
`evaluation` (retrieval and answer metrics). SQL lives in `steward.store.rag`.
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
