"""What RAG needs from the embedding model, over the process-wide all-MiniLM-L6-v2 of `steward.models`.

RAG needs three things: unit-length float32 vectors, token counts of many texts at once (chunks are sized in
the embedding tokenizer's tokens so that none is silently truncated at the model's 256-token window), and
cutting a text at a token budget (a sentence longer than a chunk). `RagEmbedder` adds the last two to the
models capability's `Embedder` using its own WordPiece tokenizer; the `Embedder` protocol below is what the
rest of `steward.rag` depends on, so tests or another model can stand in.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import numpy as np

DIMENSIONS = 384


@runtime_checkable
class Embedder(Protocol):
    """What RAG needs from an embedding model."""

    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimensions) float32 rows of unit length."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text, without the special tokens."""
        ...

    def cut(self, text: str, max_tokens: int) -> list[str]:
        """Consecutive pieces of `text` of at most `max_tokens` tokens each."""
        ...


class RagEmbedder:
    """The models capability's embedder with batch token counts and token-budget cuts."""

    dimensions = DIMENSIONS

    def __init__(self, model: Any) -> None:
        self.model = model
        tokenizer = getattr(model, "tokenizer", None) or model._model.tokenizer
        self.tokenizer: Any = tokenizer
        self.describe: Any = getattr(model, "describe", dict)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.embed(list(texts)), dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def cut(self, text: str, max_tokens: int) -> list[str]:
        offsets = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False)[
            "offset_mapping"
        ]
        pieces = []
        for start in range(0, len(offsets), max_tokens):
            begin = offsets[start][0]
            end = offsets[start + max_tokens][0] if start + max_tokens < len(offsets) else len(text)
            piece = text[begin:end].strip()
            if piece:
                pieces.append(piece)
        return pieces


@lru_cache(maxsize=1)
def load_embedder() -> Embedder:
    """The process-wide embedder (loaded on first use, then shared with the rest of Steward)."""
    from steward.models.embeddings import get_embedder

    return RagEmbedder(get_embedder())
