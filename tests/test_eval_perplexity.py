"""Perplexity from a local GGUF model's logits (SmolLM2-135M through llama.cpp)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from tests.model_fixtures import smollm2_path  # noqa: F401

from steward.config import Settings, load_project
from steward.errors import ArtefactError, InvalidRequest
from steward.evals.metric import Row
from steward.evals.perplexity import LogitScorer, Perplexity, resolve_gguf

TEXT = "The flight to London leaves from gate A12 at eight in the morning; boarding closes twenty minutes earlier."


def test_model_option_errors_say_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match=r"absent.gguf does not exist"):
        resolve_gguf(str(tmp_path / "absent.gguf"))
    project = load_project(None)  # the embedded defaults here
    with pytest.raises(InvalidRequest, match=r"is not a \.gguf path, a declared model or one of: .*smollm2"):
        resolve_gguf("no-such-model", project, Settings.resolve(project))
    with pytest.raises(InvalidRequest, match=r"no project was given to look it up in"):
        resolve_gguf("smollm2-135m-instruct-q4_1")  # a capability never falls back on the environment


@pytest.mark.slow
def test_perplexity_equals_token_by_token_decoding_with_the_library_log_softmax(smollm2_path: Path) -> None:  # noqa: F811
    """One batched pass over the text gives the same likelihood as generation-style decoding, one token at a
    time through the KV cache, scored with llama-cpp-python's own `logits_to_logprobs`. (The library's
    `echo=True` log-probabilities are not used as the reference: they pair each token with its own position's
    logits instead of the previous one's.)"""
    from llama_cpp import Llama

    scorer = LogitScorer(smollm2_path, n_ctx=512, n_threads=2)
    nll, count = scorer.token_nll(TEXT)
    tokens = scorer.llm.tokenize(TEXT.encode(), add_bos=True, special=False)
    scorer.llm.reset()
    expected = 0.0
    for position, token in enumerate(tokens[:-1]):
        scorer.llm.eval([token])  # appends one token to the cache, like generation does
        row = np.asarray(scorer.llm.scores[position], dtype=np.float32)
        expected -= float(Llama.logits_to_logprobs(row)[tokens[position + 1]])
    assert count == len(tokens) - 1 > 10
    # batched and one-token matrix kernels round differently on quantised weights: agree to 0.5%
    assert nll == pytest.approx(expected, rel=5e-3)
    scorer.close()


@pytest.mark.slow
def test_perplexity_metric_prefers_natural_text_and_weights_the_corpus_by_tokens(
    smollm2_path: Path,  # noqa: F811
) -> None:
    words = TEXT.split()
    scrambled = " ".join(words[::2] + words[1::2])
    metric = Perplexity(model=str(smollm2_path))
    [score] = metric.compute([Row(TEXT), Row(scrambled), Row("")])
    metric.close()
    natural, shuffled, empty = score.per_row
    assert natural is not None and shuffled is not None and natural < shuffled
    assert empty is None and score.unscored == 1
    assert min(natural, shuffled) < score.value < max(natural, shuffled)
    assert not score.higher_is_better and score.detail["tokens"] > 20
    assert math.isfinite(score.value)
