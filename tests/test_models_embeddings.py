"""all-MiniLM-L6-v2 embeddings from the installed package: shape, normalisation, meaning, tokens, provenance."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from steward.models.embeddings import DIMENSION, WEIGHTS_SHA256, Embedder, get_embedder

pytestmark = pytest.mark.slow


def test_vectors_are_normalised_float32_rows() -> None:
    vectors = get_embedder().embed(["Where is gate 12?", "Is my flight delayed?", "x" * 5000])
    assert vectors.shape == (3, DIMENSION)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert get_embedder().embed([]).shape == (0, DIMENSION)


def test_paraphrases_are_closer_than_unrelated_text() -> None:
    question, paraphrase, unrelated = get_embedder().embed(
        ["How do I get to gate 12?", "What is the way to gate twelve?", "Preheat the oven to 200 degrees."]
    )
    assert question @ paraphrase > 0.6
    assert question @ paraphrase > question @ unrelated + 0.4


def test_batches_give_the_same_vectors_as_one_by_one() -> None:
    texts = [f"booking reference number {i}" for i in range(40)]
    together = get_embedder().embed(texts)
    alone = np.vstack([get_embedder().embed([t]) for t in texts[:3]])
    assert np.allclose(together[:3], alone, atol=1e-5)
    assert np.allclose(asyncio.run(get_embedder().aembed(texts[:3])), alone, atol=1e-5)


def test_tokens_and_provenance() -> None:
    embedder = get_embedder()
    assert embedder.count_tokens("Where is gate 12?") == 5  # where / is / gate / 12 / ?
    assert embedder.count_tokens("") == 0
    assert embedder.max_tokens == 256
    assert embedder.describe()["sha256"] == WEIGHTS_SHA256
    assert get_embedder() is embedder is Embedder.shared()  # loaded once per process


PACKED_TEXTS = [
    "Could you tell me whether the flight still leaves from terminal 2, gate B12, at 10:45?",
    "ok",
    "",
    "word " * 400,  # past the 256-token window: cut there, as `embed` cuts it
    "You are a useless piece of shit.",
]


def test_packed_float32_vectors_are_the_embedders_vectors() -> None:
    from steward.models.embeddings import PackedEncoder

    packed = PackedEncoder(get_embedder(), "float32")
    expected = np.vstack([get_embedder().embed([t]) for t in PACKED_TEXTS])
    vectors = packed.embed(PACKED_TEXTS)
    assert packed.precision == "float32" and vectors.dtype == np.float32
    assert np.abs(vectors - expected).max() < 1e-5
    assert packed.embed([]).shape == (0, DIMENSION)


def test_packed_passes_are_split_so_a_long_batch_gives_the_same_vectors(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from steward.models import embeddings

    packed = embeddings.PackedEncoder(get_embedder(), "float32")
    together = packed.embed(PACKED_TEXTS)
    monkeypatch.setattr(embeddings, "PACK_TOKENS", 8)  # every piece in its own pass
    assert np.abs(packed.embed(PACKED_TEXTS) - together).max() < 1e-5


def test_packed_bfloat16_vectors_stay_within_a_cosine_of_float32(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from steward.models import embeddings

    monkeypatch.setattr(embeddings, "native_bfloat16", lambda: False)
    assert embeddings.PackedEncoder(get_embedder()).precision == "float32"  # auto: no AMX, no bfloat16
    monkeypatch.setattr(embeddings, "native_bfloat16", lambda: True)
    packed = embeddings.PackedEncoder(get_embedder())
    assert packed.precision == "bfloat16"
    cosines = (packed.embed(PACKED_TEXTS) * get_embedder().embed(PACKED_TEXTS)).sum(axis=1)
    assert cosines.min() > 0.9995
